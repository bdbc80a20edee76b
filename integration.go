package fireline

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

// IntegrationType names the format an integration receives.
type IntegrationType string

// Integration types.
const (
	IntegrationAlertmanager IntegrationType = "alertmanager"
	IntegrationPagerDuty    IntegrationType = "pagerduty"
	IntegrationGrafana      IntegrationType = "grafana"
	IntegrationGeneric      IntegrationType = "generic"
	IntegrationHeartbeat    IntegrationType = "heartbeat"
	// IntegrationProbe is a health check Fireline runs itself: it GETs the
	// service's health endpoint every interval (docs/adr/0047).
	IntegrationProbe IntegrationType = "probe"
)

// IntegrationTypes lists every integration type.
var IntegrationTypes = []IntegrationType{IntegrationAlertmanager, IntegrationPagerDuty, IntegrationGrafana, IntegrationGeneric, IntegrationHeartbeat, IntegrationProbe}

// IntegrationKeyLength is the length of integration keys: 32 hex digits,
// the shape of a PagerDuty routing key, so any PagerDuty sender takes them.
const IntegrationKeyLength = 32

// Default integration settings.
const (
	DefaultRotationGrace     = 24 * time.Hour
	DefaultHeartbeatInterval = 5 * time.Minute
	MinHeartbeatInterval     = 10 * time.Second
	DefaultProbeInterval     = time.Minute
	MinProbeInterval         = 10 * time.Second
	// MaxProbeTimeout bounds one health check; a shorter interval bounds
	// it to half the interval.
	MaxProbeTimeout = 10 * time.Second
	// ProbeFailuresToAlert is how many health checks in a row must fail
	// before a probe raises its alert: one lost packet pages no one.
	ProbeFailuresToAlert = 2
)

// Integration is a sender of alerts for a service, authenticated by its
// secret key (stored only as its SHA-256).
type Integration struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Type    IntegrationType `json:"type"`
	Service string          `json:"service"`
	// Source is what incidents it opens record as their source; security
	// integrations open restricted incidents.
	Source Source `json:"source"`
	// SignatureHeader, when set, requires a hex HMAC-SHA256 signature of
	// the body in that header (Grafana); TimestampHeader, when also set,
	// signs "<timestamp>:<body>".
	SignatureHeader string `json:"signature_header,omitempty"`
	TimestampHeader string `json:"timestamp_header,omitempty"`
	// SigningSecret is the HMAC key; it is never returned after creation.
	SigningSecret string `json:"-"`
	// HeartbeatInterval is how often a heartbeat integration expects a ping.
	HeartbeatInterval Interval   `json:"heartbeat_interval,omitzero"`
	LastPingAt        *time.Time `json:"last_ping_at,omitempty"`
	// ProbeURL is what a probe GETs every ProbeInterval; ProbeFailing
	// counts its failed checks in a row, LastProbeResult says how the last
	// one went ("200 OK", or why it failed).
	ProbeURL        string     `json:"probe_url,omitempty"`
	ProbeInterval   Interval   `json:"probe_interval,omitzero"`
	ProbeFailing    int        `json:"probe_failing,omitempty"`
	LastProbeAt     *time.Time `json:"last_probe_at,omitempty"`
	LastProbeResult string     `json:"last_probe_result,omitempty"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	RotatedAt       *time.Time `json:"rotated_at,omitempty"`
	// PreviousKeyExpiresAt is when the key before the last rotation stops
	// working.
	PreviousKeyExpiresAt *time.Time `json:"previous_key_expires_at,omitempty"`
	// URL is where the sender posts (filled in by the API).
	URL string `json:"url,omitempty"`
}

// Actor is who an integration acts as on timelines: the automation
// "integration.NAME", with the responder role.
func (in *Integration) Actor() Actor {
	return Actor{Role: RoleResponder, Automation: "integration." + in.Name}
}

// Restricted reports whether the integration's alerts are confidential.
func (in *Integration) Restricted() bool { return in.Source == SourceSecurity }

// IntegrationInput describes an integration to create.
type IntegrationInput struct {
	Name              string          `json:"name,omitempty"`
	Type              IntegrationType `json:"type"`
	Service           string          `json:"service"`
	Source            Source          `json:"source,omitempty"`
	SignatureHeader   string          `json:"signature_header,omitempty"`
	TimestampHeader   string          `json:"timestamp_header,omitempty"`
	Sign              bool            `json:"sign,omitempty"`
	HeartbeatInterval Interval        `json:"heartbeat_interval,omitzero"`
	// ProbeURL defaults to the service's health_url in the policy.
	ProbeURL      string   `json:"probe_url,omitempty"`
	ProbeInterval Interval `json:"probe_interval,omitzero"`
}

// Validate checks the input against the policy and returns a normalised
// copy, or an EInvalid error listing every problem.
func (in IntegrationInput) Validate(p *Policy) (IntegrationInput, error) {
	var fe []FieldError
	if !slices.Contains(IntegrationTypes, in.Type) {
		fe = append(fe, FieldError{"type", "must be alertmanager, pagerduty, grafana, generic, heartbeat or probe"})
	}
	svc, ok := p.Service(in.Service)
	if !ok {
		fe = append(fe, FieldError{"service", "unknown service " + quote(in.Service)})
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = string(in.Type) + "-" + in.Service
	}
	if !validSlug(in.Name) {
		fe = append(fe, FieldError{"name", "must be 1-64 characters of a-z, 0-9, '-', '_' or '.'"})
	}
	if in.Source == "" {
		in.Source = SourceMonitoring
	} else if !slices.Contains(Sources, in.Source) {
		fe = append(fe, FieldError{"source", "unknown source " + quote(string(in.Source))})
	}
	if in.Type == IntegrationHeartbeat {
		if in.HeartbeatInterval == 0 {
			in.HeartbeatInterval = Interval(DefaultHeartbeatInterval)
		} else if time.Duration(in.HeartbeatInterval) < MinHeartbeatInterval {
			fe = append(fe, FieldError{"heartbeat_interval", "must be at least 10s"})
		}
	} else if in.HeartbeatInterval != 0 {
		fe = append(fe, FieldError{"heartbeat_interval", "only heartbeat integrations take an interval"})
	}
	fe = append(fe, in.validateProbe(svc)...)
	if in.Sign && in.SignatureHeader == "" {
		in.SignatureHeader = "X-Grafana-Alerting-Signature"
	}
	if in.SignatureHeader != "" {
		in.Sign = true
		if in.Type != IntegrationGrafana && in.Type != IntegrationGeneric {
			fe = append(fe, FieldError{"signature_header", "only grafana and generic integrations verify signatures"})
		}
	}
	for _, h := range []struct{ f, v string }{{"signature_header", in.SignatureHeader}, {"timestamp_header", in.TimestampHeader}} {
		if p := TextProblem(h.v); p != "" {
			fe = append(fe, FieldError{h.f, p})
		} else if len(h.v) > 100 || !validHeaderName(h.v) {
			fe = append(fe, FieldError{h.f, "must be an HTTP header name"})
		}
	}
	if in.TimestampHeader != "" && in.SignatureHeader == "" {
		fe = append(fe, FieldError{"timestamp_header", "needs a signature header"})
	}
	if len(fe) > 0 {
		return in, &Error{Code: EInvalid, Message: "invalid integration", Fields: fe}
	}
	return in, nil
}

// validateProbe checks (and defaults) a probe's URL and interval; other
// types take neither.
func (in *IntegrationInput) validateProbe(svc *Service) []FieldError {
	if in.Type != IntegrationProbe {
		var fe []FieldError
		if in.ProbeURL != "" {
			fe = append(fe, FieldError{"probe_url", "only probe integrations take a URL"})
		}
		if in.ProbeInterval != 0 {
			fe = append(fe, FieldError{"probe_interval", "only probe integrations take an interval"})
		}
		return fe
	}
	var fe []FieldError
	in.ProbeURL = strings.TrimSpace(in.ProbeURL)
	if in.ProbeURL == "" && svc != nil {
		in.ProbeURL = svc.HealthURL
	}
	if in.ProbeURL == "" {
		if svc != nil {
			fe = append(fe, FieldError{"probe_url", "required: service " + quote(svc.ID) + " has no health_url in the policy"})
		}
	} else if p := TextProblem(in.ProbeURL); p != "" {
		fe = append(fe, FieldError{"probe_url", p})
	} else if u, err := url.Parse(in.ProbeURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(in.ProbeURL) > 2000 {
		fe = append(fe, FieldError{"probe_url", "must be an absolute http or https URL without credentials"})
	}
	if in.ProbeInterval == 0 {
		in.ProbeInterval = Interval(DefaultProbeInterval)
	} else if time.Duration(in.ProbeInterval) < MinProbeInterval {
		fe = append(fe, FieldError{"probe_interval", "must be at least 10s"})
	}
	return fe
}

// ProbeRefused is the error of a probe whose URL the server's outbound
// guard refuses (r): its checks could never connect. It names the field
// and the setting that would allow the range.
func ProbeRefused(r *OutboundRefusal) error {
	return &Error{Code: EInvalid, Message: "invalid integration", Fields: []FieldError{{"probe_url",
		r.describe() + "; the outbound guard refuses it unless the server runs with --allow-outbound " + r.Range.Prefix.String() + " (FIRELINE_ALLOW_OUTBOUND)"}}}
}

// ProbeTimeout is how long one health check of the integration may take.
func (in *Integration) ProbeTimeout() time.Duration {
	return min(MaxProbeTimeout, time.Duration(in.ProbeInterval)/2)
}

// CreatedIntegration is a new or rotated integration with its secrets,
// which are shown only once.
type CreatedIntegration struct {
	Integration
	Key           string `json:"key"`
	SigningSecret string `json:"signing_secret,omitempty"`
}

// IntegrationService manages integrations.
type IntegrationService interface {
	// CreateIntegration stores a new integration and returns it with its
	// key. EInvalid for bad input.
	CreateIntegration(ctx context.Context, in IntegrationInput) (*CreatedIntegration, error)
	// ListIntegrations returns the live integrations, newest first.
	ListIntegrations(ctx context.Context) ([]*Integration, error)
	// RotateIntegrationKey issues a new key; the old one keeps working for
	// grace (DefaultRotationGrace when 0). ENotFound for no such integration.
	RotateIntegrationKey(ctx context.Context, id string, grace time.Duration) (*CreatedIntegration, error)
	// DeleteIntegration stops an integration; its alerts stay in history.
	// ENotFound for no such integration.
	DeleteIntegration(ctx context.Context, id string) error
}

// Interval is a time.Duration written as "90s", "5m", "2h" or "1d" in
// YAML and JSON.
type Interval time.Duration

// ParseInterval parses the text form of an Interval.
func ParseInterval(s string) (Interval, error) {
	d, err := parseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, Errorf(EInvalid, "invalid duration %q: want a duration such as 90s, 5m, 2h or 1d", s)
	}
	return Interval(d), nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Interval) MarshalText() ([]byte, error) { return []byte(FormatDuration(time.Duration(d))), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Interval) UnmarshalText(b []byte) error {
	v, err := ParseInterval(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Path is where a sender of the type posts, relative to the server's base
// URL. PagerDuty senders take the base URL itself as their events endpoint
// and post to /v2/enqueue under it.
func (t IntegrationType) Path(key string) string {
	switch t {
	case IntegrationPagerDuty:
		return "/v2/enqueue"
	case IntegrationHeartbeat:
		return "/heartbeat/" + key
	case IntegrationProbe:
		return "" // Fireline calls the service; nothing calls Fireline
	}
	return "/integrations/" + string(t)
}

// JobProbe is the job that runs one health check of a probe integration
// and schedules the next (docs/adr/0047).
const JobProbe = "probe.check"

// ProbeArgs are a probe job's arguments.
type ProbeArgs struct {
	Integration string `json:"integration"`
}

// ProbeJob is the job that checks probe integration id at runAt. Its key
// is the integration's, so that a probe has one check pending at a time.
// A check that cannot record its result (the database is down) is retried
// without end, at most five minutes apart: a probe must outlive an outage.
func ProbeJob(id string, runAt time.Time) Job {
	return Job{Kind: JobProbe, Key: "probe:" + id, Group: "probe:" + id, RunAt: runAt,
		Args: ProbeArgs{Integration: id}, MaxAttempts: math.MaxInt32}
}

// ProbeResult is how one health check went.
type ProbeResult struct {
	OK bool
	// Result says what the check saw: "200 OK", or why it failed.
	Result string
}

// JobHeartbeat is the job that checks a heartbeat integration for a
// missed ping, due when the next ping is: one pending per integration.
const JobHeartbeat = "heartbeat.check"

// HeartbeatArgs are a heartbeat check's arguments.
type HeartbeatArgs struct {
	Integration string `json:"integration"`
}

// HeartbeatJob is the check of heartbeat integration id at runAt. Like a
// probe's, it is retried without end: it must outlive an outage.
func HeartbeatJob(id string, runAt time.Time) Job {
	return Job{Kind: JobHeartbeat, Key: "heartbeat:" + id, Group: "heartbeat:" + id, RunAt: runAt,
		Args: HeartbeatArgs{Integration: id}, MaxAttempts: math.MaxInt32}
}

// HeartbeatDue is when a heartbeat integration's next ping is due: an
// interval after its last, or after its creation when none came.
func (in *Integration) HeartbeatDue() time.Time {
	last := in.CreatedAt
	if in.LastPingAt != nil {
		last = *in.LastPingAt
	}
	return last.Add(time.Duration(in.HeartbeatInterval))
}

// MissedHeartbeat is the alert a heartbeat integration raises when its
// ping is overdue; the next ping resolves it.
func (in *Integration) MissedHeartbeat() AlertInput {
	last := "none has come since it was created at " + in.CreatedAt.UTC().Format(time.RFC3339)
	if in.LastPingAt != nil {
		last = "the last came at " + in.LastPingAt.UTC().Format(time.RFC3339)
	}
	return AlertInput{
		Action: AlertTrigger, DedupKey: HeartbeatAlertKey, Source: in.Name,
		Summary: fmt.Sprintf("Missed heartbeat: %s expects a ping every %s; %s",
			in.Name, FormatDuration(time.Duration(in.HeartbeatInterval)), last),
		Labels: map[string]string{"alertname": "HeartbeatMissed", "integration": in.Name},
	}
}

// HeartbeatAlertKey is the dedup key of a heartbeat integration's one
// alert.
const HeartbeatAlertKey = "heartbeat-missed"

// validHeaderName reports whether s is an HTTP field name: one or more
// token characters (RFC 9110, section 5.6.2).
func validHeaderName(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
