// Package engine is Fireline's time-driven behaviour, written as job
// handlers: it plans an incident's paging walk inside the transaction of
// the change that starts it (Plan), runs each walk step when due (whom it
// resolves to, on the timeline), delivers each page through the
// recipient's contact methods with retries and fallback (every attempt on
// the timeline), watches that every unacknowledged incident has work
// pending (the watchdog), and runs the health checks of probe
// integrations (Prober).
//
// It imports the domain, jobs, notify and sqlstore (for the transaction a
// job's effect is recorded in); cmd/ wires it.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
	"github.com/fireline-dev/fireline/sqlstore"
)

// Job kinds. Steps and deliveries due when a walk starts ("notify") run
// even once the incident is acknowledged; later ones ("escalate") are
// cancelled by the acknowledgement.
const (
	KindStepNotify      = "page.step"
	KindStepEscalate    = "page.step.escalate"
	KindDeliverNotify   = "page.deliver"
	KindDeliverEscalate = "page.deliver.escalate"
	KindTestPage        = "page.test"
	KindWatchdog        = "watchdog"
	KindGapReport       = "oncall.gaps"
)

// AttemptsPerMethod is how often a page is tried on one contact method
// before it falls back to the next.
const AttemptsPerMethod = 3

// AckLinkTTL is how long an acknowledge link in a page works.
const AckLinkTTL = 24 * time.Hour

// Engine plans and runs paging.
type Engine struct {
	Policy   *fireline.Policy
	Store    *sqlstore.PagingStore
	Channels map[fireline.ContactMethodType]notify.Channel
	Links    fireline.LinkSigner
	// BaseURL is the server's public URL, for links in pages.
	BaseURL string
	Now     func() time.Time
	Logger  *slog.Logger
	// Metrics, optional.
	Metrics *Metrics
}

// Register installs the engine's handlers on the runner.
func (e *Engine) Register(r *jobs.Runner) {
	r.Handle(KindStepNotify, e.runStep)
	r.Handle(KindStepEscalate, e.runStep)
	r.Handle(KindDeliverNotify, e.deliver)
	r.Handle(KindDeliverEscalate, e.deliver)
	r.Handle(KindTestPage, e.deliver)
	r.Handle(KindWatchdog, e.watchdog)
	r.Handle(KindGapReport, e.gapReport)
}

func group(n int64) string { return "incident:" + strconv.FormatInt(n, 10) }

// stepArgs are a walk step job's arguments.
type stepArgs struct {
	Incident int64             `json:"incident"`
	Epoch    int64             `json:"epoch"`
	Step     fireline.WalkStep `json:"step"`
}

// Plan is the store's planner: in the transaction of an incident change,
// a change that starts a walk (declared, severity changed, reopened)
// cancels the steps of the walk before and enqueues the new walk's; an
// acknowledgement cancels the escalation still pending; resolving cancels
// everything pending.
func (e *Engine) Plan(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, changes []fireline.Change) error {
	g := group(inc.Number)
	firstSeq := inc.EventCount - int64(len(changes)) + 1
	last := -1 // the last change that starts a walk: only its immediate steps run
	for i, c := range changes {
		if fireline.WalkStarts(c) {
			last = i
		}
	}
	for i, c := range changes {
		switch {
		case fireline.WalkStarts(c):
			if err := q.Cancel(ctx, g, KindStepNotify, KindStepEscalate, KindDeliverEscalate); err != nil {
				return err
			}
			if !inc.Status.Open() {
				continue
			}
			if err := e.enqueueWalk(ctx, q, inc, firstSeq+int64(i), i == last); err != nil {
				return err
			}
		case c.Type == fireline.EventAcknowledged:
			if err := q.Cancel(ctx, g, KindStepEscalate, KindDeliverEscalate); err != nil {
				return err
			}
		case c.Type == fireline.EventResolved:
			if err := q.Cancel(ctx, g); err != nil {
				return err
			}
		}
	}
	return nil
}

// enqueueWalk enqueues the walk's steps. With inline, the steps due at
// once run here, in the transaction that starts the walk (their
// recipients resolved, recorded and their deliveries enqueued, as runStep
// does), rather than as jobs of their own: that saves a claim and a commit
// on the way to the first page (docs/adr/0025).
func (e *Engine) enqueueWalk(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, epoch int64, inline bool) error {
	start := q.Now()
	steps := e.Policy.PlanWalk(inc, start)
	specs := make([]jobs.Spec, 0, len(steps))
	for _, st := range steps {
		kind := KindStepEscalate
		if st.Immediate {
			kind = KindStepNotify
		}
		if inline && st.Immediate && !st.At.After(start) {
			err := e.step(ctx, q, inc, epoch, st, func(c fireline.Change) error { return q.RecordPaging(ctx, inc, c) })
			if err != nil {
				return err
			}
			continue
		}
		specs = append(specs, jobs.Spec{Kind: kind, Group: group(inc.Number), RunAt: st.At,
			Key:  fmt.Sprintf("step:%d:%d:%d", inc.Number, epoch, st.Index),
			Args: stepArgs{Incident: inc.Number, Epoch: epoch, Step: st}})
	}
	return q.Enqueue(ctx, specs...)
}

// runStep resolves a due step to its recipients, records it on the
// timeline and enqueues a delivery per recipient, all in one transaction
// that also finishes the job, so the step takes effect once.
func (e *Engine) runStep(ctx context.Context, j *jobs.Job) error {
	var a stepArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx *sqlstore.PageTx, inc *fireline.Incident) error {
		if !inc.Status.Open() || (!a.Step.Immediate && inc.AcknowledgedAt != nil) {
			return tx.Complete(ctx, j) // stale: the incident moved on
		}
		if err := e.step(ctx, tx, inc, a.Epoch, a.Step, func(c fireline.Change) error { return tx.Record(ctx, c) }); err != nil {
			return err
		}
		return tx.Complete(ctx, j)
	})
}

// step resolves a walk step to its recipients at the transaction's
// instant, records it on the timeline (through record) and enqueues a
// delivery per recipient, in q's transaction.
func (e *Engine) step(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, epoch int64, st fireline.WalkStep, record func(fireline.Change) error) error {
	now := q.Now()
	overrides, err := q.Overrides(ctx, now, now.Add(time.Microsecond))
	if err != nil {
		return err
	}
	recipients := e.Policy.Resolve(st.Targets, inc.Services, now, overrides)
	d := &fireline.EscalationStepData{Epoch: epoch, Step: st.Index, Name: st.Name, Recipients: recipients,
		Escalation: st.Escalation}
	if len(recipients) == 0 {
		d.Skipped = "the step resolved to no one"
	}
	if err := record(fireline.Change{Type: fireline.EventEscalationStep, Data: d}); err != nil {
		return err
	}
	kind := KindDeliverEscalate
	if st.Immediate {
		kind = KindDeliverNotify
	}
	specs := make([]jobs.Spec, 0, len(recipients))
	for _, r := range recipients {
		specs = append(specs, jobs.Spec{Kind: kind, Group: group(inc.Number), RunAt: now, MaxAttempts: 100,
			Key:  fmt.Sprintf("deliver:%d:%d:%d:%s", inc.Number, epoch, st.Index, r.Key()),
			Args: deliverArgs{Incident: inc.Number, Epoch: epoch, Step: st.Index, StepName: st.Name, Immediate: st.Immediate, Recipient: r},
			// The transaction's incident: later changes in the same
			// transaction reach it too, and the store copies it as
			// committed for a delivery this process starts at once.
			Local: inc})
	}
	if err := q.Enqueue(ctx, specs...); err != nil {
		return err
	}
	e.Metrics.step()
	return nil
}

// messageID is a delivery's stable id: the same for every retry of one
// page on one contact method.
func messageID(parts ...any) string {
	h := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return "msg_" + hex.EncodeToString(h[:12])
}

func (e *Engine) log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}
