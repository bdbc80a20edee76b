package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
	"github.com/fireline-dev/fireline/ingest/alertmanager"
	"github.com/fireline-dev/fireline/ingest/generic"
	"github.com/fireline-dev/fireline/ingest/grafana"
)

// Caps on webhook bodies; a larger one gets 413.
const (
	// maxIntakeBody is PagerDuty's own cap, kept for every route but
	// Alertmanager's.
	maxIntakeBody = 512 << 10
	// maxAlertmanagerBody holds a whole large group: Alertmanager sends
	// every alert of a group in one message by default (max_alerts: 0)
	// and does not retry a 4xx, and a realistic alert with its labels and
	// annotations takes about 1 KB, so 16 MB carries some 16,000 alerts
	// (docs/adr/0050).
	maxAlertmanagerBody = 16 << 20
)

// bodyLimit is the body cap of a webhook route for integrations of type t.
func bodyLimit(t fireline.IntegrationType) int64 {
	if t == fireline.IntegrationAlertmanager {
		return maxAlertmanagerBody
	}
	return maxIntakeBody
}

// intakeState is what the webhook routes keep between requests: one rate
// limiter per integration, and the alert counters.
type intakeState struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	// received and outcomes are by visibility (httpMetrics): [1] counts
	// the alerts of security integrations, which only admins' scrapes
	// add in (docs/adr/0053).
	received [2]*prometheus.CounterVec
	outcomes [2]*prometheus.CounterVec
}

func newIntakeState(m *httpMetrics) *intakeState {
	s := &intakeState{limiters: map[string]*rate.Limiter{}}
	for i, reg := range []*prometheus.Registry{m.registry, m.restricted} {
		s.received[i] = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fireline_alerts_received_total",
			Help: "Alerts received by webhook intake, by integration type (rejected payloads count one). Security integrations' count in admins' scrapes only.",
		}, []string{"type"})
		s.outcomes[i] = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fireline_alerts_total",
			Help: "Alerts by what intake did with them: created, deduplicated, suppressed, acknowledged, resolved, dropped, rejected. Security integrations' count in admins' scrapes only.",
		}, []string{"type", "outcome"})
		reg.MustRegister(s.received[i], s.outcomes[i])
	}
	for _, t := range fireline.IntegrationTypes {
		if t == fireline.IntegrationProbe {
			continue // Fireline's own checks: fireline_probe_checks_total
		}
		s.received[0].WithLabelValues(string(t))
		for _, o := range []fireline.AlertOutcome{fireline.OutcomeDeduplicated, fireline.OutcomeRejected, fireline.OutcomeSuppressed} {
			s.outcomes[0].WithLabelValues(string(t), string(o))
		}
	}
	return s
}

// allow takes a token from the integration's bucket; when it is empty it
// returns how long until the next token.
func (s *intakeState) allow(in *fireline.Integration, rl fireline.RateLimit, now time.Time) (time.Duration, bool) {
	if rl.PerSecond <= 0 {
		return 0, true
	}
	s.mu.Lock()
	lim, ok := s.limiters[in.ID]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(rl.PerSecond), max(rl.Burst, 1))
		s.limiters[in.ID] = lim
	}
	s.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// count counts a request's alerts; in is nil for a request no integration
// was found for.
func (s *intakeState) count(in *fireline.Integration, t fireline.IntegrationType, results []fireline.AlertResult) {
	v := visibility(in != nil && in.Restricted())
	s.received[v].WithLabelValues(string(t)).Add(float64(len(results)))
	// One counter lookup per outcome, not per alert: a batch is mostly one.
	for i := 0; i < len(results); {
		o, n := results[i].Outcome, 0
		for ; i < len(results) && results[i].Outcome == o; i++ {
			n++
		}
		s.outcomes[v].WithLabelValues(string(t), string(o)).Add(float64(n))
	}
}

// rejected counts a payload refused whole; in is nil when no integration
// was found for it.
func (s *intakeState) rejected(in *fireline.Integration, t fireline.IntegrationType) {
	v := visibility(in != nil && in.Restricted())
	s.received[v].WithLabelValues(string(t)).Inc()
	s.outcomes[v].WithLabelValues(string(t), string(fireline.OutcomeRejected)).Inc()
}

// intakeRoutes adds the signed webhook routes (all in publicRoutes: the
// integration key, not an API token, authenticates them) and the API of
// integrations, alerts and maintenance windows.
func (h *handler) intakeRoutes() {
	h.intake = newIntakeState(h.metrics)
	rt := h.router
	rt.public("POST /integrations/alertmanager", h.formatIntake(fireline.IntegrationAlertmanager, alertmanager.Decode))
	rt.public("POST /integrations/grafana", h.formatIntake(fireline.IntegrationGrafana, grafana.Decode))
	rt.public("PUT /integrations/grafana", h.formatIntake(fireline.IntegrationGrafana, grafana.Decode))
	rt.public("POST /integrations/generic", h.formatIntake(fireline.IntegrationGeneric, generic.Decode))
	rt.public("POST /v2/enqueue", h.pagerDutyEnqueue)
	rt.public("POST /v2/change/enqueue", h.pagerDutyChange)
	rt.public("GET /heartbeat/{key}", h.heartbeat)
	rt.public("POST /heartbeat/{key}", h.heartbeat)
	h.alertAPIRoutes()
}

// intakeError is a failure of a webhook request, before or after the
// store: its status, message, and Retry-After for 429.
type intakeError struct {
	status     int
	message    string
	problems   []string
	retryAfter time.Duration
}

func (e *intakeError) Error() string { return e.message }

func intakeErr(status int, msg string, problems ...string) *intakeError {
	return &intakeError{status: status, message: msg, problems: problems}
}

// readBody reads the request body up to limit bytes: 413 beyond it. A
// declared length within the limit sizes the buffer at once, so that a
// large message is not copied as it grows.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *intakeError) {
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= limit {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, intakeErr(http.StatusRequestEntityTooLarge, "the body is larger than "+sizeText(limit))
	case err != nil:
		return nil, intakeErr(http.StatusBadRequest, "cannot read the body")
	}
	return buf.Bytes(), nil
}

// sizeText writes a body limit as people read it: 512 KB, 16 MB.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(n>>10, 10) + " KB"
}

// requestKey returns the integration key a request carries: a bearer
// token, the X-Fireline-Key header, or a basic-auth password.
func requestKey(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("X-Fireline-Key")); k != "" {
		return k
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return strings.TrimSpace(cred)
	case strings.EqualFold(scheme, "Basic"):
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
			_, pass, _ := strings.Cut(string(b), ":")
			return pass
		}
	}
	return ""
}

// admit authenticates key as an integration of type t and takes a rate
// limit token for it.
func (h *handler) admit(ctx context.Context, key string, t fireline.IntegrationType) (*fireline.Integration, error) {
	if h.cfg.Intake == nil {
		return nil, intakeErr(http.StatusServiceUnavailable, "alert intake is not configured")
	}
	if key == "" {
		return nil, intakeErr(http.StatusUnauthorized, "this needs an integration key: send Authorization: Bearer <key>")
	}
	in, err := h.cfg.Intake.IntegrationByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	// From here on the request is the integration's: a security
	// integration's counts for admins only (docs/adr/0053).
	infoFrom(ctx).restricted = in.Restricted()
	if in.Type != t {
		return nil, intakeErr(http.StatusUnauthorized, "this key belongs to a "+string(in.Type)+" integration; post to "+in.Type.Path("{key}"))
	}
	if wait, ok := h.intake.allow(in, h.cfg.Policy.Alerts.RateLimit, h.now()); !ok {
		e := intakeErr(http.StatusTooManyRequests, "this integration is over its rate limit; retry later")
		e.retryAfter = wait
		return nil, e
	}
	return in, nil
}

// verifySignature checks an integration's HMAC signature, when it has
// one. A timestamped signature that verifies is returned for the replay
// check; one without a timestamp never expires, so no memory of it could
// tell a replay from a repeat (docs/adr/0053): nil.
func (h *handler) verifySignature(in *fireline.Integration, r *http.Request, body []byte) (*fireline.SignedRequest, error) {
	if in.SignatureHeader == "" {
		return nil, nil
	}
	ts := ""
	if in.TimestampHeader != "" {
		if ts = r.Header.Get(in.TimestampHeader); ts == "" {
			return nil, intakeErr(http.StatusUnauthorized, "missing timestamp header "+in.TimestampHeader)
		}
	}
	signed, ok := ingest.CheckSignature(in.SigningSecret, body, r.Header.Get(in.SignatureHeader), ts, h.now())
	if !ok {
		return nil, intakeErr(http.StatusUnauthorized, "missing or wrong signature in "+in.SignatureHeader)
	}
	if signed.ValidUntil.IsZero() {
		return nil, nil
	}
	return &fireline.SignedRequest{Digest: fireline.SignatureDigest(in.ID, signed.MAC), ExpiresAt: signed.ValidUntil}, nil
}

// formatIntake serves a webhook whose body decodes into alerts: read,
// authenticate, verify, limit, decode, check, store, answer.
func (h *handler) formatIntake(t fireline.IntegrationType, decode func([]byte) ([]fireline.AlertInput, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		results, err := h.ingestFormat(w, r, t, decode)
		if err != nil {
			h.writeIntakeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, intakeAnswer{Status: "ok", Alerts: results})
	}
}

// intakeAnswer is the body of a successful webhook request.
type intakeAnswer struct {
	Status string                 `json:"status"`
	Alerts []fireline.AlertResult `json:"alerts"`
}

// ingestFormat authenticates the request by the key in its headers before
// it reads the body, so that only a sender with a key can make the server
// hold a body of up to bodyLimit(t).
func (h *handler) ingestFormat(w http.ResponseWriter, r *http.Request, t fireline.IntegrationType, decode func([]byte) ([]fireline.AlertInput, error)) ([]fireline.AlertResult, error) {
	in, err := h.admit(r.Context(), requestKey(r), t)
	if err != nil {
		return nil, err
	}
	body, ierr := readBody(w, r, bodyLimit(t))
	if ierr != nil {
		return nil, ierr
	}
	signed, err := h.verifySignature(in, r, body)
	if err != nil {
		return nil, err
	}
	checked, err := decodeAndCheck(body, decode)
	if err != nil {
		h.intake.rejected(in, t)
		return nil, ingest.AsFireline(err)
	}
	results, err := h.cfg.Intake.IngestNormalised(r.Context(), in, signed, checked)
	if err != nil {
		return nil, h.storeError(r, err)
	}
	h.intake.count(in, t, results)
	return results, nil
}

// decodeAndCheck decodes a body and checks every alert it holds before
// any is stored, so that a request is stored whole or not at all.
func decodeAndCheck(body []byte, decode func([]byte) ([]fireline.AlertInput, error)) ([]fireline.NormalisedAlert, error) {
	alerts, err := decode(body)
	if err != nil {
		return nil, err
	}
	return fireline.NormaliseAlerts(alerts)
}

// writeIntakeError answers a failed webhook request with problem+json.
func (h *handler) writeIntakeError(w http.ResponseWriter, r *http.Request, err error) {
	err = h.storeError(r, err)
	var ie *intakeError
	if !errors.As(err, &ie) {
		h.writeError(w, r, err)
		return
	}
	if ie.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ie.retryAfter.Seconds()))))
	}
	p := h.problem(r.Context(), fireline.Errorf(codeOf(ie.status), "%s", ie.message))
	p.Status, p.Title = ie.status, http.StatusText(ie.status)
	writeProblem(w, p)
}

// heartbeat records a ping of a heartbeat integration; the key is the
// last path segment, as cron jobs can send nothing else.
func (h *handler) heartbeat(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		io.Copy(io.Discard, io.LimitReader(r.Body, maxIntakeBody))
	}
	in, err := h.admit(r.Context(), r.PathValue("key"), fireline.IntegrationHeartbeat)
	if err == nil {
		err = h.storeError(r, h.cfg.Intake.Heartbeat(r.Context(), in))
	}
	if err != nil {
		h.writeIntakeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// storeError answers a store failure that is not the sender's fault with
// 503, so that the sender retries: an alert is never answered 2xx unless
// committed, and never dropped for good because of a database error.
func (h *handler) storeError(r *http.Request, err error) error {
	var ie *intakeError
	var inv *ingest.Invalid
	if err == nil || errors.As(err, &ie) || errors.As(err, &inv) || fireline.ErrorCode(err) != fireline.EInternal {
		return err
	}
	info := infoFrom(r.Context())
	h.log.ErrorContext(r.Context(), "intake failed", "err", err.Error(), "route", info.route)
	return fireline.Errorf(fireline.EUnavailable, "the alert could not be stored; retry later")
}

// newDedupKey makes up the dedup key of a PagerDuty trigger sent without
// one, as PagerDuty does, and returns it to the sender.
func newDedupKey() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }
