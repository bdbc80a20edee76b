package engine

import (
	"context"
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
	lastUnwatched atomic.Int64
}

// NewMetrics returns the engine's metrics in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(),
		unwatched: prometheus.NewGauge(prometheus.GaugeOpts{Name: "fireline_unwatched_incidents",
			Help: "Open unacknowledged incidents with no page or escalation step pending (the watchdog's alarm; should be 0)."}),
		steps:    prometheus.NewCounter(prometheus.CounterOpts{Name: "fireline_escalation_steps_total", Help: "Walk steps run."}),
		pages:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fireline_pages_delivered_total", Help: "Pages delivered, by method."}, []string{"method"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "fireline_pages_failed_total", Help: "Pages given up on after every contact method."}),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fireline_job_lateness_seconds", Help: "How late jobs start after their due time.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 5}}),
		gaps: prometheus.NewGauge(prometheus.GaugeOpts{Name: "fireline_oncall_gaps", Help: "Readiness problems found by the last check (gaps, unreachable people, empty steps)."}),
		probeChecks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fireline_probe_checks_total",
			Help: "Health checks run by probe integrations, by result: pass or fail."}, []string{"result"}),
	}
	m.probeChecks.WithLabelValues("pass")
	m.probeChecks.WithLabelValues("fail")
	m.Registry.MustRegister(m.unwatched, m.steps, m.pages, m.failures, m.lateness, m.gaps, m.probeChecks)
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

// watchdog proves escalations run: every open unacknowledged incident must
// have a page or step pending or running. One without raises an alert (an
// error in the log and fireline_unwatched_incidents above zero) and is
// given its walk again, so it is paged rather than forgotten.
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
		e.log().Error("watchdog: open unacknowledged incident has nothing pending; restarting its paging walk", "incident", id)
		n, _ := fireline.ParseIncidentID(id)
		err := e.Store.IncidentTx(ctx, n, func(tx *sqlstore.PageTx, inc *fireline.Incident) error {
			return e.enqueueWalk(ctx, tx, inc, -inc.EventCount, false) // a negative epoch marks the watchdog's walk
		})
		if err != nil {
			return err
		}
	}
	return e.reschedule(ctx, j, KindWatchdog, WatchdogEvery)
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
			jobs.Spec{Kind: KindGapReport, Key: KindGapReport, Group: "periodic", RunAt: now})
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
