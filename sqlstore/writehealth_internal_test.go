package sqlstore

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestStorageFailure: what a failure says of the storage, on each
// database; other failures (a constraint, a lost connection) say nothing,
// and leave readiness alone.
func TestStorageFailure(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{"CREATE TABLE t (b BLOB)", "PRAGMA max_page_count = 1"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	_, full := db.Exec("INSERT INTO t VALUES (zeroblob(65536))")
	_, constraint := db.Exec("INSERT INTO nope VALUES (1)")
	for _, tt := range []struct {
		err  error
		want string
	}{
		{full, "the disk is full"},
		{constraint, ""},
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "53100"}), "the disk is full"},
		{&pgconn.PgError{Code: "58030"}, "an I/O error"},
		{&pgconn.PgError{Code: "25006"}, "the database is read-only"},
		{&pgconn.PgError{Code: "XX001"}, "the database is corrupt"},
		{&pgconn.PgError{Code: "23505"}, ""},
		{&pgconn.PgError{Code: "57P01"}, ""},
	} {
		if got := storageFailure(tt.err); got != tt.want || tt.err == nil {
			t.Errorf("storageFailure(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if full == nil || !strings.Contains(full.Error(), "full") {
		t.Fatalf("max_page_count did not fill the database: %v", full)
	}
}
