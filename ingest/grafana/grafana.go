// Package grafana decodes Grafana-managed alerting's webhook (version 1,
// sent by POST or PUT) into Fireline alerts. It is pure: bytes in, alerts
// out. Its optional HMAC-SHA256 signature, which any integration may
// require, is checked by ingest.CheckSignature.
//
// It imports the fireline domain, ingest and the standard library.
package grafana

import (
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
// alert of the group is taken (ingest.Group). An *ingest.Invalid lists
// what is wrong.
func Decode(body []byte) ([]fireline.AlertInput, error) {
	var m Message
	if err := ingest.DecodeJSON(body, &m); err != nil {
		return nil, err
	}
	g := ingest.Group{Sender: "Grafana", Version: m.Version, WantVersion: "1", Status: m.Status,
		HasAlerts: m.Alerts != nil, Alerts: make([]ingest.LabelledAlert, len(m.Alerts))}
	for i, a := range m.Alerts {
		g.Alerts[i] = ingest.LabelledAlert{Status: a.Status, Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: a.StartsAt, Fingerprint: a.Fingerprint, URL: ingest.FirstNonBlank(a.PanelURL, a.DashboardURL, a.GeneratorURL),
			Source:         ingest.FirstNonBlank(a.Labels["instance"], a.Labels["grafana_folder"], m.Receiver),
			SummaryDefault: []string{m.Title}, KeyPrefix: "Grafana alert "}
	}
	return g.Inputs()
}
