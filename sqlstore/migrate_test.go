package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := firelinetest.NewClock(start)
		db := openDB(t, dsn, clock, sqlstore.Options{Planner: noWork})
		wantCode(t, db.Ready(ctx), fireline.EUnavailable)
		writerTempStore(t, db, "when opened")
		for range 2 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: "postgres", false: "sqlite"}[strings.HasPrefix(dsn, "postgres")]; db.Dialect() != want {
			t.Fatalf("dialect %q, want %q", db.Dialect(), want)
		}
		if db.Dialect() == "sqlite" {
			var mode string
			if err := raw(t, dsn).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
				t.Fatalf("journal mode %q %v, want wal", mode, err)
			}
			writerTempStore(t, db, "after migrating")
		}
		if _, err := raw(t, dsn).Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (999, TRUE)"); err != nil {
			t.Fatal(err)
		}
		// The binary's own version grows with every migration; 999 stays newer.
		const newer = "database schema version 999 is newer than this binary ("
		if err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), newer) {
			t.Fatalf("migrate on a newer schema: %v", err)
		}
		wantCode(t, db.Ready(ctx), fireline.EUnavailable)
		_, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Logger: quiet})
		if err == nil || !strings.Contains(err.Error(), newer) {
			t.Fatalf("open on a newer schema: %v", err)
		}
	})
}

// writerTempStore checks that the SQLite writer keeps temporary files,
// intake's statement journals among them, in memory (migrations sort in
// files while they run).
func writerTempStore(t *testing.T, db *sqlstore.DB, when string) {
	t.Helper()
	if db.Dialect() != "sqlite" {
		return
	}
	if v, err := db.WriterPragma("temp_store"); err != nil || v != "2" {
		t.Fatalf("writer's temp_store %q %v %s, want 2 (memory)", v, err, when)
	}
}

func TestEventsAreAppendOnly(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.declare(t, alex, fireline.DeclareInput{})
		db := raw(t, dsn)
		for _, stmt := range []string{
			"UPDATE events SET actor = 'mallory' WHERE incident_number = 1",
			"DELETE FROM events WHERE incident_number = 1",
		} {
			_, err := db.Exec(stmt)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		events, err := e.incidents.Timeline(as(alex), "INC-1")
		if err != nil || len(events) != 1 || events[0].Actor != "alex" {
			t.Fatalf("timeline after tampering: %v %v", events, err)
		}
	})
}

// TestEventsRefuseOverwrite (issue 21, item 8): an insert that would
// replace an event (SQLite's INSERT OR REPLACE and REPLACE, which delete
// the old row without its DELETE trigger, and an upsert on either
// database) is refused like an UPDATE.
func TestEventsRefuseOverwrite(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.declare(t, alex, fireline.DeclareInput{})
		db := raw(t, dsn)
		columns := "incident_number, seq, at, actor, type, data, prev_hash, hash"
		forged := " SELECT incident_number, seq, at, 'mallory', type, data, prev_hash, hash FROM events WHERE incident_number = 1 AND seq = 1"
		stmts := []string{"INSERT INTO events (" + columns + ")" + forged +
			" ON CONFLICT (incident_number, seq) DO UPDATE SET actor = excluded.actor"}
		if !strings.HasPrefix(dsn, "postgres") {
			stmts = append(stmts, "INSERT OR REPLACE INTO events ("+columns+")"+forged, "REPLACE INTO events ("+columns+")"+forged)
		}
		for _, stmt := range stmts {
			_, err := db.Exec(stmt)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", stmt, err)
			}
		}
		events, err := e.incidents.Timeline(as(alex), "INC-1")
		if err != nil || len(events) != 1 || events[0].Actor != "alex" {
			t.Fatalf("timeline after tampering: %+v %v", events[0], err)
		}
	})
}

func TestUnreachablePostgres(t *testing.T) {
	t.Parallel()
	_, err := sqlstore.Open(context.Background(), "postgres://fireline@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", sqlstore.Options{Logger: quiet})
	wantCode(t, err, fireline.EUnavailable)
}

// TestIncidentIndexesAreKnown: every column an index or a trigger on
// incidents reads (besides the number, which no update changes), in its
// key, its WHERE or its body, is one intake's lighter incident update
// knows to leave out only when unchanged (docs/adr/0041, 0054); a new
// index on another column would otherwise be left stale by it, a trigger
// not run.
func TestIncidentIndexesAreKnown(t *testing.T) {
	t.Parallel()
	dsn := firelinetest.SQLiteDSN(t)
	db := openDB(t, dsn, firelinetest.NewClock(start), sqlstore.Options{Planner: noWork})
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	sqldb := raw(t, dsn)
	var columns []string
	rows, err := sqldb.Query("SELECT name FROM pragma_table_info('incidents')")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		columns = append(columns, c)
	}
	rows.Close()
	rows, err = sqldb.Query(`SELECT type, name, sql FROM sqlite_master
		WHERE type IN ('index', 'trigger') AND tbl_name = 'incidents' AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var kind, name, text string
		if err := rows.Scan(&kind, &name, &text); err != nil {
			t.Fatal(err)
		}
		words := strings.FieldsFunc(text, func(r rune) bool { return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) })
		for _, c := range columns {
			if c == "number" || !slices.Contains(words, c) {
				continue
			}
			if !slices.Contains(sqlstore.IncidentColumns, c) {
				continue // neither update sets it: mitigated_at and human_at are set once, on their own (00019)
			}
			seen++
			if !slices.Contains(sqlstore.IncidentIndexed, c) {
				t.Errorf("%s %s reads incidents.%s, which the lighter incident update does not know", kind, name, c)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("no indexed columns found on incidents")
	}
}

// TestAlertRefsAfterUpgrade: a database written before integration refs
// (docs/adr/0042) keeps deduplicating after the upgrade: every alert
// carries its integration's ref, an open alert's repeat is counted on it,
// the same key stays free to another integration, and integrations made
// afterwards get refs of their own.
func TestAlertRefsAfterUpgrade(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openDB(t, dsn, firelinetest.NewClock(start), sqlstore.Options{Planner: noWork})
		if err := db.MigrateTo(ctx, 6); err != nil {
			t.Fatal(err)
		}
		sqldb := raw(t, dsn)
		keys := map[string]string{"int-a": strings.Repeat("a", 32), "int-b": strings.Repeat("b", 32)}
		for _, id := range []string{"int-a", "int-b"} {
			if _, err := sqldb.Exec(`INSERT INTO integrations (id, name, type, service, source, key_hash, signature_header,
				timestamp_header, signing_secret, heartbeat_interval, created_by, created_at)
				VALUES ('` + id + `', '` + id + `', 'generic', 'api-gateway', '', '` + fireline.HashToken(keys[id]) + `', '', '', '', 0, 'admin', 0)`); err != nil {
				t.Fatal(err)
			}
			for _, alert := range []struct{ key, resolved string }{{"k1", "NULL"}, {"k1", "5"}, {id + "-only", "NULL"}} {
				if _, err := sqldb.Exec(`INSERT INTO alerts (integration_id, service, dedup_key, status, summary, source, severity,
					labels, annotations, url, details, restricted, suppressed, count, first_seen_at, last_seen_at, resolved_at)
					VALUES ('` + id + `', 'api-gateway', '` + alert.key + `', 'firing', 's', '', 'P3', '{}', '{}', '', '', FALSE, FALSE, 1, 0, 0, ` + alert.resolved + `)`); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var mismatched, alerts int
		if err := sqldb.QueryRow(`SELECT COUNT(*), SUM(CASE WHEN a.integration_ref = i.ref THEN 0 ELSE 1 END)
			FROM alerts a JOIN integrations i ON i.id = a.integration_id`).Scan(&alerts, &mismatched); err != nil || alerts != 6 || mismatched != 0 {
			t.Fatalf("after the upgrade: %d alerts, %d without their integration's ref (%v)", alerts, mismatched, err)
		}
		refA, refB := integrationRef(t, dsn, "int-a"), integrationRef(t, dsn, "int-b")
		if refA == refB {
			t.Fatalf("both integrations have ref %d", refA)
		}
		intake := sqlstore.NewIntakeService(db, policy.Default(), sqlstore.IntakeOptions{})
		t.Cleanup(func() { intake.Close() })
		integA, err := intake.IntegrationByKey(noContext, keys["int-a"])
		if err != nil {
			t.Fatal(err)
		}
		res, err := intake.Ingest(noContext, integA, []fireline.AlertInput{trigger("k1"), trigger("int-b-only")})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Outcome != fireline.OutcomeDeduplicated || res[1].Outcome != fireline.OutcomeCreated {
			t.Fatalf("after the upgrade: %+v, want k1 deduplicated and int-b-only created (it is int-b's key)", res)
		}
		created, err := sqlstore.NewIntegrationService(db, policy.Default()).CreateIntegration(as(admin),
			fireline.IntegrationInput{Type: fireline.IntegrationGeneric, Service: "api-gateway"})
		if err != nil {
			t.Fatal(err)
		}
		if ref := integrationRef(t, dsn, created.Integration.ID); ref == refA || ref == refB {
			t.Fatalf("a new integration took ref %d of an older one", ref)
		}
	})
}
