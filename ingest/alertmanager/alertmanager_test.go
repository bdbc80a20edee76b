package alertmanager_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest/alertmanager"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		file    string
		actions []fireline.AlertAction
		keys    []string
		summary string
	}{
		{"firing.json", []fireline.AlertAction{"trigger", "trigger"}, []string{"1a30ba71cca2921f", "9e0d3a8b1c2f4e5d"}, "Probe failure: https://server.example.org"},
		{"resolved.json", []fireline.AlertAction{"resolve"}, []string{"1a30ba71cca2921f"}, "Probe failure: https://server.example.org"},
		{"v0.25_no_fingerprint.json", []fireline.AlertAction{"trigger"}, []string{fireline.LabelsFingerprint(map[string]string{"alertname": "Watchdog"})}, "Watchdog"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := alertmanager.Decode(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.actions) {
				t.Fatalf("%d alerts, want %d", len(got), len(tt.actions))
			}
			for i, a := range got {
				if a.Action != tt.actions[i] || a.DedupKey != tt.keys[i] || a.StartsAt == nil {
					t.Errorf("alert %d: %+v", i, a)
				}
				if _, err := a.Normalise(); err != nil {
					t.Errorf("alert %d does not normalise: %v", i, err)
				}
			}
			if got[0].Summary != tt.summary {
				t.Errorf("summary %q, want %q", got[0].Summary, tt.summary)
			}
		})
	}
	firing, _ := alertmanager.Decode(mustRead(t, "firing.json"))
	if firing[0].Severity != "critical" || firing[0].Source != "https://server.example.org" || firing[1].Labels["team"] != "database" {
		t.Errorf("fields: %+v", firing)
	}
}

func mustRead(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeInvalid(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{``, "empty"},
		{`[]`, "wrong type"},
		{`{"version":"4","status":"firing"}`, "alerts is required"},
		{`{"status":"firing","alerts":[]}`, "version is required"},
		{`{"version":"4","status":"weird","alerts":[]}`, "status must be"},
		{`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"a":"b"}}]}`, "startsAt is required"},
		{`{"version":"4","status":"firing","alerts":[{"status":"x","labels":{"a":"b"},"startsAt":"2026-01-01T00:00:00Z"}]}`, "alerts[0]: status"},
		{`{"version":"4","status":"firing","alerts":[{"status":"firing","startsAt":"nope","labels":{"a":"b"}}]}`, "not valid JSON"},
		{`{"version":"4"} {}`, "one JSON value"},
	} {
		_, err := alertmanager.Decode([]byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.body, err, tt.want)
		}
	}
}

// TestDecodeBadText: a NUL, which Alertmanager passes on from an exporter,
// decodes and is normalised to U+FFFD, so the alert is kept; invalid UTF-8
// is refused naming the field, never rewritten.
func TestDecodeBadText(t *testing.T) {
	alerts, err := alertmanager.Decode(mustRead(t, "nul_label.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := alerts[0].Normalise()
	if err != nil || a.Labels["identity"] != "ab-abc-dsw1\uFFFD\uFFFD\uFFFD\uFFFD" || a.Summary != "Neighbor ab-abc-dsw1\uFFFD\uFFFD is down" || a.DedupKey != "5c1e0f9a2b3d4e6f" {
		t.Errorf("normalised %+v %v", a, err)
	}
	_, err = alertmanager.Decode(mustRead(t, "invalid_utf8_label.json"))
	var fe *fireline.Error
	if !errors.As(err, &fe) || fe.Code != fireline.EInvalid || fe.Fields[0].Field != "alerts[1].labels.instance" {
		t.Errorf("invalid UTF-8: %v, want EInvalid naming alerts[1].labels.instance", err)
	}
}

// TestDecodeLargeGroup: a message holds as many alerts as Alertmanager
// puts in it (max_alerts: 0 sends a whole group); only the body limit of
// the route bounds it.
func TestDecodeLargeGroup(t *testing.T) {
	t0 := time.Date(2026, 2, 6, 13, 8, 45, 0, time.UTC)
	alerts := make(template.Alerts, 10000)
	for i := range alerts {
		alerts[i] = template.Alert{Status: "firing", StartsAt: t0, Fingerprint: fmt.Sprintf("%016x", i),
			Labels: template.KV{"alertname": "KubePodCrashLooping", "pod": fmt.Sprintf("checkout-%05d", i)}}
	}
	body, err := json.Marshal(webhook.Message{Version: "4", Data: &template.Data{Status: "firing", Alerts: alerts}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := alertmanager.Decode(body)
	if err != nil || len(got) != len(alerts) {
		t.Fatalf("%d alerts, %v; want %d", len(got), err, len(alerts))
	}
}

// FuzzDecode: no input panics, and what decodes is well formed. The seed
// corpus (testdata) runs in every go test.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"firing.json", "resolved.json", "v0.25_no_fingerprint.json", "nul_label.json", "invalid_utf8_label.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{},"startsAt":"2026-01-01T00:00:00Z"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := alertmanager.Decode(body)
		if err != nil {
			return
		}
		for _, a := range alerts {
			if a.DedupKey == "" || (a.Action != fireline.AlertTrigger && a.Action != fireline.AlertResolve) {
				t.Fatalf("decoded a malformed alert %+v", a)
			}
		}
	})
}
