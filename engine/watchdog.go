package engine

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/sqlstore"
)

// Periodic jobs: the watchdog every minute, the gap report once a day.
const (
	WatchdogEvery  = time.Minute
	GapReportEvery = 24 * time.Hour
	GapHorizon     = 7 * 24 * time.Hour
)

// Metrics are the engine's Prometheus metrics.
type Metrics struct {
	Registry      *prometheus.Registry
	unwatched     prometheus.Gauge
	steps         prometheus.Counter
	pages         *prometheus.CounterVec
	failures      prometheus.Counter
	lateness      prometheus.Histogram
	gaps          prometheus.Gauge
	probeChecks   *prometheus.CounterVec
	clockMarks    *prometheus.CounterVec
	lastUnwatched atomic.Int64
}

// NewMetrics returns the engine's metrics in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(),
		unwatched: prometheus.NewGauge(prometheus.GaugeOpts{Name: "fireline_unwatched_incidents",
			Help: "Open unacknowledged incidents whose paging walk was lost: nothing pending and not ended (the watchdog's alarm, repaired as found; should be 0)."}),
		steps:    prometheus.NewCounter(prometheus.CounterOpts{Name: "fireline_escalation_steps_total", Help: "Walk steps run."}),
		pages:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fireline_pages_delivered_total", Help: "Pages delivered, by method."}, []string{"method"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "fireline_pages_failed_total", Help: "Pages given up on after every contact method."}),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fireline_job_lateness_seconds", Help: "How late jobs start after their due time.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 5}}),
		gaps: prometheus.NewGauge(prometheus.GaugeOpts{Name: "fireline_oncall_gaps", Help: "Readiness problems found by the last check (gaps, unreachable people, empty steps)."}),
		probeChecks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fireline_probe_checks_total",
			Help: "Health checks run by probe integrations, by result: pass or fail."}, []string{"result"}),
	}
	m.clockMarks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fireline_clock_marks_total",
		Help: "Incident clocks that became at risk or were breached, by severity, clock (respond, escalate, resolve) and mark (at_risk, breached)."},
		[]string{"severity", "clock", "mark"})
	m.probeChecks.WithLabelValues("pass")
	m.probeChecks.WithLabelValues("fail")
	m.Registry.MustRegister(m.unwatched, m.steps, m.pages, m.failures, m.lateness, m.gaps, m.probeChecks, m.clockMarks)
	return m
}

func (m *Metrics) step() {
	if m != nil {
		m.steps.Inc()
	}
}

func (m *Metrics) delivered(method string) {
	if m != nil {
		m.pages.WithLabelValues(method).Inc()
	}
}

func (m *Metrics) probeChecked(ok bool) {
	if m != nil {
		result := "fail"
		if ok {
			result = "pass"
		}
		m.probeChecks.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) clockMarked(sev fireline.Severity, clock fireline.ClockName, breach bool) {
	if m != nil {
		mark := "at_risk"
		if breach {
			mark = "breached"
		}
		m.clockMarks.WithLabelValues(string(sev), string(clock), mark).Inc()
	}
}

func (m *Metrics) failed() {
	if m != nil {
		m.failures.Inc()
	}
}

// JobFinished observes a job's lateness; pass it as jobs.Options.OnFinish.
func (m *Metrics) JobFinished(kind string, late time.Duration, err error) {
	if m != nil {
		m.lateness.Observe(late.Seconds())
	}
}

// Unwatched is the last count the watchdog found.
func (m *Metrics) Unwatched() int64 {
	if m == nil {
		return 0
	}
	return m.lastUnwatched.Load()
}

// watchdog proves escalations run: every open unacknowledged incident
// whose walk has not ended (it is not unanswered) must have a step, page
// or check pending or running. One without lost its walk (a job deleted
// by hand, a bug): it is counted (fireline_unwatched_incidents), logged at
// warn level, and its walk is repaired: the steps of its current walk not
// yet recorded on its timeline are enqueued again, those already due at
// once, with its clock marks still ahead. A walk that ended unanswered is left alone: repeating it is the
// policy's decision, not the watchdog's.
func (e *Engine) watchdog(ctx context.Context, j *jobs.Job) error {
	ids, err := e.Store.Unwatched(ctx)
	if err != nil {
		return err
	}
	if e.Metrics != nil {
		e.Metrics.unwatched.Set(float64(len(ids)))
		e.Metrics.lastUnwatched.Store(int64(len(ids)))
	}
	for _, id := range ids {
		n, _ := fireline.ParseIncidentID(id)
		err := e.Store.IncidentTx(ctx, n, func(tx *sqlstore.PageTx, inc *fireline.Incident) error {
			events, err := tx.Timeline(ctx)
			if err != nil {
				return err
			}
			epoch, start, done := currentWalk(events)
			e.log().Warn("watchdog: the paging walk of an open unacknowledged incident was lost (nothing pending, and it has not ended); repairing it",
				"incident", id, "walk", epoch, "steps_done", len(done))
			w := e.Policy.PlanWalk(inc, start)
			if err := e.enqueueWalk(ctx, tx, inc, epoch, w, done, false); err != nil {
				return err
			}
			return e.planClocks(ctx, tx, inc, epoch, w, true) // the marks still ahead
		})
		if err != nil {
			return err
		}
	}
	return e.reschedule(ctx, j, KindWatchdog, WatchdogEvery)
}

// currentWalk reads from a timeline the walk running now: the event that
// started it (its epoch), when, and which of its steps have run.
func currentWalk(events []*fireline.Event) (epoch int64, start time.Time, done map[int]bool) {
	done = map[int]bool{}
	for _, ev := range events {
		switch ev.Type {
		case fireline.EventDeclared, fireline.EventSeverityChanged, fireline.EventReopened:
			epoch, start, done = ev.Seq, ev.At, map[int]bool{}
		case fireline.EventAlertAttached:
			var d fireline.AlertAttachedData
			if json.Unmarshal(ev.Data, &d) == nil && d.Rewalk {
				epoch, start, done = ev.Seq, ev.At, map[int]bool{}
			}
		case fireline.EventEscalationStep:
			var d fireline.EscalationStepData
			if json.Unmarshal(ev.Data, &d) == nil && d.Epoch == epoch {
				done[d.Step] = true
			}
		}
	}
	return epoch, start, done
}

// unansweredArgs are the arguments of the check that marks a walk
// unanswered.
type unansweredArgs struct {
	Incident int64 `json:"incident"`
	Epoch    int64 `json:"epoch"`
	Repeats  int   `json:"repeats"`
}

// unanswered marks an incident whose walk, its repeats done, ended with
// nobody acknowledging: an event on its timeline, the dashboard's banner,
// /metrics. An acknowledgement cancels this check; a new walk replaces it.
func (e *Engine) unanswered(ctx context.Context, j *jobs.Job) error {
	var a unansweredArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx *sqlstore.PageTx, inc *fireline.Incident) error {
		if inc.Status == fireline.StatusTriggered && inc.UnansweredAt == nil {
			e.log().Warn("nobody acknowledged the incident: its paging walk and repeats have ended", "incident", inc.ID, "repeats", a.Repeats)
			if err := tx.Record(ctx, fireline.Change{Type: fireline.EventUnanswered, Data: &fireline.UnansweredData{Epoch: a.Epoch, Repeats: a.Repeats}}); err != nil {
				return err
			}
		}
		return tx.Complete(ctx, j)
	})
}

// reschedule enqueues the next run of a periodic job and finishes this one.
func (e *Engine) reschedule(ctx context.Context, j *jobs.Job, kind string, every time.Duration) error {
	err := e.Store.DB().JobTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.Complete(ctx, j); err != nil {
			return err
		}
		next := tx.Now().Add(every)
		return tx.Enqueue(ctx, jobs.Spec{Kind: kind, Key: kind, Group: "periodic", RunAt: next})
	})
	if err != nil {
		return err
	}
	return jobs.ErrLeaseLost
}

// StartPeriodic enqueues the periodic jobs unless they are already there.
func (e *Engine) StartPeriodic(ctx context.Context) error {
	return e.Store.DB().JobTx(ctx, func(tx *sqlstore.Tx) error {
		now := tx.Now()
		return tx.Enqueue(ctx,
			jobs.Spec{Kind: KindWatchdog, Key: KindWatchdog, Group: "periodic", RunAt: now.Add(WatchdogEvery)},
			jobs.Spec{Kind: KindGapReport, Key: KindGapReport, Group: "periodic", RunAt: now.Add(GapReportEvery)}) // start-up checked already
	})
}

// gapReport logs the readiness problems of the coming week, once a day.
func (e *Engine) gapReport(ctx context.Context, j *jobs.Job) error {
	problems, err := e.Readiness(ctx, e.Now(), GapHorizon)
	if err != nil {
		return err
	}
	if e.Metrics != nil {
		e.Metrics.gaps.Set(float64(len(problems)))
	}
	for _, p := range problems {
		e.log().Warn("on-call readiness: "+p.Message, "kind", p.Kind)
	}
	e.log().Info("on-call readiness checked for the next 7 days", "problems", len(problems))
	return e.reschedule(ctx, j, KindGapReport, GapReportEvery)
}
