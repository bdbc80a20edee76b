package fireline

import (
	"cmp"
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
	// MethodSlack is a direct message from the Slack app (slack.go).
	MethodSlack ContactMethodType = "slack"
)

// ContactMethod is one way to reach a person, tried in order.
type ContactMethod struct {
	Type ContactMethodType `yaml:"type" json:"type"`
	// To is the address of an email method; the person's email when
	// empty. For a slack method, the person's Slack user (slack_id, else
	// their email, which Slack resolves).
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
			if out[i].Type == MethodSlack && out[i].To == "" {
				out[i].To = cmp.Or(per.SlackID, per.Email)
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

// PageEpoch is what starts (or restarts) an incident's paging walk: its
// declaration, a severity change, a reopening or an alert joining it while
// its last walk ended unanswered, identified by the event's sequence
// number.
type PageEpoch struct {
	Seq int64
	At  time.Time
}

// WalkStarts reports whether a change starts a new paging walk.
func WalkStarts(c Change) bool {
	switch c.Type {
	case EventDeclared, EventSeverityChanged, EventReopened:
		return true
	case EventAlertAttached:
		d, ok := c.Data.(*AlertAttachedData)
		return ok && d.Rewalk
	}
	return false
}

// ClocksRestart reports whether a change that starts a walk also starts
// the incident's clocks afresh (a declaration, a severity change), rather
// than walking again on the clocks it has.
func ClocksRestart(c Change) bool { return c.Type == EventDeclared || c.Type == EventSeverityChanged }

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
		// Escalates says the step reaches the severity's required
		// escalation level; one that paged someone sets the incident's
		// EscalatedAt.
		Escalates bool `json:"escalates,omitempty"`
		// Escalation is how steps recorded before the required level was
		// told apart said the same of every step of the escalation
		// audience; kept so that their timelines replay as they were.
		Escalation bool `json:"escalation,omitempty"`
		// Repeat is the repeat round of a step paging again for want of an
		// acknowledgement.
		Repeat int `json:"repeat,omitempty"`
		// Notify says the recipients were told (the incident was already
		// acknowledged), not woken.
		Notify bool `json:"notify,omitempty"`
		// By is who asked for the step (an escalation or a re-sent page),
		// empty for the walk's own steps.
		By string `json:"by,omitempty"`
	}
	// PageAttemptData records one delivery attempt, successful or not.
	PageAttemptData struct {
		MessageID string            `json:"message_id"`
		Recipient Recipient         `json:"recipient"`
		Method    ContactMethodType `json:"method"`
		Attempt   int               `json:"attempt"`
		Error     string            `json:"error,omitempty"`
		// Final says a failure gave up on this method for now (falling
		// back to the next one, or, on the last, starting over or giving
		// up on the recipient).
		Final bool `json:"final,omitempty"`
		// GaveUp says a failure was the last attempt: the page's retry
		// time ran out (or the recipient has no contact method).
		GaveUp bool `json:"gave_up,omitempty"`
		Test   bool `json:"test,omitempty"`
		// What names a message that is not a page of the walk: a
		// stakeholder notice, the regulatory clock told (the incident
		// report lists who was told what).
		What string `json:"what,omitempty"`
	}
	// UnansweredData records that a walk ended, its repeats done, with
	// nobody acknowledging.
	UnansweredData struct {
		Epoch   int64 `json:"epoch"`
		Repeats int   `json:"repeats"`
	}
	// ClockData records a clock becoming at risk or breached.
	ClockData struct {
		Clock ClockName `json:"clock"`
		Due   time.Time `json:"due"`
	}
	// PageRequestedData records a person asking for a page to be sent
	// again: to a person, or a step of the current walk (Step, 0-based as
	// the timeline's escalation steps), or the primary on-call when
	// neither.
	PageRequestedData struct {
		Person string `json:"person,omitempty"`
		Step   *int   `json:"step,omitempty"`
	}
)

// RecordPaging applies a change the engine records (an escalation step, a
// page attempt, a paged person becoming a member, a clock mark, an
// unanswered walk) to the incident, as its event will be replayed, and
// reports whether it changed the incident's state: the first escalation
// step that pages the required level sets EscalatedAt, which meets the
// escalate-by clock.
func (inc *Incident) RecordPaging(c Change, now time.Time) (bool, error) {
	switch c.Data.(type) {
	case *EscalationStepData, *PageAttemptData, *MemberAddedData, *UnansweredData, *ClockData, *ActionItemNoticeData, *UpdateDueData,
		*UpdateEmailedData, *SlackChannelData:
	default:
		return false, fmt.Errorf("fireline: %s is not a paging change", c.Type)
	}
	escalated, unanswered, members := inc.EscalatedAt, inc.UnansweredAt, len(inc.Members)
	inc.apply(now, c)
	return escalated != inc.EscalatedAt || unanswered != inc.UnansweredAt || members != len(inc.Members) || c.Type == EventUpdateOverdue ||
		ChangesSecurity([]Change{c}), nil
}
