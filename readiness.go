package fireline

import (
	"fmt"
	"time"
)

// ReadinessProblem is something that would stop a page reaching anyone.
type ReadinessProblem struct {
	// Kind is config (the server cannot deliver by a contact method, or at
	// all by email), gap (no one on call), unreachable (someone on call
	// without a working contact method) or empty_step (a chain step that
	// resolves to no one).
	Kind     string     `json:"kind"`
	Schedule string     `json:"schedule,omitempty"`
	Role     OnCallRole `json:"role,omitempty"`
	Person   string     `json:"person,omitempty"`
	// Contact is the team contact of a config problem.
	Contact string `json:"contact,omitempty"`
	// Method is the place of a config problem's contact method in the
	// person's list (Person.Methods), from 1.
	Method  int       `json:"method,omitempty"`
	Chain   string    `json:"chain,omitempty"`
	Step    int       `json:"step,omitempty"`
	From    time.Time `json:"from,omitzero"`
	To      time.Time `json:"to,omitzero"`
	Message string    `json:"message"`
	// Fix is the setting (flag or environment variable) or policy change
	// that solves a config problem.
	Fix string `json:"fix,omitempty"`
}

// Readiness lists the problems between from and to: contact methods the
// server cannot deliver by (CheckDelivery), gaps in every schedule's
// primary and secondary roles, people on call without a working contact
// method, and chain steps that resolve to no one at from. setup is what
// the server can deliver with; nil means every known method type works.
func (p *Policy) Readiness(from, to time.Time, overrides []Override, setup *DeliverySetup) []ReadinessProblem {
	out := p.CheckDelivery(setup)
	out = append(out, p.trackerReadiness(setup)...) // tracker.go
	for i := range p.Schedules {
		out = append(out, p.scheduleReadiness(&p.Schedules[i], from, to, overrides, setup)...)
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

// scheduleReadiness finds the gaps of a schedule's primary and secondary
// roles, and the people on call in it whom no method reaches.
func (p *Policy) scheduleReadiness(s *Schedule, from, to time.Time, overrides []Override, setup *DeliverySetup) []ReadinessProblem {
	var out []ReadinessProblem
	for _, role := range []OnCallRole{OnCallPrimary, OnCallSecondary} {
		reported := map[string]bool{}
		for _, sh := range s.Shifts(role, from, to, p.Calendar, overrides) {
			switch per, ok := p.Person(sh.Person); {
			case sh.Person == "":
				out = append(out, ReadinessProblem{Kind: "gap", Schedule: s.ID, Role: role, From: sh.Start, To: sh.End,
					Message: fmt.Sprintf("no %s on call on %s from %s to %s", role, s.ID, sh.Start.Format(time.RFC3339), sh.End.Format(time.RFC3339))})
			case (!ok || !reachable(per, setup)) && !reported[sh.Person]:
				reported[sh.Person] = true
				out = append(out, ReadinessProblem{Kind: "unreachable", Schedule: s.ID, Role: role, Person: sh.Person, From: sh.Start, To: sh.End,
					Message: fmt.Sprintf("%s is %s on call on %s from %s but has no working contact method (none listed, or this server cannot deliver by any of them: see the config problems)", sh.Person, role, s.ID, sh.Start.Format(time.RFC3339))})
			}
		}
	}
	return out
}

// reachable reports whether the server can deliver by one of the person's
// contact methods.
func reachable(per *Person, setup *DeliverySetup) bool {
	for _, m := range per.Methods() {
		if len(setup.MethodProblems(m)) == 0 {
			return true
		}
	}
	return false
}

// CheckDelivery lists what in the server's configuration stops a page
// from going out, as config problems naming their fix: each contact
// method of the directory's people the server cannot deliver by (a
// missing SMTP relay or signing secret, a URL the outbound guard refuses,
// an unknown type), each team contact that cannot be emailed, and an SMTP
// relay the guard refuses (once, rather than for every email method).
func (p *Policy) CheckDelivery(setup *DeliverySetup) []ReadinessProblem {
	out := []ReadinessProblem{}
	relay := setup.relayProblem()
	if relay != nil {
		out = append(out, ReadinessProblem{Kind: "config", Fix: relay.Fix,
			Message: "email pages " + relay.Reason + ": " + relay.Fix})
	}
	for i := range p.People {
		per := &p.People[i]
		listed := len(per.ContactMethods) > 0
		for j, m := range per.Methods() {
			if relay != nil && m.Type == MethodEmail {
				continue // reported once above
			}
			what := fmt.Sprintf("%s %s", m.Type, m.Address())
			if !listed {
				what += ", as no contact_methods are listed"
			}
			for _, pr := range setup.MethodProblems(m) {
				out = append(out, ReadinessProblem{Kind: "config", Person: per.ID, Method: j + 1, Fix: pr.Fix,
					Message: fmt.Sprintf("%s's contact method %d (%s) %s", per.ID, j+1, what, withFix(pr))})
			}
		}
	}
	for _, c := range p.Contacts {
		if c.Email == "" || relay != nil {
			continue
		}
		for _, pr := range setup.MethodProblems(ContactMethod{Type: MethodEmail, To: c.Email}) {
			out = append(out, ReadinessProblem{Kind: "config", Contact: c.ID, Fix: pr.Fix,
				Message: fmt.Sprintf("contact %s (email %s) %s", c.ID, c.Email, withFix(pr))})
		}
	}
	return out
}

func withFix(pr DeliveryProblem) string {
	if pr.Fix == "" {
		return pr.Reason
	}
	return pr.Reason + ": " + pr.Fix
}
