package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fireline-dev/fireline"
)

// httpMetrics holds one handler's metrics, in registries of its own:
// registry for every scrape, and restricted for what the webhook requests
// of security integrations add, which only admins' scrapes count
// (docs/adr/0053). Both hold the same families; an admin's scrape adds
// them up series by series (sumGatherer).
type httpMetrics struct {
	registry   *prometheus.Registry
	restricted *prometheus.Registry
	duration   [2]*prometheus.HistogramVec // by visibility: [0] everyone's, [1] restricted
}

// visibility indexes a pair of metrics: 0 for what every scrape counts, 1
// for what only admins' do.
func visibility(restricted bool) int {
	if restricted {
		return 1
	}
	return 0
}

func newHTTPMetrics() *httpMetrics {
	m := &httpMetrics{registry: prometheus.NewRegistry(), restricted: prometheus.NewRegistry()}
	for i := range m.duration {
		m.duration[i] = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fireline_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "code"})
	}
	m.registry.MustRegister(m.duration[0],
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.restricted.MustRegister(m.duration[1])
	return m
}

// observe records one request; restricted says a security integration
// sent it. Unknown methods share one label value, so that clients cannot
// make up new series.
func (m *httpMetrics) observe(method, route string, code int, d time.Duration, restricted bool) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER"
	}
	m.duration[visibility(restricted)].WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
}

// gatherer is what a scrape by actor reads of the handler's own metrics:
// an admin's adds up every request's, anyone else's leaves out those of
// security integrations.
func (m *httpMetrics) gatherer(actor fireline.Actor) prometheus.Gatherer {
	if actor.Role == fireline.RoleAdmin {
		return sumGatherer{m.registry, m.restricted}
	}
	return m.registry
}

// serveMetrics writes the Prometheus metrics. fireline_incidents is
// counted at scrape time as the caller, so incidents the caller may not see
// are not counted; alert intake's counters and request durations count
// security integrations' alerts for admins only.
func (h *handler) serveMetrics(w http.ResponseWriter, r *http.Request) {
	counts, err := h.cfg.Incidents.CountIncidents(r.Context())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	scrape := prometheus.NewRegistry()
	scrape.MustRegister(h.incidentGauge(counts))
	scrape.MustRegister(h.pagingGauges(counts)...)
	if h.cfg.Status != nil {
		compliance, err := h.cfg.Status.UpdateCompliance(r.Context())
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		scrape.MustRegister(complianceGauge(compliance))
	}
	if h.cfg.Reports != nil {
		rep, err := h.reportMetrics(r.Context()) // metrics_report.go
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		scrape.MustRegister(h.reportGauges(rep)...)
	}
	actor, _ := fireline.ActorFromContext(r.Context())
	gatherers := prometheus.Gatherers{h.metrics.gatherer(actor), scrape}
	if h.cfg.Metrics != nil {
		gatherers = append(gatherers, h.cfg.Metrics)
	}
	promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// incidentGauge has a series for every severity of the policy and every
// status, zero unless counted, so that an absent series never means zero.
func (h *handler) incidentGauge(counts []fireline.IncidentCount) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fireline_incidents",
		Help: "Incidents visible to the scraping token, by severity and status.",
	}, []string{"severity", "status"})
	for _, sp := range h.cfg.Policy.Severities {
		for _, st := range fireline.Statuses {
			g.WithLabelValues(string(sp.Level), string(st))
		}
	}
	for _, c := range counts {
		g.WithLabelValues(string(c.Severity), string(c.Status)).Set(float64(c.Count))
	}
	return g
}

// complianceGauge is the public update cadence's record: obligations by
// severity and outcome (on_time, late, overdue, missed), as visible to
// the scraping token.
func complianceGauge(cs []fireline.Compliance) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fireline_public_update_obligations",
		Help: "Public updates the cadence asked for (first within 15 minutes of confirmation, then hourly for P1/P2), by severity and outcome: on_time, late, overdue (past due, not yet published) and missed (resolved without).",
	}, []string{"severity", "outcome"})
	for _, c := range cs {
		for _, o := range fireline.Outcomes {
			g.WithLabelValues(string(c.Severity), string(o)).Set(float64(c.Outcomes[o]))
		}
	}
	return g
}

// pagingGauges are the open incidents nobody answered (their walk ended
// unacknowledged) and those past a clock not met, by severity (and clock),
// as visible to the scraping token.
func (h *handler) pagingGauges(counts []fireline.IncidentCount) []prometheus.Collector {
	unanswered := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fireline_unanswered_incidents",
		Help: "Triggered incidents whose paging walk and repeats ended with nobody acknowledging, by severity.",
	}, []string{"severity"})
	breached := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "fireline_breached_incidents",
		Help: "Open incidents past a clock they have not met (respond, escalate, resolve), by severity and clock.",
	}, []string{"severity", "clock"})
	for _, sp := range h.cfg.Policy.Severities {
		unanswered.WithLabelValues(string(sp.Level))
		for _, c := range []fireline.ClockName{fireline.ClockRespond, fireline.ClockEscalate, fireline.ClockResolve} {
			breached.WithLabelValues(string(sp.Level), string(c))
		}
	}
	for _, c := range counts {
		unanswered.WithLabelValues(string(c.Severity)).Add(float64(c.Unanswered))
		for clock, n := range c.Breached {
			breached.WithLabelValues(string(c.Severity), string(clock)).Add(float64(n))
		}
	}
	return []prometheus.Collector{unanswered, breached}
}
