package web

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fireline-dev/fireline"
)

// Report figures as Prometheus gauges (docs/reports.md): the report of the
// last ReportMetricsDays days, read from the kept sums, as a viewer reads
// it, so that restricted incidents are never counted whoever scrapes (a
// scraper holds no membership, and one set of series must not change with
// the token). A scrape reuses a report younger than reportMetricsTTL, so
// that scrapers every few seconds read the database at most that often.

// ReportMetricsDays is the window the report gauges cover: whole UTC days,
// today included.
const ReportMetricsDays = 30

const reportMetricsTTL = 15 * time.Second

// reportMetricsActor is who the gauges' report is read as: a viewer who is
// a member of nothing.
var reportMetricsActor = fireline.Actor{Role: fireline.RoleViewer, Automation: "metrics"}

// reportCache keeps the last report the gauges were made from.
type reportCache struct {
	mu     sync.Mutex
	report *fireline.Report
	readAt time.Time
}

// reportMetrics returns the window's report, read again when the one kept
// is older than the TTL at now.
func (h *handler) reportMetrics(ctx context.Context) (*fireline.Report, error) {
	c, now := &h.reportCache, h.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.report != nil && now.Sub(c.readAt) < reportMetricsTTL && !now.Before(c.readAt) {
		return c.report, nil
	}
	f := fireline.ReportFilter{From: now.Add(-(ReportMetricsDays - 1) * 24 * time.Hour), To: now}
	rep, err := h.cfg.Reports.Report(fireline.NewContextWithActor(ctx, reportMetricsActor), f)
	if err != nil {
		return nil, err
	}
	c.report, c.readAt = rep, now
	return rep, nil
}

// reportGauges turns a report into its gauges: every severity of the policy
// has its counts (zero unless counted); a mean is absent where nothing was
// measured.
func (h *handler) reportGauges(rep *fireline.Report) []prometheus.Collector {
	sev := []string{"severity"}
	incidents := reportGauge("fireline_report_incidents", "Incidents declared in the report window, by severity.", sev...)
	means := map[string]*prometheus.GaugeVec{
		"mtta": reportGauge("fireline_report_mtta_seconds", "Mean time from declaration to acknowledgement of the window's acknowledged incidents, by severity.", sev...),
		"mttm": reportGauge("fireline_report_mttm_seconds", "Mean time from declaration to the first mitigation step of the window's mitigated incidents, by severity.", sev...),
		"mttr": reportGauge("fireline_report_mttr_seconds", "Mean time from declaration to resolution of the window's resolved incidents, by severity.", sev...),
	}
	clocks := reportGauge("fireline_report_clock_outcomes", "The window's incidents whose clock (respond, escalate, resolve) was met or missed, by severity.", "severity", "clock", "outcome")
	for _, sp := range h.cfg.Policy.Severities {
		incidents.WithLabelValues(string(sp.Level))
		for _, c := range fireline.ReportClocks {
			clocks.WithLabelValues(string(sp.Level), string(c), "met")
			clocks.WithLabelValues(string(sp.Level), string(c), "missed")
		}
	}
	for _, f := range rep.Severities {
		incidents.WithLabelValues(f.Key).Set(float64(f.Incidents))
		setMean(means["mtta"], f.Key, f.MTTA, f.Acknowledged)
		setMean(means["mttm"], f.Key, f.MTTM, f.Mitigated)
		setMean(means["mttr"], f.Key, f.MTTR, f.Resolved)
		for _, c := range f.SLA {
			clocks.WithLabelValues(f.Key, string(c.Clock), "met").Set(float64(c.Met))
			clocks.WithLabelValues(f.Key, string(c.Clock), "missed").Set(float64(c.Missed))
		}
	}
	return append([]prometheus.Collector{incidents, means["mtta"], means["mttm"], means["mttr"], clocks}, followUpGauges(rep)...)
}

// followUpGauges are the window's reviews, action items and alert noise.
func followUpGauges(rep *fireline.Report) []prometheus.Collector {
	reviews := reportGauge("fireline_report_reviews", "Reviews of the window's incidents: approved on_time, late (approved late or overdue unapproved), pending (not yet due).", "outcome")
	reviews.WithLabelValues("on_time").Set(float64(rep.Reviews.OnTime))
	reviews.WithLabelValues("late").Set(float64(rep.Reviews.Late))
	reviews.WithLabelValues("pending").Set(float64(rep.Reviews.Pending))
	items := reportGauge("fireline_report_action_items", "Action items of the window's incidents: open, overdue (open past their deadline), done.", "state")
	items.WithLabelValues("open").Set(float64(rep.Items.Open))
	items.WithLabelValues("overdue").Set(float64(rep.Items.Overdue))
	items.WithLabelValues("done").Set(float64(rep.Items.Done))
	perIncident := prometheus.NewGauge(prometheus.GaugeOpts{Name: "fireline_report_alerts_per_incident",
		Help: "Alerts attached per incident declared in the report window."})
	perIncident.Set(rep.Noise.AlertsPerIncident)
	window := prometheus.NewGauge(prometheus.GaugeOpts{Name: "fireline_report_window_days",
		Help: "The days (UTC, today included) the fireline_report_* gauges cover."})
	window.Set(ReportMetricsDays)
	return []prometheus.Collector{reviews, items, perIncident, window}
}

func reportGauge(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help + " Restricted incidents are never counted."}, labels)
}

// setMean sets a mean, unless nothing was measured (n zero).
func setMean(g *prometheus.GaugeVec, severity string, seconds float64, n int64) {
	if n > 0 {
		g.WithLabelValues(severity).Set(seconds)
	}
}
