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

// httpMetrics holds one handler's metrics, in a registry of its own.
type httpMetrics struct {
	registry *prometheus.Registry
	duration *prometheus.HistogramVec
}

func newHTTPMetrics() *httpMetrics {
	m := &httpMetrics{
		registry: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fireline_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "code"}),
	}
	m.registry.MustRegister(m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one request. Unknown methods share one label value, so
// that clients cannot make up new series.
func (m *httpMetrics) observe(method, route string, code int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER"
	}
	m.duration.WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
}

// serveMetrics writes the Prometheus metrics. fireline_incidents is
// counted at scrape time as the caller, so incidents the caller may not see
// are not counted.
func (h *handler) serveMetrics(w http.ResponseWriter, r *http.Request) {
	counts, err := h.cfg.Incidents.CountIncidents(r.Context())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	scrape := prometheus.NewRegistry()
	scrape.MustRegister(h.incidentGauge(counts))
	scrape.MustRegister(h.pagingGauges(counts)...)
	gatherers := prometheus.Gatherers{h.metrics.registry, scrape}
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
