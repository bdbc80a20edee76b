package fireline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AlertAction is what an incoming alert asks for.
type AlertAction string

// Alert actions: PagerDuty's event actions, which every format maps onto.
const (
	AlertTrigger     AlertAction = "trigger"
	AlertAcknowledge AlertAction = "acknowledge"
	AlertResolve     AlertAction = "resolve"
)

// AlertStatus is an alert's current state.
type AlertStatus string

// Alert statuses. Firing and acknowledged alerts are open.
const (
	AlertFiring       AlertStatus = "firing"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertResolved     AlertStatus = "resolved"
)

// AlertStatuses lists every alert status.
var AlertStatuses = []AlertStatus{AlertFiring, AlertAcknowledged, AlertResolved}

// Caps on alert fields, so that one sender cannot store unbounded text.
const (
	MaxDedupKey     = 255
	MaxAlertSummary = 1024
	MaxLabels       = 100
	MaxLabelText    = 1024
	MaxAlertDetails = 64 << 10
)

// AlertInput is one alert as a decoder (ingest/...) produced it from a
// sender's payload: format-neutral, not yet classified by the policy.
type AlertInput struct {
	Action AlertAction `json:"action"`
	// DedupKey identifies the alert among its integration's open alerts.
	// Empty on a trigger means "make one up"; see Normalise.
	DedupKey string `json:"dedup_key"`
	Summary  string `json:"summary"`
	// Source is the affected system (a host, a job) or sending tool.
	Source string `json:"source,omitempty"`
	// Severity is the sender's own severity word (critical, error,
	// warning, info, ...); the policy maps it to P1-P4.
	Severity    string            `json:"severity,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	StartsAt    *time.Time        `json:"starts_at,omitempty"`
	URL         string            `json:"url,omitempty"`
	// Details is free JSON from the sender, kept as sent.
	Details json.RawMessage `json:"details,omitempty"`
}

// Normalise checks an input and returns a cleaned copy: a missing dedup key
// on a trigger becomes the hash of the labels as sent (or of the summary
// and source when there are none), and each NUL in the descriptive text
// (summary, source, severity, URL, label and annotation names and values)
// becomes U+FFFD. A dedup key with a NUL is refused instead: it names the
// alert, and a replaced key could merge two (docs/adr/0050). EInvalid
// lists every problem.
func (in AlertInput) Normalise() (AlertInput, error) {
	var fe []FieldError
	in.DedupKey = strings.TrimSpace(in.DedupKey)
	in.Summary = strings.TrimSpace(in.Summary)
	if in.Action == AlertTrigger && in.DedupKey == "" {
		in.DedupKey = LabelsFingerprint(in.Labels)
		if len(in.Labels) == 0 {
			in.DedupKey = LabelsFingerprint(map[string]string{"summary": in.Summary, "source": in.Source})
		}
	}
	in = in.withoutNUL()
	switch in.Action {
	case AlertTrigger:
		if in.Summary == "" {
			in.Summary = in.Labels["alertname"]
		}
		fe = checkText(fe, "summary", in.Summary, 1, MaxAlertSummary)
	case AlertAcknowledge, AlertResolve:
		if in.DedupKey == "" {
			fe = append(fe, FieldError{"dedup_key", "is required to " + string(in.Action)})
		}
		fe = checkText(fe, "summary", in.Summary, 0, MaxAlertSummary)
	default:
		fe = append(fe, FieldError{"action", "must be trigger, acknowledge or resolve"})
	}
	fe = checkText(fe, "dedup_key", in.DedupKey, 0, MaxDedupKey)
	fe = checkText(fe, "source", in.Source, 0, MaxAlertSummary)
	fe = checkText(fe, "severity", in.Severity, 0, 64)
	fe = checkText(fe, "url", in.URL, 0, 2048)
	fe = checkLabels(fe, "labels", in.Labels)
	fe = checkLabels(fe, "annotations", in.Annotations)
	if len(in.Details) > MaxAlertDetails {
		fe = append(fe, FieldError{"details", "must be at most 64 KB"})
	}
	if len(fe) > 0 {
		return in, &Error{Code: EInvalid, Message: "invalid alert", Fields: fe}
	}
	if in.StartsAt != nil {
		t := in.StartsAt.UTC().Truncate(time.Microsecond)
		in.StartsAt = &t
	}
	return in, nil
}

// withoutNUL replaces each NUL of the descriptive text with U+FFFD; the
// maps are copied when they change, never written to. Details is JSON,
// where a NUL can only be the escape \u0000, which both databases store.
func (in AlertInput) withoutNUL() AlertInput {
	in.Summary, in.Source, in.Severity, in.URL = replaceNUL(in.Summary), replaceNUL(in.Source), replaceNUL(in.Severity), replaceNUL(in.URL)
	in.Labels, in.Annotations = replaceNULs(in.Labels), replaceNULs(in.Annotations)
	return in
}

// checkLabels checks a label or annotation map: its size, and each name
// and value as text of bounded length.
func checkLabels(fe []FieldError, field string, m map[string]string) []FieldError {
	if len(m) > MaxLabels {
		return append(fe, FieldError{field, "at most 100 entries"})
	}
	for k, v := range m {
		switch {
		case TextProblem(k) != "":
			return append(fe, FieldError{field, "names " + TextProblem(k)})
		case len(k) > MaxLabelText:
			return append(fe, FieldError{field, "names must be at most 1024 bytes"})
		case TextProblem(v) != "":
			return append(fe, FieldError{field + "." + k, TextProblem(v)})
		case len(v) > MaxLabelText*8:
			return append(fe, FieldError{field + "." + k, "must be at most 8192 bytes"})
		}
	}
	return fe
}

// LabelsFingerprint is a stable hex hash of a label set, used as the dedup
// key of alerts that carry none (as Alertmanager's fingerprint is).
func LabelsFingerprint(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0xff})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Alert is an alert as stored: one per integration and open dedup key.
type Alert struct {
	ID          int64             `json:"id"`
	Integration string            `json:"integration"`
	Service     string            `json:"service"`
	DedupKey    string            `json:"dedup_key"`
	Status      AlertStatus       `json:"status"`
	Summary     string            `json:"summary"`
	Source      string            `json:"source"`
	Severity    Severity          `json:"severity"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	URL         string            `json:"url,omitempty"`
	Details     json.RawMessage   `json:"details,omitempty"`
	Incident    string            `json:"incident,omitempty"`
	Suppressed  bool              `json:"suppressed"`
	Count       int64             `json:"count"`
	StartsAt    *time.Time        `json:"starts_at,omitempty"`
	FirstSeenAt time.Time         `json:"first_seen_at"`
	LastSeenAt  time.Time         `json:"last_seen_at"`
	ResolvedAt  *time.Time        `json:"resolved_at,omitempty"`
}

// AlertOutcome says what intake did with one alert.
type AlertOutcome string

// Alert outcomes, as counted in /metrics.
const (
	OutcomeCreated      AlertOutcome = "created"      // a new alert, attached to an incident
	OutcomeDeduplicated AlertOutcome = "deduplicated" // repeated an open alert
	OutcomeSuppressed   AlertOutcome = "suppressed"   // recorded inside a maintenance window
	OutcomeAcknowledged AlertOutcome = "acknowledged"
	OutcomeResolved     AlertOutcome = "resolved"
	OutcomeDropped      AlertOutcome = "dropped"  // a follow-up for no open alert
	OutcomeRejected     AlertOutcome = "rejected" // invalid; nothing stored
)

// AlertResult is intake's answer for one alert.
type AlertResult struct {
	Outcome  AlertOutcome `json:"outcome"`
	DedupKey string       `json:"dedup_key"`
	AlertID  int64        `json:"alert_id,omitempty"`
	Incident string       `json:"incident,omitempty"`
	Err      error        `json:"-"`
}

// Classification is what the policy makes of an alert.
type Classification struct {
	Severity Severity
	Service  string
	GroupKey string
}

// Classify applies the policy's alert rules to an alert received by an
// integration of service: the first rule whose matchers all match sets
// severity and service; a PagerDuty-style severity word maps through the
// severity table; otherwise the default severity applies. The grouping key
// is the values of the group_by labels.
func (ap *AlertPolicy) Classify(in AlertInput, service string) Classification {
	c := Classification{Service: service}
	labels := in.Labels
	if in.Severity != "" {
		labels = mergeLabels(labels, "severity", in.Severity)
	}
	groupBy := ap.GroupBy
	for _, r := range ap.Rules {
		if !r.Matches(labels) {
			continue
		}
		if r.Severity != "" && c.Severity == "" {
			c.Severity = r.Severity
		}
		if r.Service != "" && c.Service == service {
			c.Service = r.Service
		}
		if r.GroupBy != nil {
			groupBy = r.GroupBy
		}
		break
	}
	if c.Severity == "" {
		c.Severity = ap.SeverityFor(labels["severity"])
	}
	var parts []string
	for _, l := range groupBy {
		parts = append(parts, l+"="+labels[l])
	}
	c.GroupKey = strings.Join(parts, ",")
	return c
}

func mergeLabels(m map[string]string, k, v string) map[string]string {
	if _, ok := m[k]; ok {
		return m
	}
	out := make(map[string]string, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// SeverityFor maps a sender's severity word through the policy's table,
// case-insensitively; unknown or empty words get the default severity.
func (ap *AlertPolicy) SeverityFor(word string) Severity {
	w := strings.ToLower(strings.TrimSpace(word))
	if slices.Contains(Severities, Severity(strings.ToUpper(w))) {
		return Severity(strings.ToUpper(w))
	}
	for _, m := range ap.SeverityMap {
		if strings.EqualFold(m.From, w) {
			return m.To
		}
	}
	if ap.DefaultSeverity != "" {
		return ap.DefaultSeverity
	}
	return P3
}

// AutoResolves reports whether incidents of level resolve themselves when
// all their alerts have resolved.
func (ap *AlertPolicy) AutoResolves(level Severity) bool {
	return slices.Contains(ap.AutoResolve, level)
}

// Timeline changes that alerts make to incidents.

// AttachAlert records that an alert joined the incident.
func (inc *Incident) AttachAlert(a *Alert, now time.Time) Change {
	c := Change{Type: EventAlertAttached, Data: &AlertAttachedData{
		Alert: a.ID, Integration: a.Integration, DedupKey: a.DedupKey, Summary: a.Summary, Severity: a.Severity,
		Rewalk: inc.Status == StatusTriggered && inc.UnansweredAt != nil,
	}}
	inc.apply(now, c)
	return c
}

// ResolveAlert records that one of the incident's alerts resolved.
func (inc *Incident) ResolveAlert(a *Alert, now time.Time) Change {
	c := Change{Type: EventAlertResolved, Data: &AlertResolvedData{Alert: a.ID, DedupKey: a.DedupKey}}
	inc.apply(now, c)
	return c
}

// RecordChangeEvent records a change (such as a deploy) on the incident's
// timeline. It changes nothing else.
func (inc *Incident) RecordChangeEvent(d ChangeEventData, now time.Time) Change {
	c := Change{Type: EventChangeEvent, Data: &d}
	inc.apply(now, c)
	return c
}

// ChangeInput is a change event (a deploy, a config push) as decoded from
// PagerDuty's change events API.
type ChangeInput struct {
	Summary   string          `json:"summary"`
	Source    string          `json:"source,omitempty"`
	Timestamp *time.Time      `json:"timestamp,omitempty"`
	Links     []ChangeLink    `json:"links,omitempty"`
	Details   json.RawMessage `json:"details,omitempty"`
}

// ChangeLink is a link attached to a change event.
type ChangeLink struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// Normalise checks a change event and returns a cleaned copy: the summary
// trimmed, and each NUL in its text replaced by U+FFFD, as in alerts
// (docs/adr/0050). EInvalid lists every problem.
func (c ChangeInput) Normalise() (ChangeInput, error) {
	var fe []FieldError
	c.Summary, c.Source = replaceNUL(strings.TrimSpace(c.Summary)), replaceNUL(c.Source)
	fe = checkText(fe, "summary", c.Summary, 1, MaxAlertSummary)
	fe = checkText(fe, "source", c.Source, 0, MaxAlertSummary)
	links := make([]ChangeLink, len(c.Links)) // a copy: the caller's slice is left alone
	for i, l := range c.Links {
		l.Href, l.Text = replaceNUL(l.Href), replaceNUL(l.Text)
		at := "links[" + strconv.Itoa(i) + "]."
		fe = checkText(fe, at+"href", l.Href, 1, 2048)
		fe = checkText(fe, at+"text", l.Text, 0, MaxAlertSummary)
		links[i] = l
	}
	if c.Links != nil {
		c.Links = links
	}
	if len(c.Details) > MaxAlertDetails {
		fe = append(fe, FieldError{"details", "must be at most 64 KB"})
	}
	if len(fe) > 0 {
		return c, &Error{Code: EInvalid, Message: "invalid change event", Fields: fe}
	}
	return c, nil
}

// AlertFilter selects alerts. Zero fields do not filter.
type AlertFilter struct {
	Service     string        `json:"service,omitempty"`
	Integration string        `json:"integration,omitempty"`
	Incident    string        `json:"incident,omitempty"`
	Status      []AlertStatus `json:"status,omitempty"`
	Limit       int           `json:"limit,omitempty"`
	Cursor      string        `json:"cursor,omitempty"`
}

// AlertPage is one page of alerts, newest first.
type AlertPage struct {
	Alerts     []*Alert `json:"alerts"`
	NextCursor string   `json:"next_cursor"`
}

// AlertService reads alert history.
type AlertService interface {
	// FindAlerts lists visible alerts, newest first: alerts attached to an
	// incident the actor may not see do not exist for it. EInvalid for a
	// bad filter.
	FindAlerts(ctx context.Context, f AlertFilter) (*AlertPage, error)
}

// SignedRequest names a signed webhook request for the replay check
// (docs/adr/0053): Digest is the SHA-256, in hex, of the integration's id
// and the signature (SignatureDigest), and ExpiresAt is when the signed
// timestamp leaves its window, after which the signature no longer
// verifies and so needs no remembering.
type SignedRequest struct {
	Digest    string
	ExpiresAt time.Time
}

// SignatureDigest is the Digest of a SignedRequest: the signature as the
// integration's MAC in lower-case hex, so that a replay cannot pass as new
// by changing the case of its hex digits.
func SignatureDigest(integration string, mac []byte) string {
	return HashToken(integration + ":" + hex.EncodeToString(mac))
}

// IntakeService turns decoded alerts into stored alerts and incidents. A
// nil error means every result is committed.
type IntakeService interface {
	// IntegrationByKey returns the live integration whose key (current or
	// within its rotation grace period) is key. EUnauthorized otherwise.
	IntegrationByKey(ctx context.Context, key string) (*Integration, error)
	// Ingest stores a batch of alerts for an integration, in one commit.
	// Each result says what happened to its alert; an invalid alert is
	// rejected without failing the others. EUnavailable when the database
	// cannot commit.
	Ingest(ctx context.Context, in *Integration, alerts []AlertInput) ([]AlertResult, error)
	// IngestOnce is Ingest for a signed request: the request's signature
	// is recorded until it expires, in the commit that stores its alerts.
	// A request whose signature is recorded already (a replay) stores
	// nothing and fails with EConflict. A request that failed before its
	// commit recorded nothing, so the sender's retry of it is accepted.
	IngestOnce(ctx context.Context, in *Integration, req SignedRequest, alerts []AlertInput) ([]AlertResult, error)
	// IngestNormalised is Ingest, or with signed IngestOnce, for alerts
	// normalised already (NormaliseAlerts, AlertInput.Check): the
	// webhooks' path, which refuses a request whole when any of its
	// alerts is invalid, and so has checked each once.
	IngestNormalised(ctx context.Context, in *Integration, signed *SignedRequest, alerts []NormalisedAlert) ([]AlertResult, error)
	// RecordChange puts a change event on the timelines of the open
	// incidents of the integration's service. It never opens an incident.
	// EInvalid for a change that ChangeInput.Normalise refuses.
	RecordChange(ctx context.Context, in *Integration, c ChangeInput) error
	// Heartbeat records a heartbeat ping, resolving a missed-heartbeat
	// alert. EInvalid for an integration that is not a heartbeat.
	Heartbeat(ctx context.Context, in *Integration) error
}
