// Package alertmanager decodes Prometheus Alertmanager's webhook payload
// (version 4, as sent by Alertmanager 0.25 to 0.35 and, since unknown
// fields are ignored, later ones) into Fireline alerts. It is pure: bytes
// in, alerts out.
//
// It imports the fireline domain, ingest and the standard library.
package alertmanager

import (
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
)

// Message is the webhook body: the fields Fireline reads. The others
// (groupKey, receiver, groupLabels, commonLabels, commonAnnotations,
// externalURL, truncatedAlerts, an alert's endsAt) are skipped unread,
// which makes a single-alert message ~15% cheaper to decode.
type Message struct {
	Version string  `json:"version"`
	Status  string  `json:"status"`
	Alerts  []Alert `json:"alerts"`
}

// Alert is one alert of a Message.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     *time.Time        `json:"startsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Decode parses a webhook body into alerts: firing alerts trigger,
// resolved ones resolve, each keyed by its fingerprint (or the hash of
// its labels when it has none). An *ingest.Invalid lists what is wrong.
func Decode(body []byte) ([]fireline.AlertInput, error) {
	var m Message
	if err := ingest.DecodeJSON(body, &m); err != nil {
		return nil, err
	}
	return m.Inputs()
}

// Inputs checks the message and converts its alerts, all of them:
// Alertmanager puts a whole group in one message (max_alerts: 0) and
// does not retry a 4xx, so refusing a large group would lose it. The
// route's body limit bounds a message (docs/adr/0050).
func (m *Message) Inputs() ([]fireline.AlertInput, error) {
	var problems []string
	if m.Version == "" {
		problems = append(problems, "version is required (Alertmanager sends \"4\")")
	}
	if m.Status != "firing" && m.Status != "resolved" {
		problems = append(problems, "status must be firing or resolved")
	}
	if m.Alerts == nil {
		problems = append(problems, "alerts is required")
	}
	out := make([]fireline.AlertInput, 0, len(m.Alerts))
	for i, a := range m.Alerts {
		in, bad := a.input(i)
		problems = append(problems, bad...)
		out = append(out, in)
	}
	if len(problems) > 0 {
		return nil, &ingest.Invalid{Problems: problems}
	}
	return out, nil
}

func (a *Alert) input(i int) (fireline.AlertInput, []string) {
	var problems []string
	in := fireline.AlertInput{
		DedupKey: a.Fingerprint, Summary: a.Annotations["summary"], Labels: a.Labels, Annotations: a.Annotations,
		Severity: a.Labels["severity"], URL: a.GeneratorURL, Source: source(a.Labels),
	}
	switch a.Status {
	case "firing":
		in.Action = fireline.AlertTrigger
	case "resolved":
		in.Action = fireline.AlertResolve
	default:
		problems = append(problems, at(i, "status must be firing or resolved"))
	}
	if len(a.Labels) == 0 {
		problems = append(problems, at(i, "labels are required"))
	}
	if a.StartsAt == nil {
		problems = append(problems, at(i, "startsAt is required"))
	} else {
		in.StartsAt = a.StartsAt
	}
	if in.DedupKey == "" {
		in.DedupKey = fireline.LabelsFingerprint(a.Labels)
	}
	if in.Summary == "" {
		in.Summary = a.Labels["alertname"]
	}
	if in.Summary == "" {
		in.Summary = "Alert " + in.DedupKey
	}
	return in, problems
}

func at(i int, msg string) string {
	return "alerts[" + strconv.Itoa(i) + "]: " + msg
}

func source(labels map[string]string) string {
	for _, k := range []string{"instance", "job"} {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return ""
}
