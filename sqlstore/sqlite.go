package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite connection settings. The writer holds the database's only write
// path; WAL lets readers run beside it, and synchronous=FULL makes each
// commit durable across power loss. The writer keeps its temporary files
// in memory: intake's multi-row inserts keep a statement journal (to undo
// a failed statement alone), which would otherwise spill to a temporary
// file past 64 KB, a few write syscalls per group commit
// (docs/adr/0040). Migrations, whose index builds may sort a large
// table, switch back to files (Migrate). The writer's page cache holds
// 32 MB, the pages a full group commit of hashed alert keys dirties (up
// to one dedup index leaf per new alert, defaultMaxBatch of them): in
// SQLite's default 2 MB they spill to the WAL mid-transaction and are
// written again at the commit (docs/adr/0044). SQLite checkpoints inside
// a commit only past walCheckpointFrames; the writer checkpoints earlier
// itself, unless a storm is queued (checkpoint.go).
const (
	sqliteCommon = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	sqliteWriter = sqliteCommon + "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)&_pragma=wal_autocheckpoint(8000)&_txlock=immediate"
	sqliteReader = sqliteCommon + "&_pragma=query_only(1)"
)

// sqliteLower is a LOWER that folds every letter, not only ASCII ones
// (SQLite's own LOWER leaves "Ö" alone): search compares with it.
const sqliteLower = "fireline_lower"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(sqliteLower, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		default:
			return v, nil // NULL and numbers stay as they are
		}
	})
}

func (db *DB) openSQLite(ctx context.Context, path string) error {
	db.dialect = DialectSQLite
	var err error
	if db.write, err = sql.Open("sqlite", sqliteDSN(path, sqliteWriter)); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	// The writer connects first: it creates the file and switches it to WAL.
	if err := db.write.PingContext(ctx); err != nil {
		return db.dbError("open", err)
	}
	if db.read, err = sql.Open("sqlite", sqliteDSN(path, sqliteReader)); err != nil {
		return err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	if err := db.read.PingContext(ctx); err != nil {
		return db.dbError("open", err)
	}
	return nil
}

// sqliteDSN adds the driver parameters to a file path or "file:" URI.
func sqliteDSN(path, params string) string {
	if strings.HasPrefix(path, "file:") && strings.Contains(path, "?") {
		return path + "&" + params
	}
	return path + "?" + params
}

// sqliteUnavailable reports whether err means the database cannot serve
// now (locked, out of space, unreadable) rather than a bug.
func sqliteUnavailable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_READONLY:
		return true
	}
	return false
}
