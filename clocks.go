package fireline

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Clock measuring defaults, used when the policy's clocks section leaves
// them out.
const (
	// DefaultImmediateWindow is how soon an "immediate" response or
	// escalation must come to meet its clock.
	DefaultImmediateWindow = 5 * time.Minute
	// DefaultAtRisk is the share of a clock's time (in percent) after
	// which it is at risk.
	DefaultAtRisk = 75
)

// ClockTolerance is how late a clock's event may come and still meet it:
// the engine runs a step planned at a deadline a few milliseconds after
// the deadline, and that is not a breach.
const ClockTolerance = time.Second

// ClockPolicy tunes how an incident's clocks are measured.
type ClockPolicy struct {
	// ImmediateWindow is how soon an "immediate" response or escalation
	// must come to meet its clock: the guide's "Immediate (24/7)" response
	// is met by an acknowledgement within it. Pages still go out at once.
	ImmediateWindow Deadline `yaml:"immediate_window,omitempty" json:"immediate_window,omitzero"`
	// AtRisk is the share of a clock's time after which it is at risk (an
	// event on the timeline and a notification).
	AtRisk Percent `yaml:"at_risk,omitempty" json:"at_risk,omitempty"`
}

// Window is the immediate window, DefaultImmediateWindow when unset.
func (c ClockPolicy) Window() time.Duration {
	if c.ImmediateWindow.Kind == DeadlineAfter {
		return c.ImmediateWindow.After
	}
	return DefaultImmediateWindow
}

// AtRiskPercent is the at-risk share, DefaultAtRisk when unset.
func (c ClockPolicy) AtRiskPercent() int {
	if c.AtRisk > 0 {
		return int(c.AtRisk)
	}
	return DefaultAtRisk
}

// Percent is a share written as "75%".
type Percent int

// MarshalText implements encoding.TextMarshaler.
func (p Percent) MarshalText() ([]byte, error) { return []byte(strconv.Itoa(int(p)) + "%"), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Percent) UnmarshalText(b []byte) error {
	s, ok := strings.CutSuffix(strings.TrimSpace(string(b)), "%")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if !ok || err != nil || n < 1 || n > 99 {
		return fmt.Errorf("invalid percentage %q: want a share from 1%% to 99%%, such as 75%%", string(b))
	}
	*p = Percent(n)
	return nil
}

// Clocks are an incident's deadlines.
type Clocks struct {
	// RespondBy is when a first response (acknowledgement) is due.
	RespondBy time.Time `json:"respond_by"`
	// EscalateBy is when escalation is due; nil for regular channels only.
	EscalateBy *time.Time `json:"escalate_by"`
	// ResolveBy is the resolution target.
	ResolveBy time.Time `json:"resolve_by"`
}

// Clocks computes an incident's deadlines for a severity whose clock
// started at start (docs/adr/0001-incident-clocks.md):
//   - respond-by: the target chosen by whether start falls inside business
//     hours, from start; "immediate" means within the immediate window;
//   - escalate-by and resolve-by count from when paging begins: start, or
//     for a severity paged in business hours only, the next opening; such
//     a severity's escalate-by is moved into business hours as its walk
//     is, so the walk can meet it;
//   - resolve-by is never earlier than respond-by.
//
// EscalateBy is nil when the severity escalates only through regular
// channels.
func (p *Policy) Clocks(level Severity, start time.Time) (Clocks, error) {
	sp, ok := p.Severity(level)
	if !ok {
		return Clocks{}, Errorf(EInvalid, "unknown severity %q", level)
	}
	return sp.deadlines(p.Calendar, start, p.ClockRules.Window()), nil
}

// deadlines computes the clocks for a clock started at start, with
// "immediate" meaning within window: the immediate window to measure a
// response, 0 to plan pages.
func (sp *SeverityPolicy) deadlines(cal Calendar, start time.Time, window time.Duration) Clocks {
	due := func(d Deadline, from time.Time) (time.Time, bool) {
		if d.Kind == DeadlineImmediate {
			return from.Add(window), true
		}
		return d.From(from, cal)
	}
	target := sp.Respond.OutsideBusinessHours
	if cal.InBusinessHours(start) {
		target = sp.Respond.BusinessHours
	}
	begin := sp.pagingTime(cal, start)
	var c Clocks
	c.RespondBy, _ = due(target, start)
	if t, ok := due(sp.Escalation.Within, begin); ok {
		t = sp.pagingTime(cal, t)
		c.EscalateBy = &t
	}
	c.ResolveBy, _ = due(sp.Resolve, begin)
	c.ResolveBy = maxTime(c.ResolveBy, c.RespondBy)
	return c
}

// pagingTime moves t into business hours for a severity paged only then
// (the next opening); other severities page at t. A page due exactly at
// closing time (a next_business_day deadline) still goes that day.
func (sp *SeverityPolicy) pagingTime(cal Calendar, t time.Time) time.Time {
	if sp.Paging == PageBusinessHours && !cal.InBusinessHours(t.Add(-time.Microsecond)) {
		return cal.NextBusinessOpen(t)
	}
	return t
}

// ClockName names one of an incident's clocks.
type ClockName string

// The incident clocks.
const (
	ClockRespond  ClockName = "respond"
	ClockEscalate ClockName = "escalate"
	ClockResolve  ClockName = "resolve"
)

// ClockMark is an instant at which one of an incident's clocks becomes at
// risk or breached, unless it is met before.
type ClockMark struct {
	Clock  ClockName `json:"clock"`
	Breach bool      `json:"breach"`
	At     time.Time `json:"at"`
	Due    time.Time `json:"due"`
}

// ClockMarks lists when the incident's clocks, as they stand, become at
// risk (the policy's share of their time gone) and breached (ClockTolerance
// after they fall due). A clock with no time to run has no at-risk mark.
func (p *Policy) ClockMarks(inc *Incident) []ClockMark {
	sp, ok := p.Severity(inc.Severity)
	if !ok {
		return nil
	}
	begin := sp.pagingTime(p.Calendar, inc.SeveritySetAt)
	pct := time.Duration(p.ClockRules.AtRiskPercent())
	var out []ClockMark
	add := func(c ClockName, from, due time.Time) {
		if span := due.Sub(from); span > 0 {
			out = append(out, ClockMark{Clock: c, At: from.Add(span * pct / 100).UTC(), Due: due})
		}
		out = append(out, ClockMark{Clock: c, Breach: true, At: due.Add(ClockTolerance).UTC(), Due: due})
	}
	add(ClockRespond, inc.SeveritySetAt, inc.RespondBy)
	if inc.EscalateBy != nil {
		add(ClockEscalate, begin, *inc.EscalateBy)
	}
	add(ClockResolve, begin, inc.ResolveBy)
	return out
}

// WalkClockMarks is ClockMarks as a walk leaves them: the escalate clock
// is not at risk while the walk itself pages the severity's required
// level by escalate-by (its breach is still marked: the step may resolve
// to no one). The engine plans its at-risk and breach events from these
// marks, and the console colours the clocks by them.
func (p *Policy) WalkClockMarks(inc *Incident, w Walk) []ClockMark {
	marks := p.ClockMarks(inc)
	out := marks[:0:0]
	for _, m := range marks {
		if m.Clock != ClockEscalate || m.Breach || !w.EscalatesBy(m.Due) {
			out = append(out, m)
		}
	}
	return out
}

// ClockMet reports whether the incident has met (or no longer runs) the
// clock: acknowledged, escalated, resolved.
func (inc *Incident) ClockMet(c ClockName) bool {
	switch c {
	case ClockRespond:
		return inc.AcknowledgedAt != nil || !inc.Status.Open()
	case ClockEscalate:
		return inc.EscalatedAt != nil || !inc.Status.Open()
	default:
		return !inc.Status.Open()
	}
}

// ClockWork is the job that records a walk's clock marks, one job a walk
// rescheduled from mark to mark (a new incident's commit inserts one
// row). With marksAhead only the marks still ahead: on a reopening, the
// ones passed while it was closed were met, or recorded then. The
// escalate clock is not at risk while the walk itself pages the required
// level by escalate-by; its breach is still checked (the step may resolve
// to no one).
func (p *Policy) ClockWork(inc *Incident, epoch int64, w Walk, marksAhead bool, now time.Time) []Job {
	var marks []ClockMark
	for _, m := range p.WalkClockMarks(inc, w) {
		if !marksAhead || m.At.After(now) {
			marks = append(marks, m)
		}
	}
	if len(marks) == 0 {
		return nil
	}
	slices.SortStableFunc(marks, func(a, b ClockMark) int { return a.At.Compare(b.At) })
	return []Job{{Kind: JobClock, Group: JobGroup(inc.Number), RunAt: marks[0].At,
		Key:  fmt.Sprintf("clock:%d:%d", inc.Number, epoch),
		Args: ClockJob{Incident: inc.Number, Epoch: epoch, Marks: marks, Severity: inc.Severity}}}
}

// MarkClock is what a clock mark that has come asks for, unless its clock
// was met meanwhile (ok false): its event, to record first; a notification
// to the incident commander (or, without one, the primary on-call); and,
// for a breach of the escalate or resolve clock where the severity says
// next_step, the chain's step after the required one, paged at once.
func (p *Policy) MarkClock(inc *Incident, epoch int64, m ClockMark, now time.Time, overrides []Override) (Change, Work, bool) {
	if inc.ClockMet(m.Clock) {
		return Change{}, Work{}, false
	}
	c := Change{Type: EventClockAtRisk, Data: &ClockData{Clock: m.Clock, Due: m.Due}}
	what := "at risk"
	if m.Breach {
		c.Type, what = EventClockBreached, "breached"
	}
	to := p.Resolve(Targets{OnCall: []string{string(OnCallPrimary)}}, inc.Services, now, overrides)
	if ic := inc.RoleHolder(RoleIncidentCommander); ic != "" {
		to = []Recipient{{Person: ic}}
	}
	var w Work
	for _, r := range to {
		w.Jobs = append(w.Jobs, p.deliveryJob(inc, DeliveryJob{Incident: inc.Number, Epoch: epoch, Step: clockStep(m), Notify: true,
			Recipient: r, StepName: fmt.Sprintf("%s clock %s (due %s)", m.Clock, what, m.Due.Format(time.RFC3339)),
			Until: now.Add(p.Delivery.Retry())}, now))
	}
	if st, ok := p.breachStep(inc, m, now); ok {
		w.Steps = append(w.Steps, StepRun{Epoch: epoch, Steps: []WalkStep{st}})
	}
	return c, w, true
}

// clockStep numbers a clock mark's notification apart from walk steps, in
// delivery keys and message ids.
func clockStep(m ClockMark) int {
	n := stepClock + slices.Index([]ClockName{ClockRespond, ClockEscalate, ClockResolve}, m.Clock)
	if m.Breach {
		n += 10
	}
	return n
}

// breachStep is the step a breach of the escalate or resolve clock pages
// when the severity says next_step: its chain's step after the required
// one, if there is one.
func (p *Policy) breachStep(inc *Incident, m ClockMark, now time.Time) (WalkStep, bool) {
	sp, ok := p.Severity(inc.Severity)
	if !ok || !m.Breach || m.Clock == ClockRespond || sp.Escalation.OnBreach != BreachNextStep {
		return WalkStep{}, false
	}
	ch, ok := p.Chain(sp.Escalation.Chain)
	n := sp.Escalation.ThroughStep + 1 // 1-based: the step after the required one
	if !ok || n > len(ch.Steps) {
		return WalkStep{}, false
	}
	st, err := p.EscalationTarget(inc.Severity, fmt.Sprintf("%s:%d", ch.ID, n), now)
	if err != nil {
		return WalkStep{}, false
	}
	st.Index, st.Name = clockStep(m)+100, fmt.Sprintf("%s clock breached: %s step %d: %s", m.Clock, ch.Name, n, ch.Steps[n-1].Title)
	return st, true
}
