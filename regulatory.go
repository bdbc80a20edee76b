package fireline

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The regulatory notification deadline (e.g. 72 hours from detection for
// a personal-data breach) is a clock like respond, escalate and resolve:
// the policy's regulatory rule starts it on the incidents it applies to
// (an event on the timeline with the deadline), one job records it at
// risk and then breached, telling the commander and the rule's contacts,
// and recording that the regulator was notified stops it. Unlike the
// incident's other clocks it outlives resolution: a breach resolved in
// an hour must still be reported, so its job is in a group of its own
// that resolving does not cancel.

// ClockRegulatory names the regulatory notification clock.
const ClockRegulatory ClockName = "regulatory"

// JobRegulatory marks the regulatory clock at risk, then breached.
const JobRegulatory = "clock.regulatory"

// Regulatory events and actions.
const (
	EventRegulatoryStarted EventType  = "regulatory_clock_started"
	EventRegulatorNotified EventType  = "regulator_notified"
	ActNotifyRegulator     ActionKind = "notify_regulator"
)

// stepRegulatory numbers the regulatory clock's notifications apart from
// walk steps (+1 for the breach).
const stepRegulatory = 6000

// RegulatoryPolicy is the policy's regulatory section: a notification
// deadline counted from detection for the incidents it applies to.
type RegulatoryPolicy struct {
	// Name says which obligation this is, as the timeline and the report
	// show it ("GDPR Art. 33 personal-data breach").
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Deadline is how long after From the regulator must be told.
	Deadline Deadline `yaml:"deadline" json:"deadline"`
	// From is when the clock starts: detection (the incident's
	// declaration), the only one so far.
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// AppliesTo selects the incidents, as a playbook's applies_to does.
	AppliesTo []PlaybookMatch `yaml:"applies_to" json:"applies_to"`
	// Contacts (team contact ids) are told, with the incident commander,
	// when the clock is at risk and when it is breached.
	Contacts []string `yaml:"contacts,omitempty" json:"contacts,omitempty"`
}

// IsZero reports whether the policy sets no regulatory deadline.
func (r RegulatoryPolicy) IsZero() bool {
	return r.Deadline.Kind == "" && len(r.AppliesTo) == 0 && r.Name == "" && r.From == "" && len(r.Contacts) == 0
}

// RegulatoryFromDetection is the only start RegulatoryPolicy.From knows.
const RegulatoryFromDetection = "detection"

// RegulatoryClock is the deadline's state on an incident.
type RegulatoryClock struct {
	Name       string     `json:"name,omitempty"`
	Due        time.Time  `json:"due"`
	AtRiskAt   *time.Time `json:"at_risk_at,omitempty"`
	BreachedAt *time.Time `json:"breached_at,omitempty"`
	// NotifiedAt is when the regulator was first recorded notified: the
	// clock is met (or, after Due, met late).
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
}

// RegulatorNotice records the regulator told: who told them (By), when,
// which regulator and their reference.
type RegulatorNotice struct {
	Regulator string    `json:"regulator"`
	Reference string    `json:"reference,omitempty"`
	Note      string    `json:"note,omitempty"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// RegulatorInput is what recording the regulator notified takes.
type RegulatorInput struct {
	Regulator string `json:"regulator"`
	Reference string `json:"reference,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Event data of the regulatory clock.
type (
	RegulatoryStartedData struct {
		Name     string    `json:"name,omitempty"`
		Due      time.Time `json:"due"`
		Deadline string    `json:"deadline"`
		From     string    `json:"from"`
		Matched  string    `json:"matched"`
	}
	RegulatorNotifiedData struct {
		Regulator string `json:"regulator"`
		Reference string `json:"reference,omitempty"`
		Note      string `json:"note,omitempty"`
		By        string `json:"by"`
	}
)

// RegulatoryJob is the regulatory clock job's arguments.
type RegulatoryJob struct {
	Incident int64     `json:"incident"`
	Due      time.Time `json:"due"`
}

// StartRegulatoryClock starts, as a change applied to the incident, the
// policy's regulatory clock on an incident its applies_to matches
// (labels as for playbooks), once.
func (inc *Incident) StartRegulatoryClock(p *Policy, labels map[string]string, now time.Time) []Change {
	r := &p.Regulatory
	if r.IsZero() || inc.Security.Regulatory != nil {
		return nil
	}
	for i := range r.AppliesTo {
		if m := &r.AppliesTo[i]; m.Matches(inc, labels) {
			due, _ := r.Deadline.From(inc.DeclaredAt, p.Calendar)
			c := Change{EventRegulatoryStarted, &RegulatoryStartedData{Name: r.Name, Due: due.UTC(),
				Deadline: r.Deadline.String(), From: RegulatoryFromDetection, Matched: m.String()}}
			inc.apply(now, c)
			return []Change{c}
		}
	}
	return nil
}

// notifyRegulator validates and records the regulator told.
func (inc *Incident) notifyRegulator(in *RegulatorInput, by string) ([]Change, error) {
	if in == nil {
		in = &RegulatorInput{}
	}
	d := &RegulatorNotifiedData{Regulator: strings.TrimSpace(in.Regulator), Reference: strings.TrimSpace(in.Reference),
		Note: strings.TrimSpace(in.Note), By: by}
	fe := checkText(nil, "regulator", d.Regulator, 1, MaxTitle)
	fe = checkText(fe, "reference", d.Reference, 0, MaxTitle)
	fe = checkText(fe, "note", d.Note, 0, MaxText)
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid regulator notice: " + fe[0].Field + " " + fe[0].Message, Fields: fe}
	}
	return []Change{{EventRegulatorNotified, d}}, nil
}

// applyRegulatory keeps the regulatory clock's state.
func (inc *Incident) applyRegulatory(at time.Time, c Change) {
	s := &inc.Security
	switch d := c.Data.(type) {
	case *RegulatoryStartedData:
		s.Regulatory = &RegulatoryClock{Name: d.Name, Due: d.Due}
	case *RegulatorNotifiedData:
		s.Notices = append(slices.Clip(s.Notices), RegulatorNotice{Regulator: d.Regulator, Reference: d.Reference,
			Note: d.Note, By: d.By, At: at})
		if s.Regulatory != nil && s.Regulatory.NotifiedAt == nil {
			next := *s.Regulatory
			next.NotifiedAt = &at
			s.Regulatory = &next
		}
	case *ClockData:
		if d.Clock != ClockRegulatory || s.Regulatory == nil {
			return
		}
		next := *s.Regulatory
		if c.Type == EventClockBreached {
			next.BreachedAt = &at
		} else {
			next.AtRiskAt = &at
		}
		s.Regulatory = &next
	}
}

// planRegulatory is the job of a regulatory clock just started: at its
// at-risk mark (the policy's share of its time), or at once when that
// has passed.
func (p *Policy) planRegulatory(inc *Incident, c Change, now time.Time) []Job {
	d, ok := c.Data.(*RegulatoryStartedData)
	if !ok {
		return nil
	}
	at := p.RegulatoryAtRisk(inc.DeclaredAt, d.Due)
	if at.Before(now) {
		at = now
	}
	return []Job{{Kind: JobRegulatory, Group: fmt.Sprintf("regulatory:%d", inc.Number), RunAt: at.UTC(),
		Key: fmt.Sprintf("regulatory:%d", inc.Number), Args: RegulatoryJob{Incident: inc.Number, Due: d.Due}}}
}

// RegulatoryAtRisk is when a regulatory clock from start to due is at
// risk: the policy's share of its time gone, as for the other clocks.
func (p *Policy) RegulatoryAtRisk(start, due time.Time) time.Time {
	return start.Add(due.Sub(start) * time.Duration(p.ClockRules.AtRiskPercent()) / 100).UTC()
}

// RegulatoryMark is what the regulatory clock's job asks for when it
// runs at now (ok false when the clock is met or no longer the one the
// job watches): the clock at risk, before the deadline, or breached,
// after it, with the commander (or the primary on-call) and the rule's
// contacts told; next is when the job runs again (zero: done). A change
// with no Type is nothing to record (the at-risk mark already is).
func (p *Policy) RegulatoryMark(inc *Incident, a RegulatoryJob, now time.Time, overrides []Override) (Change, Work, time.Time, bool) {
	r := inc.Security.Regulatory
	if r == nil || r.NotifiedAt != nil || !r.Due.Equal(a.Due) || r.BreachedAt != nil {
		return Change{}, Work{}, time.Time{}, false
	}
	breach := r.Due.Add(ClockTolerance)
	d := &ClockData{Clock: ClockRegulatory, Due: r.Due}
	switch {
	case !now.Before(breach):
		return Change{EventClockBreached, d}, p.regulatoryNotices(inc, true, now, overrides), time.Time{}, true
	case r.AtRiskAt == nil:
		return Change{EventClockAtRisk, d}, p.regulatoryNotices(inc, false, now, overrides), breach, true
	}
	return Change{}, Work{}, breach, true
}

// regulatoryNotices tells the commander (or, without one, the primary
// on-call) and the rule's contacts that the clock is at risk or breached.
func (p *Policy) regulatoryNotices(inc *Incident, breach bool, now time.Time, overrides []Override) Work {
	to := p.Resolve(Targets{OnCall: []string{string(OnCallPrimary)}}, inc.Services, now, overrides)
	if ic := inc.RoleHolder(RoleIncidentCommander); ic != "" {
		to = []Recipient{{Person: ic}}
	}
	for _, c := range p.Regulatory.Contacts {
		to = append(to, Recipient{Contact: c})
	}
	what, step := "at risk", stepRegulatory
	if breach {
		what, step = "breached", stepRegulatory+1
	}
	due := inc.Security.Regulatory.Due
	var w Work
	for _, rc := range to {
		w.Jobs = append(w.Jobs, p.deliveryJob(inc, DeliveryJob{Incident: inc.Number, Epoch: due.Unix(), Step: step, Notify: true,
			Regulatory: true, Recipient: rc, StepName: fmt.Sprintf("regulatory notification %s (due %s)", what, due.Format(time.RFC3339)),
			Until: now.Add(p.Delivery.Retry())}, now))
	}
	return w
}
