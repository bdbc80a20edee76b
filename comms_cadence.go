package fireline

import (
	"fmt"
	"slices"
	"time"
)

// The public update cadence is a clock like the incident's others: the
// next update's deadline is a pure function of the policy and the
// incident's state (NextUpdateDue); one job per deadline reminds the
// liaison and the commander before it and, at it, records the update
// overdue and tells the next step of the technical chain (CommsMark).

// Job kinds of communications.
const (
	// JobCommsDue reminds of and then checks a public update deadline.
	JobCommsDue = "comms.due"
)

// Step indexes of communications' deliveries, apart from walk steps in
// delivery keys and message ids.
const (
	stepCommsRemind = 4000
	stepCommsMissed = 4100
	stepNotice      = 5000
)

// Stakeholder notices: the initial notification, what changes while the
// incident is open (severity, stage, estimated resolution) and the
// resolution notification.
const (
	NoticeInitial    = "initial"
	NoticeSeverity   = "severity"
	NoticeStage      = "stage"
	NoticeETA        = "eta"
	NoticeResolution = "resolution"
)

// CommsJob is a cadence job's arguments: the deadline it watches, and
// whether the reminder was sent.
type CommsJob struct {
	Incident int64     `json:"incident"`
	Due      time.Time `json:"due"`
	First    bool      `json:"first,omitempty"`
	Reminded bool      `json:"reminded,omitempty"`
}

// NextUpdateDue is when the incident's next public update is due, and
// whether it is the first: for an open incident on the public page's
// business (AffectsPublic), the first within the policy's first_update of
// its confirmation (none before it is confirmed), later ones the
// severity's interval after the last published (none for severities
// without one). The deadline stays while it is overdue: it is met, late,
// by the next update.
func (p *Policy) NextUpdateDue(inc *Incident) (time.Time, bool, bool) {
	if !inc.Status.Open() || !p.AffectsPublic(inc) {
		return time.Time{}, false, false
	}
	if last, ok := inc.Comms.LastPublished(); ok {
		every := p.UpdateEvery(inc.Severity)
		if every <= 0 {
			return time.Time{}, false, false
		}
		return last.PublishedAt.Add(every).UTC(), false, true
	}
	if inc.Comms.ConfirmedAt == nil {
		return time.Time{}, false, false
	}
	return inc.Comms.ConfirmedAt.Add(p.FirstUpdateWithin()).UTC(), true, true
}

// affectsCadence reports whether a change may move the next deadline.
func affectsCadence(c Change) bool {
	switch c.Type {
	case EventDeclared, EventAcknowledged, EventSeverityChanged, EventUpdated, EventUpdatePublished,
		EventReopened, EventResolved:
		return true
	}
	return false
}

// planComms is the cadence and stakeholder work of an incident's changes:
// the cadence job replaced when the deadline may have moved, the
// stakeholders' initial notice when a P1/P2 (the audiences' severities)
// is declared or raised to one, their resolution notice when it resolves.
func (p *Policy) planComms(inc *Incident, changes []Change, firstSeq int64, now time.Time) Work {
	var w Work
	if slices.ContainsFunc(changes, affectsCadence) {
		w.Cancels = append(w.Cancels, Cancel{Group: JobGroup(inc.Number), Kinds: []string{JobCommsDue}})
		if due, first, ok := p.NextUpdateDue(inc); ok {
			w.Jobs = append(w.Jobs, p.commsJob(inc, due, first, now))
		}
	}
	for i, c := range changes {
		if notice, level, ok := p.noticeFor(inc, changes, c); ok {
			w.Jobs = append(w.Jobs, p.notices(inc, notice, level, firstSeq+int64(i), now)...)
		}
		if _, ok := c.Data.(*UpdatePublishedData); ok {
			w.Jobs = append(w.Jobs, p.customerFanout(inc, c, now)...) // subscribe.go
		}
	}
	return w
}

// noticeFor is the stakeholder notice a change asks for, and the
// severity whose audience gets it: the initial one at declaration or when
// raised into an audience's severities; then each severity change, stage
// change and new estimated resolution while it is open (not those that
// come with the declaration or the resolution, which say it all); the
// resolution. A severity lowered out of every audience tells the audience
// that was told.
func (p *Policy) noticeFor(inc *Incident, changes []Change, c Change) (string, Severity, bool) {
	opening := slices.ContainsFunc(changes, func(c Change) bool { return c.Type == EventDeclared || c.Type == EventResolved })
	switch d := c.Data.(type) {
	case *DeclaredData:
		return NoticeInitial, d.Severity, true
	case *ResolvedData:
		return NoticeResolution, inc.Severity, true
	case *SeverityChangedData:
		switch {
		case opening:
		case len(p.AudienceFor(inc, d.From)) == 0:
			return NoticeInitial, d.To, true
		case len(p.AudienceFor(inc, d.To)) > 0:
			return NoticeSeverity, d.To, true
		default:
			return NoticeSeverity, d.From, true
		}
	case *StageChangedData:
		return NoticeStage, inc.Severity, !opening
	case *UpdatedData:
		return NoticeETA, inc.Severity, !opening && (d.ETA != nil || d.ClearETA)
	}
	return "", "", false
}

// commsJob is the job watching a deadline: it runs at the reminder, or
// at once when that has passed.
func (p *Policy) commsJob(inc *Incident, due time.Time, first bool, now time.Time) Job {
	at := due.Add(-p.RemindBefore())
	a := CommsJob{Incident: inc.Number, Due: due, First: first}
	switch {
	case at.After(now):
	case now.Before(due): // the reminder's time has come: remind now
		at = now
	default: // already due: only the deadline's check is left
		at, a.Reminded = due.Add(ClockTolerance), true
	}
	return Job{Kind: JobCommsDue, Group: JobGroup(inc.Number), RunAt: at,
		Key: fmt.Sprintf("comms:%d:%d", inc.Number, due.UnixMicro()), Args: a}
}

// notices are the email notices to the stakeholders of a severity.
func (p *Policy) notices(inc *Incident, notice string, level Severity, epoch int64, now time.Time) []Job {
	var jobs []Job
	for _, r := range p.AudienceFor(inc, level) {
		a := DeliveryJob{Incident: inc.Number, Epoch: epoch, Step: stepNotice, Notify: true,
			Notice: notice, Recipient: r, StepName: "stakeholder " + notice + " notice", Until: now.Add(p.Delivery.Retry())}
		switch notice {
		case NoticeSeverity:
			a.NoticeSeverity = inc.Severity
		case NoticeStage:
			a.NoticeStage = inc.Stage
		}
		jobs = append(jobs, p.deliveryJob(inc, a, now))
	}
	return jobs
}

// CommsMark is what a cadence job that came due asks for (ok false when
// its deadline is no longer the incident's: an update was published, the
// incident resolved or changed): before the deadline, a reminder event and
// a notification to the liaison and the commander (or, with neither, the
// primary on-call), then the job again at the deadline; at the deadline,
// the overdue event and the chain's next step told. Next is when the job
// runs again, zero when it is done.
func (p *Policy) CommsMark(inc *Incident, a CommsJob, now time.Time, overrides []Override) (c Change, w Work, next CommsJob, ok bool) {
	due, first, cur := p.NextUpdateDue(inc)
	if !cur || !due.Equal(a.Due) || inc.overdue(due) {
		return Change{}, Work{}, CommsJob{}, false
	}
	d := &UpdateDueData{Due: due, First: first, Severity: inc.Severity}
	epoch := due.Unix()
	if now.Before(due) {
		var to []Recipient
		for _, r := range []IncidentRole{RoleCommunicationsLiaison, RoleIncidentCommander} {
			if per := inc.holder(r); per != "" && !slices.Contains(to, Recipient{Person: per}) {
				to = append(to, Recipient{Person: per})
			}
		}
		if len(to) == 0 {
			to = p.Resolve(Targets{OnCall: []string{string(OnCallPrimary)}}, inc.Services, now, overrides)
		}
		for _, r := range to {
			w.Jobs = append(w.Jobs, p.deliveryJob(inc, DeliveryJob{Incident: inc.Number, Epoch: epoch, Step: stepCommsRemind, Notify: true,
				Recipient: r, StepName: "public update due at " + due.Format(time.RFC3339), Until: due}, now))
		}
		a.Reminded = true
		return Change{EventUpdateDueSoon, d}, w, a, true
	}
	if st, ok := p.missedStep(inc, now); ok {
		w.Steps = append(w.Steps, StepRun{Epoch: epoch, Steps: []WalkStep{st}})
	}
	return Change{EventUpdateOverdue, d}, w, CommsJob{}, true
}

// overdue reports whether the deadline is already recorded overdue.
func (inc *Incident) overdue(due time.Time) bool {
	return slices.ContainsFunc(inc.Comms.Obligations, func(o Obligation) bool { return o.Due.Equal(due) })
}

// missedStep is the step told of a missed update: the cadence chain's
// step after the severity's through_step (its last when that is the
// last).
func (p *Policy) missedStep(inc *Incident, now time.Time) (WalkStep, bool) {
	id := p.Comms.Cadence.OnMissedChain
	if id == "" {
		id = "technical"
	}
	ch, ok := p.Chain(id)
	if !ok || len(ch.Steps) == 0 {
		return WalkStep{}, false
	}
	n := 1
	if sp, ok := p.Severity(inc.Severity); ok && sp.Escalation.Chain == id {
		n = min(sp.Escalation.ThroughStep+1, len(ch.Steps))
	}
	st, err := p.EscalationTarget(inc.Severity, fmt.Sprintf("%s:%d", ch.ID, n), now)
	if err != nil {
		return WalkStep{}, false
	}
	// Told about communications, not escalated to: the step does not meet
	// the escalate-by clock.
	st.Escalates = false
	st.Index = stepCommsMissed + len(inc.Comms.Obligations)
	st.Name = fmt.Sprintf("public update missed: %s step %d: %s", ch.Name, n, ch.Steps[n-1].Title)
	return st, true
}

// Compliance is the cadence's record for one severity: obligations by
// outcome.
type Compliance struct {
	Severity Severity        `json:"severity"`
	Outcomes map[Outcome]int `json:"outcomes"`
	Total    int             `json:"total"`
	// OnTime is the share met on time, of all obligations (0 when none).
	OnTime float64 `json:"on_time_ratio"`
}

// ComplianceOf counts obligations by severity and outcome.
func ComplianceOf(obligations []Obligation) []Compliance {
	var out []Compliance
	for _, level := range Severities {
		c := Compliance{Severity: level, Outcomes: map[Outcome]int{}}
		for _, o := range obligations {
			if o.Severity == level {
				c.Outcomes[o.Outcome]++
				c.Total++
			}
		}
		if c.Total > 0 {
			c.OnTime = float64(c.Outcomes[OutcomeOnTime]) / float64(c.Total)
		}
		for _, oc := range Outcomes {
			c.Outcomes[oc] += 0
		}
		out = append(out, c)
	}
	return out
}
