package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/sqlstore"
)

func TestMigrate(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := firelinetest.NewClock(start)
		db := openDB(t, dsn, clock)
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

func TestUnreachablePostgres(t *testing.T) {
	_, err := sqlstore.Open(context.Background(), "postgres://fireline@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", sqlstore.Options{Logger: quiet})
	wantCode(t, err, fireline.EUnavailable)
}

// TestIncidentIndexesAreKnown: every column an index on incidents holds
// (besides the number, which no update changes) is one intake's lighter
// incident update knows to leave out only when unchanged (docs/adr/0041);
// a new index on another column would otherwise be left stale by it.
func TestIncidentIndexesAreKnown(t *testing.T) {
	dsn := firelinetest.SQLiteDSN(t)
	db := openDB(t, dsn, firelinetest.NewClock(start))
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := raw(t, dsn).Query(`SELECT i.name, c.name FROM sqlite_master i, pragma_index_info(i.name) c
		WHERE i.type = 'index' AND i.tbl_name = 'incidents'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var index, column string
		if err := rows.Scan(&index, &column); err != nil {
			t.Fatal(err)
		}
		seen++
		if column != "number" && !slices.Contains(sqlstore.IncidentIndexed, column) {
			t.Errorf("index %s holds incidents.%s, which the lighter incident update does not know", index, column)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("no indexed columns found on incidents")
	}
}
