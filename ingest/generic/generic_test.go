package generic_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest/generic"
)

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	got, err := generic.Decode(read(t, "user_report.json"))
	if err != nil || len(got) != 1 {
		t.Fatalf("%+v %v", got, err)
	}
	if a := got[0]; a.Action != fireline.AlertTrigger || a.DedupKey != "ticket-4711" || a.Severity != "P2" || a.Source != "zendesk" || !strings.Contains(string(a.Details), "tickets") {
		t.Fatalf("user report: %+v", a)
	}
	got, err = generic.Decode(read(t, "security_batch.json"))
	if err != nil || len(got) != 3 {
		t.Fatalf("%+v %v", got, err)
	}
	if got[0].Summary != "Impossible travel for user kai" || got[2].Action != fireline.AlertResolve {
		t.Fatalf("batch: %+v", got)
	}
	for _, tt := range []struct{ body, want string }{
		{`{}`, "summary is required"},
		{`[]`, "no alerts"},
		{`{"summary":"x","status":"exploded"}`, "status must be"},
		{`{"status":"resolved"}`, "dedup_key is required"},
		{`"text"`, "wrong type"},
	} {
		if _, err := generic.Decode([]byte(tt.body)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.body, err, tt.want)
		}
	}
}

// TestDecodeBadText: invalid UTF-8 is refused naming the field; a NUL
// decodes, and normalising refuses it in a dedup key.
func TestDecodeBadText(t *testing.T) {
	_, err := generic.Decode(read(t, "invalid_utf8_batch.json"))
	var fe *fireline.Error
	if !errors.As(err, &fe) || fe.Code != fireline.EInvalid || fe.Fields[0].Field != "[1].summary" {
		t.Errorf("invalid UTF-8: %v, want EInvalid naming [1].summary", err)
	}
	got, err := generic.Decode(read(t, "nul_dedup_key.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := got[1].Normalise(); fireline.ErrorCode(err) != fireline.EInvalid || !strings.Contains(err.Error(), "dedup_key: must not contain NUL") {
		t.Errorf("NUL in the dedup key: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(read(f, "user_report.json"))
	f.Add(read(f, "security_batch.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := generic.Decode(body)
		if err != nil {
			return
		}
		for _, a := range alerts {
			if a.Action == "" || (a.Action == fireline.AlertTrigger && a.Summary == "") || (a.Action != fireline.AlertTrigger && a.DedupKey == "") {
				t.Fatalf("malformed %+v", a)
			}
		}
	})
}
