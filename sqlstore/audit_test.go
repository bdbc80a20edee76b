package sqlstore_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestAuditLogChainsConcurrentActs: acts committed at once, on PostgreSQL
// from several connections, each get one entry, numbered without gaps
// and chained; the export verifies.
func TestAuditLogChainsConcurrentActs(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, _, err := e.tokens.CreateToken(as(admin), fireline.TokenInput{Role: fireline.RoleViewer, PersonID: "alex"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		audit := sqlstore.NewAuditService(e.db)
		x, err := audit.ExportAudit(as(admin))
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Entries) != 8 || x.HeadSeq != 8 {
			t.Fatalf("%d entries, head %d; want 8", len(x.Entries), x.HeadSeq)
		}
		if err := fireline.VerifyAuditExport(x); err != nil {
			t.Fatal(err)
		}
		for _, en := range x.Entries {
			if en.Action != fireline.AuditTokenCreated || en.Actor != "kai" || en.Via != "token:t-admin" || strings.Contains(string(en.Data), "fl_") {
				t.Fatalf("entry %+v", en)
			}
		}
		if _, err := audit.ListAudit(as(blake), fireline.AuditFilter{}); fireline.ErrorCode(err) != fireline.EForbidden {
			t.Fatalf("a viewer lists the audit log: %v", err)
		}
	})
}

// TestAuditLogIsAppendOnly: the database refuses to update, delete or
// overwrite an entry, whoever asks.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		if _, _, err := e.tokens.CreateToken(as(admin), fireline.TokenInput{Role: fireline.RoleViewer, PersonID: "alex"}); err != nil {
			t.Fatal(err)
		}
		columns := "seq, at, actor, via, address, action, subject, data, prev_hash, hash"
		forged := " SELECT seq, at, 'mallory', via, address, action, subject, data, prev_hash, hash FROM audit_log WHERE seq = 1"
		stmts := []string{
			"UPDATE audit_log SET actor = 'mallory' WHERE seq = 1",
			"DELETE FROM audit_log WHERE seq = 1",
			"INSERT INTO audit_log (" + columns + ")" + forged + " ON CONFLICT (seq) DO UPDATE SET actor = excluded.actor",
		}
		if strings.HasPrefix(dsn, "postgres") {
			stmts = append(stmts, "TRUNCATE audit_log")
		} else {
			stmts = append(stmts, "INSERT OR REPLACE INTO audit_log ("+columns+")"+forged, "REPLACE INTO audit_log ("+columns+")"+forged)
		}
		db := raw(t, dsn)
		for _, stmt := range stmts {
			if _, err := db.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", stmt, err)
			}
		}
		x, err := sqlstore.NewAuditService(e.db).ExportAudit(as(admin))
		if err != nil || len(x.Entries) != 1 || x.Entries[0].Actor != "kai" {
			t.Fatalf("after tampering: %+v %v", x, err)
		}
	})
}

// TestAuditedLoginFailuresAreBounded: failed logins from anywhere fill at
// most fireline.MaxLoginFailuresAudited entries an hour, the last of them
// saying so; the next hour records again.
func TestAuditedLoginFailuresAreBounded(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		max := fireline.MaxLoginFailuresAudited
		if n, err := e.db.AuditLoginFailures(noContext, max+50, "mallory@example.com"); err != nil || n != max {
			t.Fatalf("recorded %d of %d failures (%v), want %d", n, max+50, err, max)
		}
		audit := sqlstore.NewAuditService(e.db)
		page, err := audit.ListAudit(as(admin), fireline.AuditFilter{Action: "login.failed", Limit: 2})
		if err != nil || len(page.Entries) != 2 || !strings.Contains(string(page.Entries[0].Data), `"limit_reached":true`) ||
			strings.Contains(string(page.Entries[1].Data), "limit_reached") || page.Entries[0].Actor != "anonymous" {
			t.Fatalf("the newest failures: %+v %v", page, err)
		}
		e.clock.Advance(time.Hour)
		if n, err := e.db.AuditLoginFailures(noContext, 1, "mallory@example.com"); err != nil || n != 1 {
			t.Fatalf("the next hour: recorded %d (%v), want 1", n, err)
		}
	})
}
