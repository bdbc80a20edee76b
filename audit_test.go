package fireline

import (
	"strings"
	"testing"
	"time"
)

// TestAuditChain: entries chain as timeline events do; an export verifies
// until an entry is edited, removed from the middle or cut from the end.
func TestAuditChain(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	var head AuditHead
	o := AuditOriginOf(Actor{TokenID: "t1", Role: RoleAdmin, PersonID: "kai"}, "192.0.2.7")
	entries, err := head.Append(o, now, AuditRecord{Action: AuditTokenCreated, Subject: "token:a"},
		AuditRecord{Action: AuditUserRoleChanged, Subject: "user:x@example.com", Data: AuditChange{From: "viewer", To: "admin"}},
		AuditRecord{Action: AuditTokenRevoked, Subject: "token:a"})
	if err != nil || head.Seq != 3 || entries[2].Hash != head.Hash || entries[1].PrevHash != entries[0].Hash || entries[0].Via != "token:t1" {
		t.Fatalf("append: %+v %v", entries, err)
	}
	export := func(es []*AuditEntry, h AuditHead) *AuditExport {
		return &AuditExport{Format: AuditExportFormat, HeadSeq: h.Seq, HeadHash: h.Hash, Entries: es}
	}
	if err := VerifyAuditExport(export(entries, head)); err != nil {
		t.Fatal(err)
	}
	edited := *entries[1]
	edited.Actor = "mallory"
	for _, tt := range []struct {
		name string
		x    *AuditExport
		want string
	}{
		{"edited", export([]*AuditEntry{entries[0], &edited, entries[2]}, head), "entry 2: content does not match its hash (the entry was edited)"},
		{"removed", export([]*AuditEntry{entries[0], entries[2]}, head), "entry 2: sequence number is 3, want 2"},
		{"cut", export(entries[:2], head), "entries were removed"},
	} {
		if err := VerifyAuditExport(tt.x); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestAuditTextCannotForgeLines: typed text loses its control characters
// and length, so an email typed at the login form forges no listing line.
func TestAuditTextCannotForgeLines(t *testing.T) {
	var head AuditHead
	rec, ok := LoginFailureRecord("user:a\n2026 kai login.succeeded"+strings.Repeat("x", 400), AuditLoginFailure{Reason: "wrong\rpassword"}, 0)
	entries, err := head.Append(AuditOrigin{Actor: "anonymous"}, time.Now(), rec)
	if !ok || err != nil || strings.ContainsAny(entries[0].Subject, "\n\r") || strings.Contains(string(entries[0].Data), `\r`) ||
		len([]rune(entries[0].Subject)) != maxAuditText {
		t.Fatalf("%+v %s %v", entries[0], entries[0].Data, err)
	}
}

// TestAuditFilter: bad filters are refused naming each field.
func TestAuditFilter(t *testing.T) {
	since := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	until := since.Add(-time.Hour)
	_, err := AuditFilter{Action: "tokens", Limit: 1001, Since: &since, Until: &until, Actor: "a\x00"}.Validate()
	for _, field := range []string{"action", "limit", "until", "actor"} {
		if err == nil || !strings.Contains(err.Error(), field+": ") {
			t.Errorf("%v: want %s named", err, field)
		}
	}
	if f, err := (AuditFilter{Action: "token"}).Validate(); err != nil || f.Limit != DefaultAuditPage {
		t.Fatalf("a group: %+v %v", f, err)
	}
}
