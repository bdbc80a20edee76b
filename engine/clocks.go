package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/sqlstore"
)

// clockArgs are the arguments of a clock mark's job.
type clockArgs struct {
	Incident int64              `json:"incident"`
	Epoch    int64              `json:"epoch"`
	Mark     fireline.ClockMark `json:"mark"`
	Severity fireline.Severity  `json:"severity"`
}

// planClocks enqueues the instants at which the incident's clocks, as the
// change that started this walk set them, become at risk and breached. On
// a reopening only those still ahead: the ones passed while it was closed
// were met, or recorded then. The escalate clock is not at risk while the
// walk itself pages the required level by escalate-by; its breach is
// still checked (the step may resolve to no one).
func (e *Engine) planClocks(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, epoch int64, w fireline.Walk, reopened bool) error {
	now := q.Now()
	var specs []jobs.Spec
	for _, m := range e.Policy.WalkClockMarks(inc, w) {
		if reopened && !m.At.After(now) {
			continue
		}
		specs = append(specs, jobs.Spec{Kind: KindClock, Group: group(inc.Number), RunAt: m.At,
			Key:  fmt.Sprintf("clock:%d:%d:%s:%t", inc.Number, epoch, m.Clock, m.Breach),
			Args: clockArgs{Incident: inc.Number, Epoch: epoch, Mark: m, Severity: inc.Severity}})
	}
	return q.Enqueue(ctx, specs...)
}

// clockMark records a clock becoming at risk or breached, unless it was
// met meanwhile, and tells the incident commander (or, without one, the
// primary on-call); a breach of the escalate or resolve clock also pages
// the chain's step after the required one when the severity says so.
func (e *Engine) clockMark(ctx context.Context, j *jobs.Job) error {
	var a clockArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	m := a.Mark
	return e.Store.IncidentTx(ctx, a.Incident, func(tx *sqlstore.PageTx, inc *fireline.Incident) error {
		if inc.ClockMet(m.Clock) || inc.Severity != a.Severity {
			return tx.Complete(ctx, j)
		}
		typ := fireline.EventClockAtRisk
		if m.Breach {
			typ = fireline.EventClockBreached
		}
		if err := tx.Record(ctx, fireline.Change{Type: typ, Data: &fireline.ClockData{Clock: m.Clock, Due: m.Due}}); err != nil {
			return err
		}
		e.Metrics.clockMarked(inc.Severity, m.Clock, m.Breach)
		if err := e.tellClock(ctx, tx, inc, a); err != nil {
			return err
		}
		if err := e.escalateOnBreach(ctx, tx, inc, a); err != nil {
			return err
		}
		return tx.Complete(ctx, j)
	})
}

// tellClock tells the incident commander, or the primary on-call when
// there is none, that a clock is at risk or breached.
func (e *Engine) tellClock(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, a clockArgs) error {
	now := q.Now()
	var to []fireline.Recipient
	if ic := inc.RoleHolder(fireline.RoleIncidentCommander); ic != "" {
		to = []fireline.Recipient{{Person: ic}}
	} else {
		overrides, err := q.Overrides(ctx, now, now.Add(time.Microsecond))
		if err != nil {
			return err
		}
		to = e.Policy.Resolve(fireline.Targets{OnCall: []string{string(fireline.OnCallPrimary)}}, inc.Services, now, overrides)
	}
	what := "at risk"
	if a.Mark.Breach {
		what = "breached"
	}
	specs := make([]jobs.Spec, 0, len(to))
	for _, r := range to {
		d := deliverArgs{Incident: inc.Number, Epoch: a.Epoch, Step: clockStep(a.Mark), Notify: true, Recipient: r,
			StepName: fmt.Sprintf("%s clock %s (due %s)", a.Mark.Clock, what, a.Mark.Due.Format(time.RFC3339)),
			Until:    now.Add(e.Policy.Delivery.Retry())}
		specs = append(specs, e.deliverySpec(inc, d, now))
	}
	return q.Enqueue(ctx, specs...)
}

// clockStep numbers a clock mark's notification apart from walk steps, in
// delivery keys and message ids.
func clockStep(m fireline.ClockMark) int {
	n := map[fireline.ClockName]int{fireline.ClockRespond: 0, fireline.ClockEscalate: 1, fireline.ClockResolve: 2}[m.Clock]
	if m.Breach {
		return 3010 + n
	}
	return 3000 + n
}

// escalateOnBreach pages the step after the severity's required one of
// its chain when the escalate or resolve clock is breached and the policy
// says next_step.
func (e *Engine) escalateOnBreach(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, a clockArgs) error {
	sp, ok := e.Policy.Severity(inc.Severity)
	if !ok || !a.Mark.Breach || a.Mark.Clock == fireline.ClockRespond || sp.Escalation.OnBreach != fireline.BreachNextStep {
		return nil
	}
	ch, ok := e.Policy.Chain(sp.Escalation.Chain)
	n := sp.Escalation.ThroughStep + 1 // 1-based: the step after the required one
	if !ok || n > len(ch.Steps) {
		return nil
	}
	st, err := e.Policy.EscalationTarget(inc.Severity, fmt.Sprintf("%s:%d", ch.ID, n), q.Now())
	if err != nil {
		return err
	}
	st.Index, st.Name = clockStep(a.Mark)+100, fmt.Sprintf("%s clock breached: %s step %d: %s", a.Mark.Clock, ch.Name, n, ch.Steps[n-1].Title)
	return e.runSteps(ctx, q, inc, a.Epoch, []fireline.WalkStep{st}, time.Time{}, "")
}
