package sqlstore

// Intake on SQLite (intakeDialect): one process owns the database, and
// its one writer connection holds the database lock for the whole group
// commit, so nothing is locked row by row, alert ids follow the highest,
// and every statement runs at once through a handle prepared once
// (stmt.go; docs/adr/0013, 0035, 0040).

import (
	"context"
	"encoding/json"

	"github.com/fireline-dev/fireline"
)

// sqliteIntake is intake's seam on SQLite.
type sqliteIntake struct {
	db        *DB
	committed *committedOpen
}

var _ intakeDialect = (*sqliteIntake)(nil)

func (d *sqliteIntake) commit(ctx context.Context, op string, fn func(*Tx) error) error {
	return d.db.commitWrite(ctx, op, fn)
}

func (d *sqliteIntake) committedOpen() *committedOpen { return d.committed }

// lockGroups takes nothing: the writer holds the database lock.
func (d *sqliteIntake) lockGroups(context.Context, *intakeBatch, []int64) error { return nil }

// prefetchSQLiteSQL looks up the open alerts of a JSON array of keys:
// one seek of alerts_open_dedup per key, in one prepared statement rather
// than a statement run per alert.
const prefetchSQLiteSQL = `SELECT a.id, a.status, a.incident_number, a.dedup_key
	FROM json_each(?) AS k JOIN alerts a ON a.dedup_key = k.value
	WHERE a.integration_ref = ? AND a.resolved_at IS NULL`

// readAhead looks up the open alerts of each integration's keys in one
// prepared statement; the rest is looked up as the jobs ask, which costs
// no round trip.
func (d *sqliteIntake) readAhead(ctx context.Context, b *intakeBatch, a batchAhead) error {
	for integ, list := range a.keys {
		if len(list) < 2 {
			continue // the lookup per alert is as cheap
		}
		js, err := json.Marshal(list)
		if err != nil {
			return err
		}
		s := b.tx.stmt(ctx, prefetchSQLiteSQL)
		if s == nil {
			return nil // not prepared (yet): look up per alert
		}
		ref, err := b.tx.db.integrationRef(ctx, b.tx, integ)
		if err != nil {
			return err
		}
		rows, err := s.QueryContext(ctx, string(js), ref)
		if err != nil {
			return err
		}
		for _, k := range list {
			b.open[alertKey{integ, k}] = nil
		}
		for rows.Next() {
			a, key := &openAlert{}, ""
			if err := rows.Scan(&a.id, &a.status, &a.incident, &key); err != nil {
				rows.Close()
				return err
			}
			b.open[alertKey{integ, key}] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// maxAlertIDSQL finds the highest alert id (SQLite's rowid: the next row
// would take it plus one).
const maxAlertIDSQL = "SELECT COALESCE(MAX(id), 0) FROM alerts"

// alertID takes the next alert id: the writer holds the database lock and
// intake is the only writer of alerts, so ids follow the highest one,
// looked up once per batch.
func (d *sqliteIntake) alertID(ctx context.Context, b *intakeBatch) (int64, error) {
	if b.nextID == 0 {
		var highest int64
		if err := b.tx.queryRowCached(ctx, maxAlertIDSQL).Scan(&highest); err != nil {
			return 0, err
		}
		b.nextID = highest + 1
	}
	b.nextID++
	return b.nextID - 1, nil
}

// insertAlerts inserts the pending alert rows in as few prepared
// statements as the chunk sizes allow (insertAlertsSQL).
func (d *sqliteIntake) insertAlerts(ctx context.Context, b *intakeBatch) error {
	rows := b.pending
	var args []any
	for len(rows) > 0 {
		k := 1
		for _, c := range alertInsertChunks {
			if c <= len(rows) {
				k = c
				break
			}
		}
		args = args[:0]
		for _, p := range rows[:k] {
			args = appendAlertArgs(args, p.row, p.ref, p.restricted, p.labels, p.annotations)
		}
		if _, err := b.tx.execCached(ctx, insertAlertsSQL[k], args...); err != nil {
			return err
		}
		rows = rows[k:]
	}
	return nil
}

// addRepeatsSQL adds up repeats of an alert; last_seen_at only moves
// forward (a repeat answered from committedOpen may be written after a
// later change of the alert).
const addRepeatsSQL = "UPDATE alerts SET count = count + ?, last_seen_at = CASE WHEN last_seen_at < ? THEN ? ELSE last_seen_at END WHERE id = ?"

// addRepeats adds up repeats of alerts, one prepared statement each.
func (d *sqliteIntake) addRepeats(ctx context.Context, tx *Tx, r map[int64]pendingRepeat) error {
	for id, p := range r {
		seen := micros(p.lastSeen)
		if _, err := tx.execCached(ctx, addRepeatsSQL, p.count, seen, seen, id); err != nil {
			return err
		}
	}
	return nil
}

// insertEvents inserts each event with the prepared single-row insert:
// a multi-row statement would be parsed again each time.
func (d *sqliteIntake) insertEvents(ctx context.Context, tx *Tx, n int64, events []*fireline.Event) error {
	for _, e := range events {
		if err := insertEvent(ctx, tx, n, e); err != nil {
			return err
		}
	}
	return nil
}
