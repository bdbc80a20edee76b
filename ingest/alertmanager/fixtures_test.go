package alertmanager_test

import (
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"
)

var update = flag.Bool("update", false, "rewrite testdata from Alertmanager's types")

// fixtures are webhook bodies built with Alertmanager v0.35's own types,
// so testdata holds exactly what Alertmanager sends. The other files of
// testdata (invalid_*) are made by hand: Alertmanager's encoder cannot
// write them.
func fixtures() map[string]any {
	t0 := time.Date(2026, 2, 6, 13, 8, 45, 828000000, time.UTC)
	probe := template.KV{"alertname": "ProbeFailure", "instance": "https://server.example.org", "job": "http_checks", "severity": "critical"}
	disk := template.KV{"alertname": "DiskFull", "instance": "db-1:9100", "severity": "warning", "team": "database"}
	firing := webhook.Message{Version: "4", GroupKey: `{}/{severity="critical"}:{alertname="ProbeFailure"}`, Data: &template.Data{
		Receiver: "incidents", Status: "firing", NotificationReason: "first notification",
		Alerts: template.Alerts{
			{Status: "firing", Labels: probe, Annotations: template.KV{"summary": "Probe failure: https://server.example.org", "runbook_url": "https://runbooks.example/probe"},
				StartsAt: t0, GeneratorURL: "http://prometheus:9090/graph?g0.expr=probe_success+%3D%3D+0", Fingerprint: "1a30ba71cca2921f"},
			{Status: "firing", Labels: disk, Annotations: template.KV{"description": "Disk 95% full"}, StartsAt: t0.Add(time.Minute),
				GeneratorURL: "http://prometheus:9090/graph", Fingerprint: "9e0d3a8b1c2f4e5d"},
		},
		GroupLabels: template.KV{"alertname": "ProbeFailure"}, CommonLabels: template.KV{"severity": "critical"},
		CommonAnnotations: template.KV{}, RouteLabels: template.KV{"receiver": "incidents"}, ExternalURL: "http://alertmanager.example.org:9093",
	}}
	resolved := webhook.Message{Version: "4", GroupKey: firing.GroupKey, Data: &template.Data{
		Receiver: "incidents", Status: "resolved", NotificationReason: "all alerts resolved",
		Alerts: template.Alerts{{Status: "resolved", Labels: probe, Annotations: template.KV{"summary": "Probe failure: https://server.example.org"},
			StartsAt: t0, EndsAt: t0.Add(10 * time.Minute), GeneratorURL: "http://prometheus:9090/graph", Fingerprint: "1a30ba71cca2921f"}},
		GroupLabels: template.KV{"alertname": "ProbeFailure"}, CommonLabels: probe, CommonAnnotations: template.KV{}, ExternalURL: "http://alertmanager.example.org:9093",
	}}
	// Alertmanager 0.25 (Debian's package) sends no notification_reason and
	// no routeLabels; the same types without them make that shape.
	type oldData struct {
		Receiver          string          `json:"receiver"`
		Status            string          `json:"status"`
		Alerts            template.Alerts `json:"alerts"`
		GroupLabels       template.KV     `json:"groupLabels"`
		CommonLabels      template.KV     `json:"commonLabels"`
		CommonAnnotations template.KV     `json:"commonAnnotations"`
		ExternalURL       string          `json:"externalURL"`
		Version           string          `json:"version"`
		GroupKey          string          `json:"groupKey"`
		TruncatedAlerts   uint64          `json:"truncatedAlerts"`
	}
	old := oldData{Receiver: "web.hook", Status: "firing", Version: "4", GroupKey: `{}:{alertname="Watchdog"}`,
		Alerts:      template.Alerts{{Status: "firing", Labels: template.KV{"alertname": "Watchdog"}, Annotations: template.KV{}, StartsAt: t0}},
		GroupLabels: template.KV{"alertname": "Watchdog"}, CommonLabels: template.KV{"alertname": "Watchdog"}, CommonAnnotations: template.KV{},
		ExternalURL: "http://am:9093"}
	// An exporter that pads a label with NULs (akpw/mktxp#326): Prometheus
	// and Alertmanager pass them on, JSON-escaped.
	padded := template.KV{"alertname": "NeighborDown", "identity": "ab-abc-dsw1\x00\x00\x00\x00", "severity": "warning"}
	nul := webhook.Message{Version: "4", GroupKey: `{}:{alertname="NeighborDown"}`, Data: &template.Data{
		Receiver: "incidents", Status: "firing", NotificationReason: "first notification",
		Alerts: template.Alerts{{Status: "firing", Labels: padded, Annotations: template.KV{"summary": "Neighbor ab-abc-dsw1\x00\x00 is down"},
			StartsAt: t0, GeneratorURL: "http://prometheus:9090/graph", Fingerprint: "5c1e0f9a2b3d4e6f"}},
		GroupLabels: template.KV{"alertname": "NeighborDown"}, CommonLabels: padded, CommonAnnotations: template.KV{}, ExternalURL: "http://alertmanager.example.org:9093",
	}}
	return map[string]any{"firing.json": firing, "resolved.json": resolved, "v0.25_no_fingerprint.json": old, "nul_label.json": nul}
}

// TestFixturesAreAlertmanagers checks testdata against Alertmanager's
// types (go test -update rewrites it).
func TestFixturesAreAlertmanagers(t *testing.T) {
	for name, m := range fixtures() {
		want, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := "testdata/" + name
		if *update {
			if err := os.WriteFile(path, append(want, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want)+"\n" {
			t.Errorf("%s differs from what Alertmanager's types marshal; run go test -update", path)
		}
	}
}
