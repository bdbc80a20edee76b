package sqlstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fireline-dev/fireline"
)

// Readiness follows the database's writes (docs/adr/0053): a failure that
// says the storage is broken (disk full, I/O error, read-only or corrupt
// file) makes the store not ready until a write transaction that began
// after it commits. Reads, which a full disk leaves working, prove nothing.
// With no traffic no write would come, and a server taken out of its load
// balancer would stay out; so while failing, Ready commits a one-row write
// of its own, at most every writeProbeEvery, never while healthy.

// writeProbeEvery is how long a storage failure stands before Ready tries
// a write of its own, and how often it tries again.
const writeProbeEvery = 10 * time.Second

// writeHealth is the last storage failure, until a write commits after it.
type writeHealth struct {
	mu       sync.Mutex
	failures uint64 // storage failures so far
	kind     string // what the last one says of the storage; "" when healthy
	at       time.Time
	probedAt time.Time // the last write Ready tried while failing
}

// storageFailure names what err says of the storage ("the disk is
// full"), or "" when it says nothing about it.
func storageFailure(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "53100":
			return "the disk is full"
		case "58030":
			return "an I/O error"
		case "25006":
			return "the database is read-only"
		case "XX001", "XX002":
			return "the database is corrupt"
		}
		return ""
	}
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return "the disk is full"
	case sqlite3.SQLITE_IOERR:
		return "an I/O error"
	case sqlite3.SQLITE_READONLY:
		return "the database file is read-only"
	case sqlite3.SQLITE_CANTOPEN:
		return "a database file cannot be opened"
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return "the database file is corrupt"
	}
	return ""
}

// noteFailure records err if it is a storage failure.
func (db *DB) noteFailure(op string, err error) {
	kind := storageFailure(err)
	if kind == "" {
		return
	}
	w := &db.writes
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.kind == "" {
		db.logger.Error("database writes failing: not ready until one succeeds", "op", op, "storage", kind, "err", err.Error())
	}
	w.failures++
	w.kind, w.at = kind, db.now()
}

// writeBegins returns the failures so far, for writeCommitted.
func (db *DB) writeBegins() uint64 {
	db.writes.mu.Lock()
	defer db.writes.mu.Unlock()
	return db.writes.failures
}

// writeCommitted clears the failure when no storage failure came since
// the transaction began (failures, from writeBegins): its commit shows
// that writes go through again.
func (db *DB) writeCommitted(failures uint64) {
	w := &db.writes
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.kind == "" || w.failures != failures {
		return
	}
	db.logger.Info("database writes succeed again", "storage", w.kind, "since", w.at)
	w.kind, w.probedAt = "", time.Time{}
}

// checkWrites is Ready's part about writes: nil when healthy; otherwise,
// when the last failure or try is writeProbeEvery old, it commits a write
// of its own, and answers EUnavailable unless that went through.
func (db *DB) checkWrites(ctx context.Context) error {
	w := &db.writes
	w.mu.Lock()
	if w.kind == "" {
		w.mu.Unlock()
		return nil
	}
	now := db.now()
	probe := now.Sub(w.at) >= writeProbeEvery && now.Sub(w.probedAt) >= writeProbeEvery
	if probe {
		w.probedAt = now
	}
	w.mu.Unlock()
	if probe {
		err := db.commitWrite(ctx, "readiness probe", func(tx *Tx) error {
			_, err := tx.exec(ctx, "UPDATE readiness_probe SET written_at = ? WHERE id = 1", micros(tx.now))
			return err
		})
		if err != nil {
			db.logger.Warn("readiness probe: the database still refuses writes", "err", err.Error())
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.kind == "" {
		return nil
	}
	return fireline.Errorf(fireline.EUnavailable,
		"writes to the database are failing (%s) since %s: free space on, or fix, the database's storage; the server is ready again once a write succeeds (it tries one every %s)",
		w.kind, w.at.UTC().Format(time.RFC3339), writeProbeEvery)
}
