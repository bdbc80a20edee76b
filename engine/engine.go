// Package engine is Fireline's time-driven behaviour, written as job
// handlers: it plans an incident's paging walk inside the transaction of
// the change that starts it (Plan), runs each walk step when due (whom it
// resolves to, on the timeline), delivers each page through the
// recipient's contact methods with retries and fallback (every attempt on
// the timeline), and watches that every unacknowledged incident has work
// pending (the watchdog).
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
	for i, c := range changes {
		switch {
		case fireline.WalkStarts(c):
			if err := q.Cancel(ctx, g, KindStepNotify, KindStepEscalate, KindDeliverEscalate); err != nil {
				return err
			}
			if !inc.Status.Open() {
				continue
			}
			if err := e.enqueueWalk(ctx, q, inc, firstSeq+int64(i)); err != nil {
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

func (e *Engine) enqueueWalk(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, epoch int64) error {
	start := q.Now()
	steps := e.Policy.PlanWalk(inc, start)
	specs := make([]jobs.Spec, 0, len(steps))
	for _, st := range steps {
		kind := KindStepEscalate
		if st.Immediate {
			kind = KindStepNotify
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
		now := tx.Now()
		if !inc.Status.Open() || (!a.Step.Immediate && inc.AcknowledgedAt != nil) {
			return tx.Complete(ctx, j) // stale: the incident moved on
		}
		overrides, err := tx.Overrides(ctx, now, now.Add(time.Microsecond))
		if err != nil {
			return err
		}
		recipients := e.Policy.Resolve(a.Step.Targets, inc.Services, now, overrides)
		d := &fireline.EscalationStepData{Epoch: a.Epoch, Step: a.Step.Index, Name: a.Step.Name, Recipients: recipients,
			Escalation: a.Step.Escalation}
		if len(recipients) == 0 {
			d.Skipped = "the step resolved to no one"
		}
		if err := tx.Record(ctx, fireline.Change{Type: fireline.EventEscalationStep, Data: d}); err != nil {
			return err
		}
		kind := KindDeliverEscalate
		if a.Step.Immediate {
			kind = KindDeliverNotify
		}
		specs := make([]jobs.Spec, 0, len(recipients))
		for _, r := range recipients {
			specs = append(specs, jobs.Spec{Kind: kind, Group: group(inc.Number), RunAt: now, MaxAttempts: 100,
				Key:  fmt.Sprintf("deliver:%d:%d:%d:%s", inc.Number, a.Epoch, a.Step.Index, r.Key()),
				Args: deliverArgs{Incident: inc.Number, Epoch: a.Epoch, Step: a.Step.Index, StepName: a.Step.Name, Immediate: a.Step.Immediate, Recipient: r}})
		}
		if err := tx.Enqueue(ctx, specs...); err != nil {
			return err
		}
		e.Metrics.step()
		return tx.Complete(ctx, j)
	})
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
