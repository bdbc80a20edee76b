package grafana_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

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

func TestVerify(t *testing.T) {
	body := read(t, "firing.json")
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Unix(), 10)
	tests := []struct {
		name    string
		sig, ts string
		body    []byte
		want    bool
	}{
		{"body only", grafana.Sign("s3cret", body, ""), "", body, true},
		{"with timestamp", grafana.Sign("s3cret", body, ts), ts, body, true},
		{"wrong secret", grafana.Sign("other", body, ""), "", body, false},
		{"flipped byte", grafana.Sign("s3cret", body, ""), "", append([]byte{'x'}, body[1:]...), false},
		{"stale timestamp", grafana.Sign("s3cret", body, "1000"), "1000", body, false},
		{"not hex", "zz", "", body, false},
		{"empty", "", "", body, false},
	}
	for _, tt := range tests {
		if got := grafana.Verify("s3cret", tt.body, tt.sig, tt.ts, now); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// FuzzDecode: no input panics; decoded alerts have keys and actions; and
// random signatures never verify.
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
		if grafana.Verify("secret", body, sig, "", time.Now()) && sig != grafana.Sign("secret", body, "") {
			t.Fatalf("a foreign signature verified")
		}
	})
}
