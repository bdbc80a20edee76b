package engine

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// Periodic jobs: the watchdog every minute, the gap report once a day
// (and the planner statistics every 10 minutes: statistics.go).
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
		steps: prometheus.NewCounter(prometheus.CounterOpts{Name: "fireline_escalation_steps_total",
			Help: "Walk steps the job runner ran (steps due at once run in the commit that starts the walk, and are not counted here)."}),
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

func (m *Metrics) step(n int) {
	if m != nil {
		m.steps.Add(float64(n))
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
		err := e.Store.IncidentTx(ctx, n, func(tx IncidentTx, inc *fireline.Incident) error {
			events, err := tx.Timeline(ctx)
			if err != nil {
				return err
			}
			e.log().Warn("watchdog: the paging walk of an open unacknowledged incident was lost (nothing pending, and it has not ended); repairing it",
				"incident", id)
			return tx.DoWork(ctx, e.Policy.RepairWalk(inc, events, tx.Now()))
		})
		if err != nil {
			return err
		}
	}
	return e.reschedule(ctx, j, KindWatchdog, WatchdogEvery)
}

// reschedule enqueues the next run of a periodic job and finishes this one.
func (e *Engine) reschedule(ctx context.Context, j *jobs.Job, kind string, every time.Duration) error {
	err := e.Store.JobTx(ctx, func(tx JobTx) error {
		if err := tx.Complete(ctx, j); err != nil {
			return err
		}
		next := tx.Now().Add(every)
		return tx.Enqueue(ctx, fireline.Job{Kind: kind, Key: kind, Group: "periodic", RunAt: next})
	})
	if err != nil {
		return err
	}
	return jobs.ErrFinished
}

// StartPeriodic enqueues the periodic jobs unless they are already there.
func (e *Engine) StartPeriodic(ctx context.Context) error {
	return e.Store.JobTx(ctx, func(tx JobTx) error {
		now := tx.Now()
		return tx.Enqueue(ctx,
			fireline.Job{Kind: KindWatchdog, Key: KindWatchdog, Group: "periodic", RunAt: now.Add(WatchdogEvery)},
			fireline.Job{Kind: KindGapReport, Key: KindGapReport, Group: "periodic", RunAt: now.Add(GapReportEvery)}, // start-up checked already
			fireline.Job{Kind: KindStatistics, Key: KindStatistics, Group: "periodic", RunAt: now.Add(StatisticsEvery)},
			fireline.Job{Kind: KindGuideReview, Key: KindGuideReview, Group: "periodic", RunAt: now})
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
