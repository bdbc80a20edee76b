package sqlstore

import (
	"context"
	"database/sql"

	"github.com/fireline-dev/fireline"
)

// intakeBatch is what intake keeps in memory across the jobs of one group
// commit (docs/adr/0013-intake-throughput.md): the incidents it has locked
// and changed, the alert groups they collect, and the maintenance and
// grouping answers it has looked up. Each incident touched is read once,
// its events are appended as they happen (insertEvent, in order), and its
// row and its alert_groups row are written once, by flush, before the
// commit. Anything that reads those rows from the database (a job that
// is not intake's own, a grouping query) flushes first.
type intakeBatch struct {
	tx        *Tx
	incidents map[int64]*fireline.Incident // locked in this transaction
	groups    map[int64]*groupRow          // alert_groups rows by incident
	byKey     map[groupKey]int64           // open incident of a group; 0: none
	maint     map[string]bool              // service under maintenance now
	dirty     []int64                      // incidents changed since the last flush, in order
	// open holds the open alerts looked up ahead (PostgreSQL) and kept
	// current by this batch's writes; nil: known to have none.
	open map[alertKey]*openAlert
	// On PostgreSQL, where every statement is a round trip, events wait
	// here and flush appends each incident's in one statement.
	buffer bool
	events map[int64][]*fireline.Event
}

type groupKey struct{ service, key string }

type alertKey struct{ integration, dedupKey string }

// groupRow is an incident's alert_groups row.
type groupRow struct {
	open, lastAlertAt int64
	exists, dirty     bool
}

func newIntakeBatch(tx *Tx) *intakeBatch {
	b := &intakeBatch{tx: tx, buffer: tx.db.dialect == DialectPostgres}
	b.reset()
	return b
}

// reset forgets everything: after a rollback to a savepoint, what memory
// held may no longer be what the database holds.
func (b *intakeBatch) reset() {
	b.incidents = map[int64]*fireline.Incident{}
	b.groups = map[int64]*groupRow{}
	b.byKey = map[groupKey]int64{}
	b.maint = map[string]bool{}
	b.dirty = b.dirty[:0]
	b.open = map[alertKey]*openAlert{}
	b.events = map[int64][]*fireline.Event{}
}

// maxEventsPerInsert keeps a multi-row insert under PostgreSQL's 65535
// parameters.
const maxEventsPerInsert = 1000

// prefetchOpen looks up, in one query per integration, the open alerts of
// the keys a batch is about to process, locking them (PostgreSQL only:
// on SQLite a prepared lookup per alert is cheaper than a query built per
// batch).
func (b *intakeBatch) prefetchOpen(ctx context.Context, keys map[string][]string) error {
	if b.tx.db.dialect != DialectPostgres {
		return nil
	}
	for integ, list := range keys {
		rows, err := b.tx.query(ctx, `SELECT id, status, incident_number, dedup_key FROM alerts
			WHERE integration_id = ? AND dedup_key = ANY(?) AND resolved_at IS NULL ORDER BY id FOR UPDATE`, integ, list)
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

// openAlert returns the open alert of an integration with a dedup key,
// locked; nil when there is none.
func (b *intakeBatch) openAlert(ctx context.Context, integration, key string) (*openAlert, error) {
	if a, ok := b.open[alertKey{integration, key}]; ok {
		return a, nil
	}
	return findOpenAlert(ctx, b.tx, integration, key)
}

// setOpen records what this batch did to an open alert (nil: resolved),
// so that later lookups ahead stay true.
func (b *intakeBatch) setOpen(integration, key string, a *openAlert) {
	k := alertKey{integration, key}
	if _, ok := b.open[k]; ok {
		b.open[k] = a
	}
}

// lockIncidentSQL reads one incident (intake acts as the system, which
// sees every incident); forUpdate is appended on PostgreSQL.
var lockIncidentSQL = selectIncident + " WHERE i.number = ?"

// incident returns incident n, locked (FOR UPDATE on PostgreSQL), as this
// transaction has made it so far. Intake acts as the system, which sees
// every incident.
func (b *intakeBatch) incident(ctx context.Context, n int64) (*fireline.Incident, error) {
	if inc, ok := b.incidents[n]; ok {
		return inc, nil
	}
	inc, err := scanIncident(b.tx.queryRowCached(ctx, lockIncidentSQL+b.tx.forUpdate(), n))
	if err == sql.ErrNoRows {
		return nil, notFound(fireline.IncidentID(n))
	}
	if err != nil {
		return nil, err
	}
	b.incidents[n] = inc
	return inc, nil
}

// record appends changes already applied to inc as events by the
// integration, and runs the planner on them in this transaction; the
// incident's row is written by flush.
func (b *intakeBatch) record(ctx context.Context, inc *fireline.Incident, integ *fireline.Integration, changes ...fireline.Change) error {
	tx := b.tx
	actor := integ.Actor().Name()
	for _, c := range changes {
		e, err := fireline.NewEvent(inc.ID, inc.EventCount+1, inc.HeadHash, tx.now, actor, c)
		if err != nil {
			return err
		}
		if b.buffer {
			b.events[inc.Number] = append(b.events[inc.Number], e)
		} else if err := insertEvent(ctx, tx, inc.Number, e); err != nil {
			return err
		}
		inc.EventCount, inc.HeadHash = e.Seq, e.Hash
	}
	b.changed(inc.Number)
	// An acknowledgement or resolution from the sender stops the paging
	// walk in this same transaction, as one from a person does.
	return tx.plan(ctx, inc, changes)
}

func (b *intakeBatch) changed(n int64) {
	for _, d := range b.dirty {
		if d == n {
			return
		}
	}
	b.dirty = append(b.dirty, n)
}

// group returns incident n's alert_groups row; exists is false when the
// incident has none (declared by a person, not by alerts).
func (b *intakeBatch) group(ctx context.Context, n int64) (*groupRow, error) {
	if g, ok := b.groups[n]; ok {
		return g, nil
	}
	g := &groupRow{exists: true}
	err := b.tx.queryRowCached(ctx, "SELECT open_alerts, last_alert_at FROM alert_groups WHERE incident_number = ?", n).
		Scan(&g.open, &g.lastAlertAt)
	if isNoRows(err) {
		g.exists, err = false, nil
	}
	if err != nil {
		return nil, err
	}
	b.groups[n] = g
	return g, nil
}

// flush writes every incident and alert group changed since the last
// flush: one UPDATE each, however many alerts changed them, after the
// incident's buffered events.
func (b *intakeBatch) flush(ctx context.Context) error {
	for _, n := range b.dirty {
		events := b.events[n]
		for len(events) > 0 {
			k := min(len(events), maxEventsPerInsert)
			if err := insertEvent(ctx, b.tx, n, events[:k]...); err != nil {
				return err
			}
			events = events[k:]
		}
		delete(b.events, n)
		if err := updateIncident(ctx, b.tx, b.incidents[n]); err != nil {
			return err
		}
	}
	b.dirty = b.dirty[:0]
	for n, g := range b.groups {
		if !g.dirty {
			continue
		}
		if _, err := b.tx.execCached(ctx, "UPDATE alert_groups SET open_alerts = ?, last_alert_at = ? WHERE incident_number = ?",
			g.open, g.lastAlertAt, n); err != nil {
			return err
		}
		g.dirty = false
	}
	return nil
}

// intakeStatements are the statements intake runs for every alert,
// prepared once (stmt.go).
func intakeStatements() []string {
	return []string{
		lockIncidentSQL, findOpenAlertSQL, insertAlertSQL, insertEventSQL, updateIncidentSQL, maintenanceSQL, groupIncidentSQL,
		"SELECT open_alerts, last_alert_at FROM alert_groups WHERE incident_number = ?",
		"UPDATE alert_groups SET open_alerts = ?, last_alert_at = ? WHERE incident_number = ?",
		repeatAlertSQL, ackAlertSQL, resolveAlertSQL, insertGroupSQL,
	}
}
