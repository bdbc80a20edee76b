// Package alertmanager decodes Prometheus Alertmanager's webhook payload
// (version 4, as sent by Alertmanager 0.25 to 0.35 and, since unknown
// fields are ignored, later ones) into Fireline alerts. It is pure: bytes
// in, alerts out.
//
// It imports the fireline domain, ingest and the standard library.
package alertmanager

import (
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

// Inputs checks the message and converts its alerts (ingest.Group).
func (m *Message) Inputs() ([]fireline.AlertInput, error) {
	g := ingest.Group{Sender: "Alertmanager", Version: m.Version, WantVersion: "4", Status: m.Status,
		HasAlerts: m.Alerts != nil, Alerts: make([]ingest.LabelledAlert, len(m.Alerts))}
	for i, a := range m.Alerts {
		g.Alerts[i] = ingest.LabelledAlert{Status: a.Status, Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: a.StartsAt, RequireStart: true, Fingerprint: a.Fingerprint, URL: a.GeneratorURL,
			Source: ingest.FirstNonBlank(a.Labels["instance"], a.Labels["job"]), KeyPrefix: "Alert "}
	}
	return g.Inputs()
}
