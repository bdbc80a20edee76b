package fireline

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// PagingHours says when a severity's pages go out.
type PagingHours string

// Paging hours: around the clock, or only inside business hours (a page
// due outside them waits for the next opening).
const (
	PageAlways        PagingHours = "always"
	PageBusinessHours PagingHours = "business_hours"
)

// ContactMethodType names a way to reach a person.
type ContactMethodType string

// Contact method types.
const (
	MethodEmail   ContactMethodType = "email"
	MethodWebhook ContactMethodType = "webhook"
)

// ContactMethod is one way to reach a person, tried in order.
type ContactMethod struct {
	Type ContactMethodType `yaml:"type" json:"type"`
	// To is the address of an email method; the person's email when empty.
	To string `yaml:"to,omitempty" json:"to,omitempty"`
	// URL is where a webhook method posts.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// SecretEnv names the environment variable holding the webhook's
	// signing secret (whsec_...); the server's default secret when empty.
	SecretEnv string `yaml:"secret_env,omitempty" json:"secret_env,omitempty"`
}

// Methods returns the person's contact methods in order: the listed ones,
// or an email to their address when none are listed.
func (per *Person) Methods() []ContactMethod {
	if len(per.ContactMethods) > 0 {
		out := slices.Clone(per.ContactMethods)
		for i := range out {
			if out[i].Type == MethodEmail && out[i].To == "" {
				out[i].To = per.Email
			}
		}
		return out
	}
	if per.Email != "" {
		return []ContactMethod{{Type: MethodEmail, To: per.Email}}
	}
	return nil
}

// Recipient is one paged party: a person of the directory, or a team
// contact (which is emailed).
type Recipient struct {
	Person  string `json:"person,omitempty"`
	Contact string `json:"contact,omitempty"`
}

// Key identifies the recipient in job keys and message ids.
func (r Recipient) Key() string {
	if r.Person != "" {
		return "p-" + r.Person
	}
	return "c-" + r.Contact
}

func (r Recipient) String() string {
	if r.Person != "" {
		return r.Person
	}
	return "contact:" + r.Contact
}

// Targets are whom a walk step pages; they are resolved to recipients
// when the step runs, so that the on-call of that moment is paged.
type Targets struct {
	People   []string `json:"people,omitempty"`
	OnCall   []string `json:"on_call,omitempty"` // "primary", "secondary" or "SCHEDULE/ROLE"
	Titles   []string `json:"titles,omitempty"`
	Contacts []string `json:"contacts,omitempty"`
}

// WalkStep is one planned step of an incident's paging walk.
type WalkStep struct {
	// Index orders the steps of a walk: 0 pages the primary on-call, 1 the
	// secondary, then the chains' steps.
	Index int       `json:"index"`
	Name  string    `json:"name"`
	At    time.Time `json:"at"`
	// Immediate steps are due the moment the walk starts: they tell the
	// severity's audience and run even when the incident is acknowledged.
	// Later steps escalate for want of an acknowledgement and are skipped
	// once it comes.
	Immediate bool `json:"immediate"`
	// Escalation marks the steps that reach the severity's escalation
	// audience (its chain's steps, contacts and notify chains), as opposed
	// to the primary and secondary on-call: one that pages someone meets
	// the escalate-by clock (docs/adr/0023-escalation-on-the-timeline.md).
	Escalation bool    `json:"escalation,omitempty"`
	Targets    Targets `json:"targets"`
}

// PlanWalk plans the paging walk for an incident whose severity clock
// (re)started at start: page the primary on-call of its service's schedule
// at once; without an acknowledgement by respond-by (or escalate-by, if
// sooner) page the secondary; then walk the severity's chain step by step,
// each step after its delay, reaching through_step no later than
// escalate-by; the severity's contacts and notify_chains are told when the
// chain's last step is. Severities paged in business hours only move every
// step into them. See docs/adr/0021-escalation-walk.md.
func (p *Policy) PlanWalk(inc *Incident, start time.Time) []WalkStep {
	sp, ok := p.Severity(inc.Severity)
	if !ok {
		return nil
	}
	clocks := sp.Clocks(p.Calendar, start)
	shift := func(t time.Time) time.Time {
		// A page due at closing time (a next_business_day deadline) still
		// goes that day.
		if sp.Paging == PageBusinessHours && !p.Calendar.InBusinessHours(t.Add(-time.Microsecond)) {
			return p.Calendar.NextBusinessOpen(t)
		}
		return t
	}
	begin := shift(start)
	if !begin.Equal(start) {
		// A deferred walk's escalation clock starts when business hours
		// open; respond-by stays the incident's own.
		clocks.EscalateBy = sp.Clocks(p.Calendar, begin).EscalateBy
	}
	second := clocks.RespondBy
	if clocks.EscalateBy != nil && clocks.EscalateBy.Before(second) {
		second = *clocks.EscalateBy
	}
	second = shift(maxTime(begin, second))
	steps := []WalkStep{
		{Index: 0, Name: "primary on-call", At: begin, Targets: Targets{OnCall: []string{string(OnCallPrimary)}}},
		{Index: 1, Name: "secondary on-call", At: second, Targets: Targets{OnCall: []string{string(OnCallSecondary)}}},
	}
	last := second
	if ch, ok := p.Chain(sp.Escalation.Chain); ok && clocks.EscalateBy != nil {
		limit := shift(maxTime(second, *clocks.EscalateBy))
		at := second
		for i, st := range ch.Steps {
			if i >= sp.Escalation.ThroughStep {
				break
			}
			at = at.Add(st.Delay.After)
			due := shift(minTime(at, limit))
			last = due
			steps = append(steps, WalkStep{Index: len(steps), At: due, Escalation: true,
				Name:    fmt.Sprintf("%s step %d: %s", ch.Name, i+1, st.Title),
				Targets: Targets{People: st.People, OnCall: st.OnCall, Titles: st.Titles, Contacts: st.Contacts}})
		}
	}
	if len(sp.Escalation.Contacts) > 0 {
		steps = append(steps, WalkStep{Index: len(steps), At: last, Escalation: true, Name: "contacts: " + strings.Join(sp.Escalation.Contacts, ", "),
			Targets: Targets{Contacts: sp.Escalation.Contacts}})
	}
	for _, id := range sp.Escalation.NotifyChains {
		ch, ok := p.Chain(id)
		if !ok {
			continue
		}
		for i, st := range ch.Steps {
			steps = append(steps, WalkStep{Index: len(steps), At: last, Escalation: true,
				Name:    fmt.Sprintf("%s step %d: %s", ch.Name, i+1, st.Title),
				Targets: Targets{People: st.People, OnCall: st.OnCall, Titles: st.Titles, Contacts: st.Contacts}})
		}
	}
	for i := range steps {
		steps[i].At = steps[i].At.UTC()
		steps[i].Immediate = steps[i].At.Equal(start.UTC())
	}
	return steps
}

// Resolve turns targets into recipients at t: on-call references are read
// from the incident's schedule (or the one named) with overrides applied;
// titles become the people who hold them. Duplicates are dropped.
func (p *Policy) Resolve(tg Targets, services []string, t time.Time, overrides []Override) []Recipient {
	var people []string
	people = append(people, tg.People...)
	for _, ref := range tg.OnCall {
		sched, role := p.onCallRef(ref, services)
		if sched != nil {
			people = append(people, sched.OnCall(role, t, p.Calendar, overrides))
		}
	}
	for _, title := range tg.Titles {
		people = append(people, p.PeopleWithTitle(title)...)
	}
	var out []Recipient
	for _, id := range sortedPeople(people) {
		out = append(out, Recipient{Person: id})
	}
	for _, c := range sortedPeople(tg.Contacts) {
		out = append(out, Recipient{Contact: c})
	}
	return out
}

// onCallRef reads "primary", "secondary" (the incident's schedule) or
// "SCHEDULE/ROLE".
func (p *Policy) onCallRef(ref string, services []string) (*Schedule, OnCallRole) {
	if id, role, ok := strings.Cut(ref, "/"); ok {
		s, _ := p.Schedule(id)
		return s, OnCallRole(role)
	}
	s, _ := p.ScheduleFor(services)
	return s, OnCallRole(ref)
}

// ValidOnCallRef reports whether ref is "primary", "secondary" or
// "SCHEDULE/ROLE" naming a schedule of the policy.
func (p *Policy) ValidOnCallRef(ref string) bool {
	id, role, ok := strings.Cut(ref, "/")
	if !ok {
		role = ref
	} else if _, found := p.Schedule(id); !found {
		return false
	}
	return role == string(OnCallPrimary) || role == string(OnCallSecondary)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// PageEpoch is what starts (or restarts) an incident's paging walk: its
// declaration, a severity change or a reopening, identified by the event's
// sequence number.
type PageEpoch struct {
	Seq int64
	At  time.Time
}

// WalkStarts reports whether a change starts a new paging walk.
func WalkStarts(c Change) bool {
	switch c.Type {
	case EventDeclared, EventSeverityChanged, EventReopened:
		return true
	}
	return false
}

// PageOutcome is the result of a page's delivery attempt.
type PageOutcome string

// Page outcomes recorded on the timeline.
const (
	PageDelivered PageOutcome = "delivered"
	PageFailed    PageOutcome = "failed"
)

// Event data of paging.
type (
	// EscalationStepData records a walk step as it runs: whom it resolved to.
	EscalationStepData struct {
		Epoch      int64       `json:"epoch"`
		Step       int         `json:"step"`
		Name       string      `json:"name"`
		Recipients []Recipient `json:"recipients"`
		// Skipped says why the step paged no one, if it did not.
		Skipped string `json:"skipped,omitempty"`
		// Escalation says the step reaches the severity's escalation
		// audience; one that paged someone sets the incident's EscalatedAt.
		Escalation bool `json:"escalation,omitempty"`
	}
	// PageAttemptData records one delivery attempt, successful or not.
	PageAttemptData struct {
		MessageID string            `json:"message_id"`
		Recipient Recipient         `json:"recipient"`
		Method    ContactMethodType `json:"method"`
		Attempt   int               `json:"attempt"`
		Error     string            `json:"error,omitempty"`
		// Final says a failure gave up on this method (falling back to the
		// next one, or, on the last, giving up on the recipient).
		Final bool `json:"final,omitempty"`
		Test  bool `json:"test,omitempty"`
	}
)

// RecordPaging applies a paging change (an escalation step or a page
// attempt) to the incident, as its event will be replayed, and reports
// whether it changed the incident's state: the first escalation step that
// pages someone sets EscalatedAt, which meets the escalate-by clock.
func (inc *Incident) RecordPaging(c Change, now time.Time) (bool, error) {
	switch c.Data.(type) {
	case *EscalationStepData, *PageAttemptData:
	default:
		return false, fmt.Errorf("fireline: %s is not a paging change", c.Type)
	}
	before := inc.EscalatedAt
	inc.apply(now, c)
	return before != inc.EscalatedAt, nil
}
