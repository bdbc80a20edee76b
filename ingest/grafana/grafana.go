// Package grafana decodes Grafana-managed alerting's webhook (version 1,
// sent by POST or PUT) into Fireline alerts, and verifies its optional
// HMAC-SHA256 signature. It is pure: bytes in, alerts out.
//
// It imports the fireline domain, ingest and the standard library.
package grafana

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
)

// Message is the webhook body: the fields Fireline reads.
type Message struct {
	Version           string            `json:"version"`
	OrgID             *int64            `json:"orgId"`
	Title             string            `json:"title"`
	State             string            `json:"state"`
	Message           string            `json:"message"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupKey          string            `json:"groupKey"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a Message.
type Alert struct {
	Status       string             `json:"status"`
	Labels       map[string]string  `json:"labels"`
	Annotations  map[string]string  `json:"annotations"`
	StartsAt     *time.Time         `json:"startsAt"`
	EndsAt       *time.Time         `json:"endsAt"`
	GeneratorURL string             `json:"generatorURL"`
	Fingerprint  string             `json:"fingerprint"`
	SilenceURL   string             `json:"silenceURL"`
	DashboardURL string             `json:"dashboardURL"`
	PanelURL     string             `json:"panelURL"`
	Values       map[string]float64 `json:"values"`
	ValueString  string             `json:"valueString"`
}

// Decode parses a webhook body into alerts: firing alerts trigger,
// resolved ones resolve, keyed by fingerprint (or label hash). Every
// alert of the group is taken; the route's body limit bounds a message.
// An *ingest.Invalid lists what is wrong.
func Decode(body []byte) ([]fireline.AlertInput, error) {
	var m Message
	if err := ingest.DecodeJSON(body, &m); err != nil {
		return nil, err
	}
	var problems []string
	if m.Version == "" {
		problems = append(problems, `version is required (Grafana sends "1")`)
	}
	if m.Status != "firing" && m.Status != "resolved" {
		problems = append(problems, "status must be firing or resolved")
	}
	if m.Alerts == nil {
		problems = append(problems, "alerts is required")
	}
	out := make([]fireline.AlertInput, 0, len(m.Alerts))
	for i, a := range m.Alerts {
		in := fireline.AlertInput{DedupKey: a.Fingerprint, Summary: a.Annotations["summary"], Labels: a.Labels,
			Annotations: a.Annotations, Severity: a.Labels["severity"], StartsAt: a.StartsAt, URL: firstOf(a.PanelURL, a.DashboardURL, a.GeneratorURL),
			Source: firstOf(a.Labels["instance"], a.Labels["grafana_folder"], m.Receiver)}
		switch a.Status {
		case "firing":
			in.Action = fireline.AlertTrigger
		case "resolved":
			in.Action = fireline.AlertResolve
		default:
			problems = append(problems, "alerts["+strconv.Itoa(i)+"]: status must be firing or resolved")
		}
		if len(a.Labels) == 0 {
			problems = append(problems, "alerts["+strconv.Itoa(i)+"]: labels are required")
		}
		if in.DedupKey == "" {
			in.DedupKey = fireline.LabelsFingerprint(a.Labels)
		}
		in.Summary = firstOf(in.Summary, a.Labels["alertname"], m.Title, "Grafana alert "+in.DedupKey)
		out = append(out, in)
	}
	if len(problems) > 0 {
		return nil, &ingest.Invalid{Problems: problems}
	}
	return out, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// MaxSkew is how far a signed timestamp may be from now.
const MaxSkew = 5 * time.Minute

// Verify checks Grafana's webhook signature: hex HMAC-SHA256 with secret
// over the body, or over "<timestamp>:<body>" when timestamp is given
// (the value of the configured timestamp header, unix seconds, which must
// be within MaxSkew of now). It compares in constant time.
func Verify(secret string, body []byte, signature, timestamp string, now time.Time) bool {
	_, ok := Check(secret, body, signature, timestamp, now)
	return ok
}

// Signed is a signature that verified: the MAC its header carried and, for
// a timestamped signature, the instant it stops verifying (MaxSkew after
// its timestamp); zero for a signature without one, which never expires.
type Signed struct {
	MAC        []byte
	ValidUntil time.Time
}

// Check is Verify that also returns what verified, for the replay check.
func Check(secret string, body []byte, signature, timestamp string, now time.Time) (Signed, bool) {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || secret == "" {
		return Signed{}, false
	}
	var until time.Time
	mac := hmac.New(sha256.New, []byte(secret))
	if timestamp != "" {
		sec, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
		if err != nil {
			return Signed{}, false
		}
		at := time.Unix(sec, 0)
		if d := now.Sub(at); d > MaxSkew || d < -MaxSkew {
			return Signed{}, false
		}
		until = at.Add(MaxSkew)
		mac.Write([]byte(strings.TrimSpace(timestamp) + ":"))
	}
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return Signed{}, false
	}
	return Signed{MAC: got, ValidUntil: until}, true
}

// Sign returns the signature Verify accepts, as Grafana computes it.
func Sign(secret string, body []byte, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	if timestamp != "" {
		mac.Write([]byte(timestamp + ":"))
	}
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
