package fireline

import (
	"fmt"
	"time"
)

// ReadinessProblem is something that would stop a page reaching anyone.
type ReadinessProblem struct {
	// Kind is gap (no one on call), unreachable (someone on call without a
	// contact method) or empty_step (a chain step that resolves to no one).
	Kind     string     `json:"kind"`
	Schedule string     `json:"schedule,omitempty"`
	Role     OnCallRole `json:"role,omitempty"`
	Person   string     `json:"person,omitempty"`
	Chain    string     `json:"chain,omitempty"`
	Step     int        `json:"step,omitempty"`
	From     time.Time  `json:"from,omitzero"`
	To       time.Time  `json:"to,omitzero"`
	Message  string     `json:"message"`
}

// Readiness lists the problems between from and to: gaps in every
// schedule's primary and secondary roles, people on call without a working
// contact method, and chain steps that resolve to no one at from. usable
// says whether a contact method type can deliver (its channel is
// configured); nil means every type can.
func (p *Policy) Readiness(from, to time.Time, overrides []Override, usable func(ContactMethodType) bool) []ReadinessProblem {
	out := []ReadinessProblem{}
	for i := range p.Schedules {
		s := &p.Schedules[i]
		for _, role := range []OnCallRole{OnCallPrimary, OnCallSecondary} {
			reported := map[string]bool{}
			for _, sh := range s.Shifts(role, from, to, p.Calendar, overrides) {
				switch per, ok := p.Person(sh.Person); {
				case sh.Person == "":
					out = append(out, ReadinessProblem{Kind: "gap", Schedule: s.ID, Role: role, From: sh.Start, To: sh.End,
						Message: fmt.Sprintf("no %s on call on %s from %s to %s", role, s.ID, sh.Start.Format(time.RFC3339), sh.End.Format(time.RFC3339))})
				case (!ok || !reachable(per, usable)) && !reported[sh.Person]:
					reported[sh.Person] = true
					out = append(out, ReadinessProblem{Kind: "unreachable", Schedule: s.ID, Role: role, Person: sh.Person, From: sh.Start, To: sh.End,
						Message: fmt.Sprintf("%s is %s on call on %s from %s but has no working contact method (none listed, or their channels are not configured on this server)", sh.Person, role, s.ID, sh.Start.Format(time.RFC3339))})
				}
			}
		}
	}
	for _, ch := range p.EscalationChains {
		for i, st := range ch.Steps {
			tg := Targets{People: st.People, OnCall: st.OnCall, Titles: st.Titles, Contacts: st.Contacts}
			if len(p.Resolve(tg, nil, from, overrides)) == 0 {
				out = append(out, ReadinessProblem{Kind: "empty_step", Chain: ch.ID, Step: i + 1,
					Message: fmt.Sprintf("%s step %d (%s) resolves to no one", ch.ID, i+1, st.Title)})
			}
		}
	}
	return out
}

// reachable reports whether one of the person's contact methods can deliver.
func reachable(per *Person, usable func(ContactMethodType) bool) bool {
	for _, m := range per.Methods() {
		if usable == nil || usable(m.Type) {
			return true
		}
	}
	return false
}
