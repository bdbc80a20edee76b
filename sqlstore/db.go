package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fireline-dev/fireline"
)

// Dialect names.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Options tune a DB. The zero value is ready to use.
type Options struct {
	// Now returns the current instant; time.Now when nil. The store reads
	// it once per transaction and truncates it to the microsecond.
	Now func() time.Time
	// Logger receives database failures that are answered as EUnavailable;
	// slog.Default() when nil.
	Logger *slog.Logger
	// Runner is this process's job runner (a jobs.Handoff): it starts the
	// jobs a commit makes due at once and is woken by commits that enqueue
	// (jobs.go). Without one, jobs wait for a runner's poll.
	Runner LocalRunner
	// Publisher is told of every committed change to an incident's
	// timeline, by any writer, shortly after the commit (publish.go).
	Publisher fireline.EventPublisher
	// Planner replaces the policy's PlanWork (tests).
	Planner Planner
	// MaxClockSkew, on PostgreSQL, is how far this replica's clock may
	// differ from the database's before CheckClock refuses, Ready fails
	// and the job runner stops claiming (clock.go); 0 turns it off (a
	// manual clock in tests).
	MaxClockSkew time.Duration
}

// DB is an open Fireline database.
type DB struct {
	dialect string
	// write runs every write transaction: on SQLite it is the single writer
	// connection; on PostgreSQL it is the one pool.
	write *sql.DB
	// read runs read-only transactions: a query-only pool on SQLite, the
	// same pool as write on PostgreSQL.
	read    *sql.DB
	now     func() time.Time
	logger  *slog.Logger
	planner Planner     // jobs.go
	local   LocalRunner // jobs.go
	// stmts holds the statements prepared once for hot paths (stmt.go);
	// keys caches integrations by key hash (integration.go).
	stmts stmtCache
	keys  keyCache
	// refs maps integration ids to their refs (integration.go), which
	// never change once given.
	refs sync.Map
	// changes publishes committed incident changes (publish.go); pgDSN
	// and changesChannel are its PostgreSQL listener's.
	changes        *relay
	pgDSN          string
	changesChannel string
	jobsChannel    string // the jobs NOTIFY channel of this schema (jobs.go)
	// intake is the batcher of the intake service over this database, if
	// any: alert reads wait for the repeats it answered to be counted.
	intake atomic.Pointer[batcher]
	// framesAtCheckpoint is the SQLite writer's count of pages written
	// at its last checkpoint (checkpoint.go).
	framesAtCheckpoint atomic.Int64
	// clock is the last measurement of this replica's clock against the
	// database's (clock.go).
	clock clockGuard
	// writes is the last storage failure, until a write commits after it
	// (writehealth.go).
	writes writeHealth
}

// Open opens the database named by dsn: a "postgres://" or "postgresql://"
// URL for PostgreSQL, anything else a SQLite file path (optionally in the
// "file:" URI form). It does not migrate; it refuses a database whose
// schema is newer than this binary. EUnavailable when the database cannot
// be reached.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db := &DB{now: opts.Now, logger: opts.Logger, planner: opts.Planner, local: opts.Runner, clock: clockGuard{max: opts.MaxClockSkew}}
	if db.now == nil {
		db.now = time.Now
	}
	if db.logger == nil {
		db.logger = slog.Default()
	}
	var err error
	if isPostgres(dsn) {
		err = db.openPostgres(ctx, dsn)
	} else {
		err = db.openSQLite(ctx, dsn)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := db.checkNotNewer(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.startRelay(opts.Publisher) // publish.go
	return db, nil
}

func isPostgres(dsn string) bool {
	d := strings.ToLower(dsn)
	return strings.HasPrefix(d, "postgres://") || strings.HasPrefix(d, "postgresql://")
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Close closes the database's connections.
func (db *DB) Close() error {
	db.closeRelay() // publish.go
	var errs []error
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Tx is one transaction of a use case, with its frozen instant.
type Tx struct {
	// tx runs the statements: a *sql.Tx, or intake's pipelined connection
	// on PostgreSQL (intake_postgres_pipe.go).
	tx  txConn
	db  *DB
	now time.Time
	// wakeAt is the earliest run_at this transaction enqueued (jobs.go);
	// notifyJobs says it enqueued some: on PostgreSQL, notifyTouched
	// sends the jobs NOTIFY with the others, in one statement.
	wakeAt     time.Time
	notifyJobs bool
	// claimed are the jobs due now this transaction created already
	// claimed for the local runner, started after the commit (jobs.go).
	claimed claimedJobs
	// touched are the incidents this transaction appended events to, to
	// publish after the commit (publish.go).
	touched map[int64]struct{}
	// prepared are this transaction's handles on the DB's cached
	// statements (stmt.go).
	prepared map[string]*sql.Stmt
}

// txConn runs a transaction's statements.
type txConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.rebind(query), args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.rebind(query), args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(query), args...)
}

// forUpdate is the row-locking suffix for a SELECT that precedes an update
// of the same row. SQLite needs none: its writer holds the database lock.
func (tx *Tx) forUpdate() string {
	if tx.db.dialect == DialectPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// forUpdateOf is forUpdate for the rows of the named tables of a join.
func (tx *Tx) forUpdateOf(tables string) string {
	if s := tx.forUpdate(); s != "" {
		return s + " OF " + tables
	}
	return ""
}

// writeTx runs fn in a write transaction and commits when fn returns nil.
// Errors that are not *fireline.Error are classified by dbError.
func (db *DB) writeTx(ctx context.Context, op string, fn func(*Tx) error) error {
	if err := db.commitWrite(ctx, op, fn); err != nil {
		return err
	}
	db.checkpointIfDue(context.WithoutCancel(ctx))
	return nil
}

// commitWrite is writeTx without the checkpoint that may follow the
// commit, for intake, which answers its requests first (checkpoint.go).
func (db *DB) commitWrite(ctx context.Context, op string, fn func(*Tx) error) error {
	return db.inTx(ctx, op, db.write, nil, fn)
}

// readTx runs fn in a read-only transaction.
func (db *DB) readTx(ctx context.Context, op string, fn func(*Tx) error) error {
	return db.inTx(ctx, op, db.read, &sql.TxOptions{ReadOnly: true}, fn)
}

// snapshotTx is readTx whose statements all read as of one instant: on
// SQLite every read transaction does; PostgreSQL's default (read
// committed) takes a snapshot per statement, so it asks for repeatable read.
func (db *DB) snapshotTx(ctx context.Context, op string, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == DialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return db.inTx(ctx, op, db.read, opts, fn)
}

func (db *DB) inTx(ctx context.Context, op string, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) error {
	writing := pool == db.write && (opts == nil || !opts.ReadOnly)
	var failures uint64
	if writing {
		failures = db.writeBegins() // writehealth.go
	}
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return db.dbError(op, err)
	}
	defer sqlTx.Rollback()
	tx := &Tx{tx: sqlTx, db: db, now: db.frozenNow()}
	if err := fn(tx); err != nil {
		return db.dbError(op, err)
	}
	if err := tx.notifyTouched(ctx); err != nil { // publish.go
		return db.dbError(op, err)
	}
	if err := sqlTx.Commit(); err != nil {
		return db.dbError(op, err)
	}
	if writing {
		db.writeCommitted(failures)
	}
	tx.afterCommit()
	tx.publishTouched() // publish.go: never reached on rollback
	return nil
}

// frozenNow is the instant a transaction works at: UTC, whole microseconds,
// so that what is stored reads back equal.
func (db *DB) frozenNow() time.Time {
	return db.now().UTC().Truncate(time.Microsecond)
}

// rebind turns ? placeholders into $1, $2, ... for PostgreSQL, leaving
// quoted text alone.
func (db *DB) rebind(query string) string {
	if db.dialect != DialectPostgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quoted := 0, false
	for _, r := range query {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dbError turns a database failure into Fireline's error: *fireline.Error
// passes through; an unreachable or overloaded database becomes
// EUnavailable (logged here, since the code hides the cause); anything else,
// such as a constraint the code should have prevented, stays a plain error,
// which fireline.ErrorCode reports as EInternal.
func (db *DB) dbError(op string, err error) error {
	var fe *fireline.Error
	if err == nil || errors.As(err, &fe) {
		return err
	}
	db.noteFailure(op, err) // writehealth.go
	if db.unavailable(err) {
		db.logger.Warn("database unavailable", "op", op, "dialect", db.dialect, "err", err)
		return fireline.Errorf(fireline.EUnavailable, "the database is unavailable; retry later")
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

func (db *DB) unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	if db.dialect == DialectPostgres {
		return postgresUnavailable(err)
	}
	return sqliteUnavailable(err)
}

// micros stores an instant as unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

// microsPtr stores an optional instant.
func microsPtr(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// instant reads unix microseconds as a UTC instant.
func instant(v int64) time.Time { return time.UnixMicro(v).UTC() }

// instantPtr reads an optional instant.
func instantPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := instant(v.Int64)
	return &t
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
