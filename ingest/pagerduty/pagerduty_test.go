package pagerduty_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
	"github.com/fireline-dev/fireline/ingest/pagerduty"
)

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	key, a, err := pagerduty.Decode(read(t, "trigger.json"))
	if err != nil {
		t.Fatal(err)
	}
	if key != "e93facc04764012d7bfb002500d5d1a6" || a.Action != fireline.AlertTrigger || a.DedupKey != "srv01/HTTP" ||
		a.Severity != "critical" || a.Labels["component"] != "nginx" || a.URL != "https://grafana.example/d/abc" ||
		a.StartsAt == nil || a.StartsAt.Format("15:04:05.000Z07:00") != "08:42:58.315Z" || !strings.Contains(string(a.Details), "1500ms") {
		t.Fatalf("trigger: %+v", a)
	}
	for file, action := range map[string]fireline.AlertAction{"acknowledge.json": "acknowledge", "resolve.json": "resolve"} {
		if _, a, err := pagerduty.Decode(read(t, file)); err != nil || a.Action != action || a.DedupKey != "srv01/HTTP" {
			t.Errorf("%s: %+v %v", file, a, err)
		}
	}
	if _, a, err := pagerduty.Decode(read(t, "trigger_no_dedup_key.json")); err != nil || a.DedupKey != "" {
		t.Errorf("no dedup key: %+v %v", a, err)
	}
	_, c, err := pagerduty.DecodeChange(read(t, "change.json"))
	if err != nil || !strings.HasPrefix(c.Summary, "Build Success") || len(c.Links) != 1 || c.Timestamp == nil {
		t.Errorf("change: %+v %v", c, err)
	}
}

// TestDecodeBadText: invalid UTF-8 is refused naming the field, in
// alert and change events; a NUL decodes, and normalising keeps the alert
// with U+FFFD in its summary but refuses it in the dedup key.
func TestDecodeBadText(t *testing.T) {
	for _, tt := range []struct {
		file, field string
		change      bool
	}{{"invalid_utf8_dedup_key.json", "dedup_key", false}, {"change_invalid_utf8.json", "links[0].text", true}} {
		var err error
		if tt.change {
			_, _, err = pagerduty.DecodeChange(read(t, tt.file))
		} else {
			_, _, err = pagerduty.Decode(read(t, tt.file))
		}
		var fe *fireline.Error
		if !errors.As(err, &fe) || fe.Code != fireline.EInvalid || fe.Fields[0].Field != tt.field {
			t.Errorf("%s: %v, want EInvalid naming %s", tt.file, err, tt.field)
		}
	}
	_, a, err := pagerduty.Decode(read(t, "nul_summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := a.Normalise(); err != nil || a.Summary != "DOWN: srv01\uFFFD HTTP" {
		t.Errorf("NUL in the summary: %+v %v", a, err)
	}
	_, a, err = pagerduty.Decode(read(t, "nul_dedup_key.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Normalise(); fireline.ErrorCode(err) != fireline.EInvalid || !strings.Contains(err.Error(), "dedup_key: must not contain NUL") {
		t.Errorf("NUL in the dedup key: %v", err)
	}
}

func TestDecodeInvalid(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{string(read(t, "invalid.json")), "'payload.source' is missing"},
		{string(read(t, "invalid.json")), "'payload.severity' is invalid"},
		{`{"routing_key":"k","event_action":"explode"}`, "'event_action' is invalid"},
		{`{"event_action":"trigger"}`, "'routing_key' is missing"},
		{`{"routing_key":"k","event_action":"resolve"}`, "'dedup_key' is missing"},
		{`{"routing_key":"k","event_action":"resolve","dedup_key":"` + strings.Repeat("x", 256) + `"}`, "too long"},
		{`{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"s","severity":"info","timestamp":"yesterday"}}`, "timestamp"},
	} {
		_, _, err := pagerduty.Decode([]byte(tt.body))
		var inv *ingest.Invalid
		if err == nil || !strings.Contains(err.Error(), tt.want) || !asInvalid(err, &inv) {
			t.Errorf("%.60s: error %v, want %q", tt.body, err, tt.want)
		}
	}
	if _, _, err := pagerduty.DecodeChange([]byte(`{"routing_key":"k","payload":{}}`)); err == nil {
		t.Error("a change without a summary decoded")
	}
}

func asInvalid(err error, inv **ingest.Invalid) bool {
	v, ok := err.(*ingest.Invalid)
	*inv = v
	return ok
}

// FuzzDecode: no input panics; an accepted event always has a routing
// key and an action, and a follow-up always has its dedup key.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"trigger.json", "acknowledge.json", "resolve.json", "trigger_no_dedup_key.json", "invalid.json", "change.json"} {
		f.Add(read(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		key, a, err := pagerduty.Decode(body)
		if err == nil && (key == "" || a.Action == "" || (a.Action != fireline.AlertTrigger && a.DedupKey == "")) {
			t.Fatalf("accepted a malformed event: %q %+v", key, a)
		}
		if key, c, err := pagerduty.DecodeChange(body); err == nil && (key == "" || c.Summary == "") {
			t.Fatalf("accepted a malformed change: %+v", c)
		}
	})
}
