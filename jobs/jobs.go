// Package jobs is Fireline's durable job runtime: jobs are rows of the
// jobs table, inserted in the same transaction as the change that causes
// them (Enqueue), claimed when due with a lease (FOR UPDATE SKIP LOCKED on
// PostgreSQL; the single writer on SQLite), run by handlers, retried with
// backoff and jitter that honours Retry-After, and finished in the
// handler's own transaction when its effect must happen exactly once
// (Complete, Reschedule). The runner keeps the next due instant in memory
// and sleeps until then or until woken; RunDue runs what is due at a given
// instant, so tests walk hours of timers in milliseconds.
//
// It imports only the standard library: the store hands it a *sql.DB (the
// writer) and transactions, and wakes it after commits.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Dialects, as sqlstore names them.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Job states.
const (
	StatePending   = "pending"
	StateRunning   = "running"
	StateDone      = "done"
	StateFailed    = "failed"
	StateCancelled = "cancelled"
)

// DefaultMaxAttempts is how often a job runs before it fails for good.
const DefaultMaxAttempts = 10

// Spec describes a job to enqueue.
type Spec struct {
	Kind string
	// Key identifies the job: while a job with the key is pending or
	// running, enqueueing it again does nothing.
	Key string
	// Group lets related jobs be cancelled together, e.g. "incident:42".
	Group       string
	Args        any
	RunAt       time.Time
	MaxAttempts int // DefaultMaxAttempts when 0
	// Local travels in memory only, never stored: EnqueueClaimed puts it
	// on the job this process's runner starts after the commit, so that
	// the handler can use what the enqueuing transaction knew (a job
	// rescued by another runner has none).
	Local any
}

// Job is a claimed job, as a handler sees it.
type Job struct {
	ID          int64
	Kind        string
	Key         string
	Group       string
	Args        json.RawMessage
	RunAt       time.Time
	Attempts    int // including this one
	MaxAttempts int
	Owner       string // the lease holder: this runner
	LastError   string
	Local       any // the Spec's Local, for a job started from its enqueuing commit; else nil
}

// Decode unmarshals the job's arguments into v.
func (j *Job) Decode(v any) error { return json.Unmarshal(j.Args, v) }

// Execer is what Enqueue and the finishing functions need of a
// transaction; *sql.Tx has it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Enqueue inserts jobs in tx, in one statement per enqueueChunk jobs (on
// PostgreSQL each statement is a round trip). A job whose key is already
// pending or running is skipped. It returns how many were inserted.
func Enqueue(ctx context.Context, tx Execer, dialect string, now time.Time, specs ...Spec) (int, error) {
	n := 0
	for len(specs) > 0 {
		chunk := specs[:min(len(specs), enqueueChunk)]
		specs = specs[len(chunk):]
		args := make([]any, 0, 7*len(chunk))
		for _, s := range chunk {
			a, err := json.Marshal(s.Args)
			if err != nil {
				return n, fmt.Errorf("jobs: %s args: %w", s.Kind, err)
			}
			if s.MaxAttempts <= 0 {
				s.MaxAttempts = DefaultMaxAttempts
			}
			args = append(args, s.Kind, s.Key, s.Group, string(a), s.RunAt.UnixMicro(), s.MaxAttempts, now.UnixMicro())
		}
		row := "(?, ?, ?, ?, ?, 'pending', 0, ?, '', '', ?)"
		res, err := tx.ExecContext(ctx, rebind(dialect, `INSERT INTO jobs
			(kind, key, group_key, args, run_at, state, attempts, max_attempts, lease_owner, last_error, created_at)
			VALUES `+strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")+` ON CONFLICT DO NOTHING`), args...)
		if err != nil {
			return n, fmt.Errorf("jobs: enqueue %s: %w", chunk[0].Key, err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// enqueueChunk keeps Enqueue's statements under PostgreSQL's 65,535
// parameters (seven per job).
const enqueueChunk = 1000

// Querier is what EnqueueClaimed needs of a transaction; *sql.Tx has it.
type Querier interface {
	Execer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// EnqueueClaimed inserts a job due now already claimed by owner (state
// running, attempt 1, leased until now+lease), in tx, and returns it; nil
// when its key is already pending or running. The transaction that
// creates the job thus also claims it, and after its commit the owner's
// runner starts it from memory (Runner.Start) without a claim of its own.
// If the owner dies first, the lease expires and any runner rescues it.
func EnqueueClaimed(ctx context.Context, tx Querier, dialect string, now time.Time, owner string, lease time.Duration, s Spec) (*Job, error) {
	args, err := json.Marshal(s.Args)
	if err != nil {
		return nil, fmt.Errorf("jobs: %s args: %w", s.Kind, err)
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = DefaultMaxAttempts
	}
	j := &Job{Kind: s.Kind, Key: s.Key, Group: s.Group, Args: args, RunAt: s.RunAt.UTC().Truncate(time.Microsecond),
		Attempts: 1, MaxAttempts: s.MaxAttempts, Owner: owner, Local: s.Local}
	err = tx.QueryRowContext(ctx, rebind(dialect, `INSERT INTO jobs
		(kind, key, group_key, args, run_at, state, attempts, max_attempts, lease_owner, lease_until, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, 'running', 1, ?, ?, ?, '', ?) ON CONFLICT DO NOTHING RETURNING id`),
		s.Kind, s.Key, s.Group, string(args), s.RunAt.UnixMicro(), s.MaxAttempts, owner, now.Add(lease).UnixMicro(),
		now.UnixMicro()).Scan(&j.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: enqueue %s: %w", s.Key, err)
	}
	return j, nil
}

// CancelGroup cancels the group's pending and running jobs of the given
// kinds (all kinds when none are given), in tx. A running job's handler
// then fails to finish it (ErrLeaseLost), so its transaction rolls back:
// cancellation fences work in flight. It returns how many it cancelled.
func CancelGroup(ctx context.Context, tx Execer, dialect string, now time.Time, group string, kinds ...string) (int64, error) {
	q := "UPDATE jobs SET state = 'cancelled', finished_at = ?, lease_owner = '', lease_until = NULL WHERE group_key = ? AND state IN ('pending', 'running')"
	args := []any{now.UnixMicro(), group}
	if len(kinds) > 0 {
		q += " AND kind IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ") + ")"
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	res, err := tx.ExecContext(ctx, rebind(dialect, q), args...)
	if err != nil {
		return 0, fmt.Errorf("jobs: cancel %s: %w", group, err)
	}
	return res.RowsAffected()
}

// ErrLeaseLost is returned by Complete and Reschedule when the job is no
// longer this runner's: its lease expired and another runner took it, or
// it was finished already. The caller's transaction must roll back, so
// that the job's effect happens once.
var ErrLeaseLost = errors.New("jobs: lease lost")

// ErrFinished is what a handler returns when it finished (or rescheduled)
// its job itself, in the transaction of the job's effect: the runner
// records nothing more.
var ErrFinished = errors.New("jobs: finished by its handler")

// Complete marks a running job done in tx, fenced by its lease.
func Complete(ctx context.Context, tx Execer, dialect string, j *Job, now time.Time) error {
	return finish(ctx, tx, dialect, j, `UPDATE jobs SET state = 'done', finished_at = ?, lease_owner = '', lease_until = NULL
		WHERE id = ? AND state = 'running' AND lease_owner = ?`, now.UnixMicro(), j.ID, j.Owner)
}

// Reschedule puts a running job back to pending at runAt in tx, fenced by
// its lease, recording errText as its last error and replacing its
// arguments when args is not nil. With resetAttempts its attempt count
// starts over (a fallback to a new contact method is a new job, in effect).
func Reschedule(ctx context.Context, tx Execer, dialect string, j *Job, runAt time.Time, errText string, args any, resetAttempts bool) error {
	raw := string(j.Args)
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			return err
		}
		raw = string(b)
	}
	attempts := j.Attempts
	if resetAttempts {
		attempts = 0
	}
	return finish(ctx, tx, dialect, j, `UPDATE jobs SET state = 'pending', run_at = ?, last_error = ?, args = ?, attempts = ?,
		lease_owner = '', lease_until = NULL WHERE id = ? AND state = 'running' AND lease_owner = ?`,
		runAt.UnixMicro(), truncate(errText, 2000), raw, attempts, j.ID, j.Owner)
}

// Fail marks a running job failed for good in tx, fenced by its lease.
func Fail(ctx context.Context, tx Execer, dialect string, j *Job, errText string, now time.Time) error {
	return finish(ctx, tx, dialect, j, `UPDATE jobs SET state = 'failed', finished_at = ?, last_error = ?, lease_owner = '', lease_until = NULL
		WHERE id = ? AND state = 'running' AND lease_owner = ?`, now.UnixMicro(), truncate(errText, 2000), j.ID, j.Owner)
}

func finish(ctx context.Context, tx Execer, dialect string, j *Job, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, rebind(dialect, q), args...)
	if err != nil {
		return fmt.Errorf("jobs: finish %s: %w", j.Key, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrLeaseLost
	}
	return nil
}

// RetryError asks the runner to run the job again, not before After
// (a Retry-After the far end asked for), and at least after the backoff.
type RetryError struct {
	Err   error
	After time.Duration
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

// Permanent marks an error not worth retrying: the job fails at once.
func Permanent(err error) error { return &permanentError{err} }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// rebind turns ? placeholders into $1, $2, ... for PostgreSQL. The
// queries of this package have no quoted question marks.
func rebind(dialect, q string) string {
	if dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
