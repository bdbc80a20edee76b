package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// pagerActor is who paging events are recorded as; it sees every incident.
var pagerActor = fireline.Actor{Role: fireline.RoleAdmin, Automation: "pager"}

// PagingStore is the store side of the paging engine: the transaction a
// job's effect is recorded in, and on-call overrides.
type PagingStore struct {
	db     *DB
	policy *fireline.Policy
}

// NewPagingStore returns the paging store over db.
func NewPagingStore(db *DB, p *fireline.Policy) *PagingStore { return &PagingStore{db: db, policy: p} }

// DB returns the database.
func (s *PagingStore) DB() *DB { return s.db }

// PageTx is a write transaction over one locked incident: what the
// engine's job handlers record and enqueue in.
type PageTx struct {
	*Tx
	inc    *fireline.Incident
	policy *fireline.Policy
}

// IncidentTx runs fn in a write transaction with incident n loaded and
// locked, and commits when fn returns nil. ENotFound when it is missing.
func (s *PagingStore) IncidentTx(ctx context.Context, n int64, fn func(tx *PageTx, inc *fireline.Incident) error) error {
	return s.db.writeTx(ctx, "paging", func(tx *Tx) error {
		inc, err := findIncident(ctx, tx, pagerActor, fireline.IncidentID(n), n, true)
		if err != nil {
			return err
		}
		return fn(&PageTx{Tx: tx, inc: inc, policy: s.policy}, finish(inc, tx.now))
	})
}

// JobTx runs fn in a write transaction of its own, for work that belongs
// to no incident (periodic jobs).
func (s *PagingStore) JobTx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.db.writeTx(ctx, "job", fn)
}

// DoWork stores work the domain decided for the incident (steps run now,
// jobs, cancellations) in this transaction.
func (tx *PageTx) DoWork(ctx context.Context, w fireline.Work) error {
	return tx.doWork(ctx, tx.policy, tx.inc, w)
}

// Incident reads incident n without locking it.
func (s *PagingStore) Incident(ctx context.Context, n int64) (*fireline.Incident, error) {
	var inc *fireline.Incident
	err := s.db.readTx(ctx, "paging read", func(tx *Tx) error {
		var err error
		inc, err = findIncident(ctx, tx, pagerActor, fireline.IncidentID(n), n, false)
		return err
	})
	return inc, err
}

// Record applies a change the engine makes (an escalation step, a page
// attempt, a paged person joining a restricted incident, a clock mark, an
// unanswered walk) to the incident and appends it to the timeline as the
// pager. Most alter no incident state, so only the head moves; one that
// does stores the whole row, and the members' rows when they changed
// (docs/adr/0023-escalation-on-the-timeline.md).
func (tx *PageTx) Record(ctx context.Context, c fireline.Change) error {
	if err := tx.recordEngineChange(ctx, tx.inc, c); err != nil {
		return err
	}
	// The channel shows what the engine records too (slack.go).
	return tx.Enqueue(ctx, tx.policy.SlackWork(tx.inc, []fireline.Change{c}, tx.now)...)
}

// recordEngineChange is PageTx.Record for any incident locked in tx.
func (tx *Tx) recordEngineChange(ctx context.Context, inc *fireline.Incident, c fireline.Change) error {
	members := inc.Members
	changed, err := inc.RecordPaging(c, tx.now)
	if err != nil {
		return err
	}
	events, err := inc.Append(pagerActor.Name(), tx.now, c)
	if err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, inc.Number, events...); err != nil {
		return err
	}
	if !changed {
		_, err = tx.exec(ctx, "UPDATE incidents SET event_count = ?, head_hash = ? WHERE number = ?", inc.EventCount, inc.HeadHash, inc.Number)
		return err
	}
	if err := updateIncident(ctx, tx, inc); err != nil {
		return err
	}
	if err := saveComms(ctx, tx, inc, []fireline.Change{c}); err != nil { // comms.go
		return err
	}
	if err := saveSecurity(ctx, tx, inc, []fireline.Change{c}); err != nil { // security.go
		return err
	}
	return syncSets(ctx, tx, inc, members, inc.Services)
}

// Timeline reads the incident's events, oldest first.
func (tx *PageTx) Timeline(ctx context.Context) ([]*fireline.Event, error) {
	return listEvents(ctx, tx.Tx, pagerActor, tx.inc.Number)
}

// Complete marks the job done in this transaction (jobs.ErrLeaseLost when
// it is no longer this runner's).
func (tx *Tx) Complete(ctx context.Context, j *jobs.Job) error {
	return jobs.Complete(ctx, tx.tx, tx.db.dialect, j, tx.now)
}

// Reschedule puts the job back to pending in this transaction.
func (tx *Tx) Reschedule(ctx context.Context, j *jobs.Job, at time.Time, errText string, args any, reset bool) error {
	if err := jobs.Reschedule(ctx, tx.tx, tx.db.dialect, j, at, errText, args, reset); err != nil {
		return err
	}
	if tx.wakeAt.IsZero() || at.Before(tx.wakeAt) {
		tx.wakeAt = at
	}
	return nil
}

// Fail marks the job failed in this transaction.
func (tx *Tx) Fail(ctx context.Context, j *jobs.Job, errText string) error {
	return jobs.Fail(ctx, tx.tx, tx.db.dialect, j, errText, tx.now)
}

// Overrides returns the overrides in force at some instant of [from, to).
func (tx *Tx) Overrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error) {
	return listOverrides(ctx, tx, from, to)
}

// Overrides returns the overrides in force at some instant of [from, to).
func (s *PagingStore) Overrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error) {
	var out []fireline.Override
	err := s.db.readTx(ctx, "list overrides", func(tx *Tx) error {
		var err error
		out, err = listOverrides(ctx, tx, from, to)
		return err
	})
	return out, err
}

func listOverrides(ctx context.Context, tx *Tx, from, to time.Time) ([]fireline.Override, error) {
	rows, err := tx.query(ctx, `SELECT id, schedule, role, person, starts_at, ends_at, created_by, created_at
		FROM oncall_overrides WHERE ends_at > ? AND starts_at < ? ORDER BY created_at, id`, micros(from), micros(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []fireline.Override{}
	for rows.Next() {
		var o fireline.Override
		var s, e, c int64
		if err := rows.Scan(&o.ID, &o.Schedule, &o.Role, &o.Person, &s, &e, &o.CreatedBy, &c); err != nil {
			return nil, err
		}
		o.From, o.To, o.CreatedAt = instant(s), instant(e), instant(c)
		out = append(out, o)
	}
	return out, rows.Err()
}

// CreateOverride stores an override as the actor in ctx. EInvalid for bad
// input.
func (s *PagingStore) CreateOverride(ctx context.Context, in fireline.OverrideInput) (*fireline.Override, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in, err = in.Validate(s.policy); err != nil {
		return nil, err
	}
	o := &fireline.Override{ID: "ovr_" + hex.EncodeToString(randomBytes(8)), Schedule: in.Schedule, Role: in.Role,
		Person: in.Person, From: in.From, To: in.To, CreatedBy: actor.Name()}
	err = s.db.writeTx(ctx, "create override", func(tx *Tx) error {
		o.CreatedAt = tx.now
		_, err := tx.exec(ctx, `INSERT INTO oncall_overrides (id, schedule, role, person, starts_at, ends_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.Schedule, string(o.Role), o.Person, micros(o.From), micros(o.To), o.CreatedBy, micros(o.CreatedAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, fireline.AuditRecord{Action: fireline.AuditOverrideAdded, Subject: "override:" + o.ID, Data: o})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// DeleteOverride removes an override. ENotFound if there is none.
func (s *PagingStore) DeleteOverride(ctx context.Context, id string) error {
	if _, err := actorFrom(ctx); err != nil {
		return err
	}
	return s.db.writeTx(ctx, "delete override", func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM oncall_overrides WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fireline.Errorf(fireline.ENotFound, "override %q not found", id)
		}
		return appendAudit(ctx, tx, fireline.AuditRecord{Action: fireline.AuditOverrideGone, Subject: "override:" + id})
	})
}

// ServerSecret returns the named secret, generating and storing 32 random
// bytes the first time; replicas share it through the database.
func (db *DB) ServerSecret(ctx context.Context, name string) ([]byte, error) {
	var value string
	err := db.writeTx(ctx, "server secret", func(tx *Tx) error {
		err := tx.queryRow(ctx, "SELECT value FROM server_secrets WHERE name = ?", name).Scan(&value)
		if err == nil || !isNoRows(err) {
			return err
		}
		value = hex.EncodeToString(randomBytes(32))
		_, err = tx.exec(ctx, "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			name, value, micros(tx.now))
		if err != nil {
			return err
		}
		return tx.queryRow(ctx, "SELECT value FROM server_secrets WHERE name = ?", name).Scan(&value)
	})
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(value)
	if err != nil || len(b) < 32 {
		return nil, errors.New("sqlstore: stored server secret is malformed")
	}
	return b, nil
}

// Unwatched lists the open, unacknowledged incidents whose walk has not
// ended (they are not unanswered) and that have no pending or running job:
// the walks the watchdog repairs.
func (s *PagingStore) Unwatched(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.readTx(ctx, "watchdog", func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT i.number FROM incidents i WHERE i.status = ? AND i.unanswered_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.group_key = 'incident:' || CAST(i.number AS TEXT) AND j.state IN ('pending', 'running'))
			ORDER BY i.number`, string(fireline.StatusTriggered))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				return err
			}
			out = append(out, fireline.IncidentID(n))
		}
		return rows.Err()
	})
	return out, err
}

// JobCounts returns the number of jobs per state (for metrics and bench).
func (s *PagingStore) JobCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.db.readTx(ctx, "job counts", func(tx *Tx) error {
		rows, err := tx.query(ctx, "SELECT state, COUNT(*) FROM jobs GROUP BY state")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n int64
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			out[st] = n
		}
		return rows.Err()
	})
	return out, err
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("sqlstore: crypto/rand: %v", err))
	}
	return b
}
