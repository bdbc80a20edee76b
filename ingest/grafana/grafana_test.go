package grafana_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest/grafana"
)

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	got, err := grafana.Decode(read(t, "firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	a := got[0]
	if len(got) != 1 || a.Action != fireline.AlertTrigger || a.DedupKey != "7a6b2b3c4d5e6f70" || a.Summary != "CPU above 90% on api-1" ||
		a.Severity != "warning" || a.URL != "https://grafana.example/d/node?orgId=1&viewPanel=3" {
		t.Fatalf("firing: %+v", got)
	}
	got, err = grafana.Decode(read(t, "resolved.json"))
	if err != nil || got[0].Action != fireline.AlertResolve {
		t.Fatalf("resolved: %+v %v", got, err)
	}
	if _, err := grafana.Decode([]byte(`{"status":"firing","alerts":[]}`)); err == nil {
		t.Error("a body without a version decoded")
	}
}

// TestDecodeInvalidUTF8: a bad byte is refused naming its field, not
// rewritten as U+FFFD.
func TestDecodeInvalidUTF8(t *testing.T) {
	_, err := grafana.Decode(read(t, "invalid_utf8_summary.json"))
	var fe *fireline.Error
	if !errors.As(err, &fe) || fe.Code != fireline.EInvalid || fe.Fields[0].Field != "alerts[0].annotations.summary" {
		t.Errorf("%v, want EInvalid naming alerts[0].annotations.summary", err)
	}
}

// FuzzDecode: no input panics; decoded alerts have keys and actions.
func FuzzDecode(f *testing.F) {
	f.Add(read(f, "firing.json"), "00")
	f.Add(read(f, "resolved.json"), "abcdef")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		if alerts, err := grafana.Decode(body); err == nil {
			for _, a := range alerts {
				if a.DedupKey == "" || a.Action == "" {
					t.Fatalf("malformed %+v", a)
				}
			}
		}
	})
}
