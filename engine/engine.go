// Package engine runs Fireline's time: job handlers for the work the
// domain decides (fireline.PlanWork and friends) and the store queues in
// the transaction of the change that causes it. It runs walk steps when
// due, delivers each page through the recipient's contact methods with
// retries and fallback (every attempt on the timeline), marks a walk
// unanswered when it ends, records the incident clocks becoming at risk
// and breached, watches that every unacknowledged incident's walk is alive
// (the watchdog), runs the health checks of probe integrations
// (Prober), and watches public update deadlines (comms.go: a reminder to
// the liaison and the commander, then the update overdue and the chain's
// next step told).
//
// It imports the domain, jobs and notify; what it needs of the database
// it declares here (Store, IncidentTx, JobTx), and cmd/ wires sqlstore to
// it. It never imports sqlstore.
package engine

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
)

// Job kinds of the engine's own (the paging ones are the domain's:
// fireline.JobStepNotify and the rest).
const (
	KindTestPage  = "page.test" // queued by servers before test pages were sent in the request
	KindWatchdog  = "watchdog"
	KindGapReport = "oncall.gaps"
)

// AttemptsPerMethod is how often a page is tried on one contact method
// before it falls back to the next, the first time round; later rounds
// try each method once.
const AttemptsPerMethod = 3

// AckLinkTTL is how long an acknowledge link in a page works.
const AckLinkTTL = 24 * time.Hour

// Engine runs paging.
type Engine struct {
	Policy   *fireline.Policy
	Store    Store
	Channels map[fireline.ContactMethodType]notify.Channel
	Links    fireline.LinkSigner
	// BaseURL is the server's public URL, for links in pages.
	BaseURL string
	Now     func() time.Time
	Logger  *slog.Logger
	// Metrics, optional.
	Metrics *Metrics
	// GuideReviews, optional, tells when the guide's own review is due
	// (guide_review.go).
	GuideReviews GuideReviewStore
	// Env, optional, reads the server's environment for the readiness
	// check of variables the policy names (the tracker's token).
	Env func(string) string
}

// Register installs the engine's handlers on the runner.
func (e *Engine) Register(r *jobs.Runner) {
	r.Handle(fireline.JobStepNotify, e.runStep)
	r.Handle(fireline.JobStepEscalate, e.runStep)
	r.Handle(fireline.JobStepInform, e.runStep)
	r.Handle(fireline.JobDeliverNotify, e.deliver)
	r.Handle(fireline.JobDeliverEscalate, e.deliver)
	r.Handle(fireline.JobUnanswered, e.unanswered)
	r.Handle(fireline.JobClock, e.clockMark)
	r.Handle(fireline.JobReviewClock, e.reviewClock) // review.go
	r.Handle(fireline.JobActionItem, e.actionItem)
	r.Handle(fireline.JobCommsDue, e.commsDue)          // comms.go
	r.Handle(fireline.JobRegulatory, e.regulatoryClock) // regulatory.go
	r.Handle(KindTestPage, e.dropQueuedTest)
	r.Handle(KindWatchdog, e.watchdog)
	r.Handle(KindGapReport, e.gapReport)
	r.Handle(KindStatistics, e.statistics)   // statistics.go
	r.Handle(KindGuideReview, e.guideReview) // guide_review.go
}

// runStep runs steps that fell due, those of them that still run (the
// policy's DueSteps), in one transaction that also finishes the job, so
// that they take effect once.
func (e *Engine) runStep(ctx context.Context, j *jobs.Job) error {
	var a fireline.StepJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, inc *fireline.Incident) error {
		if run := e.Policy.DueSteps(inc, a.AllSteps()); len(run) > 0 {
			if err := tx.DoWork(ctx, fireline.Work{Steps: []fireline.StepRun{{Epoch: a.Epoch, Steps: run, Next: a.Next}}}); err != nil {
				return err
			}
			e.Metrics.step(len(run))
		}
		return tx.Complete(ctx, j)
	})
}

// unanswered marks an incident whose walk, its repeats done, ended with
// nobody acknowledging: an event on its timeline, the dashboard's banner,
// /metrics. An acknowledgement cancels this check; a new walk replaces it.
func (e *Engine) unanswered(ctx context.Context, j *jobs.Job) error {
	var a fireline.UnansweredJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, inc *fireline.Incident) error {
		if inc.Status == fireline.StatusTriggered && inc.UnansweredAt == nil {
			e.log().Warn("nobody acknowledged the incident: its paging walk and repeats have ended", "incident", inc.ID, "repeats", a.Repeats)
			if err := tx.Record(ctx, fireline.Change{Type: fireline.EventUnanswered, Data: &fireline.UnansweredData{Epoch: a.Epoch, Repeats: a.Repeats}}); err != nil {
				return err
			}
		}
		return tx.Complete(ctx, j)
	})
}

// clockMark records the walk's clock marks that have come, each unless
// its clock was met meanwhile (the policy's MarkClock: the event, whom to
// tell, the step a breach pages), then waits for the next mark or is
// done.
func (e *Engine) clockMark(ctx context.Context, j *jobs.Job) error {
	var a fireline.ClockJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, inc *fireline.Incident) error {
		if inc.Severity != a.Severity || !inc.Status.Open() {
			return tx.Complete(ctx, j) // a new walk has its own marks
		}
		now := tx.Now()
		for len(a.Marks) > 0 && !a.Marks[0].At.After(now) {
			if err := e.mark(ctx, tx, inc, a.Epoch, a.Marks[0]); err != nil {
				return err
			}
			a.Marks = a.Marks[1:]
		}
		if len(a.Marks) == 0 {
			return tx.Complete(ctx, j)
		}
		return tx.Reschedule(ctx, j, a.Marks[0].At, "", a, true)
	})
}

// mark records one clock mark and its work, unless its clock is met.
func (e *Engine) mark(ctx context.Context, tx IncidentTx, inc *fireline.Incident, epoch int64, m fireline.ClockMark) error {
	now := tx.Now()
	overrides, err := tx.Overrides(ctx, now, now.Add(time.Microsecond))
	if err != nil {
		return err
	}
	c, work, ok := e.Policy.MarkClock(inc, epoch, m, now, overrides)
	if !ok {
		return nil
	}
	if err := tx.Record(ctx, c); err != nil {
		return err
	}
	e.Metrics.clockMarked(inc.Severity, m.Clock, m.Breach)
	return tx.DoWork(ctx, work)
}

// dropQueuedTest finishes a page.test job that a server from before test
// pages were sent in the request queued: its request was answered then,
// and nobody waits for it now.
func (e *Engine) dropQueuedTest(ctx context.Context, j *jobs.Job) error { return nil }

// messageID is a delivery's stable id: the same for every retry of one
// page on one contact method, and keyed by the server's link key so that
// two installations never send the same id.
func (e *Engine) messageID(parts ...any) string {
	var sum []byte
	if len(e.Links.Key) > 0 {
		m := hmac.New(sha256.New, e.Links.Key)
		fmt.Fprint(m, append([]any{"message-id"}, parts...)...)
		sum = m.Sum(nil)
	} else {
		h := sha256.Sum256([]byte(fmt.Sprint(parts...)))
		sum = h[:]
	}
	return "msg_" + hex.EncodeToString(sum[:16])
}

func (e *Engine) log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}
