package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"

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
	// New alert rows wait in pending, their ids taken ahead, until
	// flushAlerts inserts them a chunk at a time (insertAlertsSQL); a
	// repeat, acknowledgement or resolution of one in the meantime changes
	// it in memory.
	pending []pendingAlert
	nextID  int64   // SQLite: the next free alert id; 0: not looked up yet
	ids     []int64 // PostgreSQL: alert ids taken from the sequence, unused yet
	expect  int     // alerts the batch holds: how many ids to take at once
	// gathered holds, per incident, an alert_attached or alert_resolved
	// change still taking in alerts (gatherAlert): recorded as one event
	// before any other event of the incident and at the flush.
	gathered map[int64]*gatheredChange
}

// gatheredChange is an alert change of one integration gathering alerts.
type gatheredChange struct {
	integ  *fireline.Integration
	change fireline.Change
}

// maxGathered bounds the alerts one event lists.
const maxGathered = 1000

// pendingAlert is a new alert row not inserted yet.
type pendingAlert struct {
	row                 *fireline.Alert
	labels, annotations string // as stored, worked out before the batch
	restricted          bool
	open                *openAlert // its entry among the open alerts; nil if resolved
}

type groupKey struct{ service, key string }

type alertKey struct{ integration, dedupKey string }

// groupRow is an incident's alert_groups row.
type groupRow struct {
	open, lastAlertAt int64
	exists, dirty     bool
}

// newIntakeBatch starts a batch of expect alerts in tx.
func newIntakeBatch(tx *Tx, expect int) *intakeBatch {
	b := &intakeBatch{tx: tx, buffer: tx.db.dialect == DialectPostgres, expect: expect}
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
	b.pending, b.nextID, b.ids = nil, 0, nil
	b.gathered = map[int64]*gatheredChange{}
}

// maxEventsPerInsert keeps a multi-row insert under PostgreSQL's 65535
// parameters.
const maxEventsPerInsert = 1000

// groupLockClass is the first key of Fireline's advisory locks on alert
// groups (the second is groupLockKey), so that they share no key with
// other users of advisory locks in the same database.
const groupLockClass = 0x46_4c_41 // "FLA"

// groupLockKey is the advisory lock key of an alert group: a 32-bit hash
// of its service and grouping key (a collision only makes two groups wait
// for each other).
func groupLockKey(service, key string) int64 {
	h := fnv.New32a()
	h.Write([]byte(service))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return int64(int32(h.Sum32()))
}

// lockGroups takes, on PostgreSQL, the transaction's advisory locks on the
// alert groups its triggers may open incidents for, in sorted order (two
// replicas' batches never wait for each other in a cycle). Without them,
// two replicas receiving the first alerts of a new group at once each
// found no open incident and each declared one; with them the second
// waits for the first to commit, and its grouping query, a later
// statement (READ COMMITTED), then finds the first one's incident. SQLite
// needs none: its one writer holds the database lock.
func (b *intakeBatch) lockGroups(ctx context.Context, groups []int64) error {
	if b.tx.db.dialect != DialectPostgres || len(groups) == 0 {
		return nil
	}
	groups = sortedUnique(groups)
	_, err := b.tx.exec(ctx, "SELECT pg_advisory_xact_lock(?, k::int) FROM unnest(?::bigint[]) AS k ORDER BY k", groupLockClass, groups)
	return err
}

func sortedUnique(groups []int64) []int64 {
	groups = slices.Clone(groups)
	slices.Sort(groups)
	return slices.Compact(groups)
}

// prefetchSQLiteSQL looks up the open alerts of a JSON array of keys:
// one seek of alerts_open_dedup per key, in one prepared statement rather
// than a statement run per alert.
const prefetchSQLiteSQL = `SELECT a.id, a.status, a.incident_number, a.dedup_key
	FROM json_each(?) AS k JOIN alerts a ON a.dedup_key = k.value
	WHERE a.integration_id || '' = ? AND a.resolved_at IS NULL`

// prefetchOpen looks up, in one query per integration, the open alerts of
// the keys a batch is about to process. On PostgreSQL it locks them, and
// takes an alert id from the sequence for each key that has none, since a
// trigger of it will make a row (on SQLite, ids cost no round trip); the
// first query also takes the batch's group locks (lockGroups), before
// anything else, saving their round trip. Its own snapshot may then miss
// an alert another replica committed while this one waited: the insert of
// that key fails on the unique index and the batch runs again job by job,
// where the retry finds it.
func (b *intakeBatch) prefetchOpen(ctx context.Context, keys map[string][]string, groups []int64) error {
	if b.tx.db.dialect == DialectSQLite {
		return b.prefetchOpenSQLite(ctx, keys)
	}
	if len(keys) == 0 {
		return b.lockGroups(ctx, groups)
	}
	integrations := slices.Sorted(maps.Keys(keys)) // the same lock order on every replica
	groups = sortedUnique(groups)
	for _, integ := range integrations {
		list := keys[integ]
		// One seek of alerts_open_dedup per key, whatever the planner
		// believes of the table (findOpenAlertSQL says why the integration
		// is written "integration_id || ''"). Written as "dedup_key =
		// ANY(...)", a plan made while the table was small scanned every
		// open alert of the integration against the whole list: 0.8 s for
		// 3,200 keys among 29,000 alerts. Keys are locked in sorted order,
		// the same on every replica, so two batches cannot deadlock on them.
		list = slices.Clone(list)
		slices.Sort(list)
		list = slices.Compact(list)
		// The group locks gate the whole statement: an uncorrelated
		// condition is a one-time filter, evaluated before the lookups.
		rows, err := b.tx.query(ctx, `WITH locked AS MATERIALIZED (
				SELECT pg_advisory_xact_lock(?, g::int) FROM unnest(?::bigint[]) AS g ORDER BY g)
			SELECT k.key, a.id, a.status, a.incident_number,
				CASE WHEN a.id IS NULL THEN nextval(pg_get_serial_sequence('alerts', 'id')) END
			FROM unnest(?::text[]) WITH ORDINALITY AS k(key, n)
			LEFT JOIN LATERAL (SELECT id, status, incident_number FROM alerts
				WHERE dedup_key = k.key AND integration_id || '' = ? AND resolved_at IS NULL FOR UPDATE) a ON true
			WHERE (SELECT count(*) FROM locked) >= 0
			ORDER BY k.n`, groupLockClass, groups, list, integ)
		groups = nil // taken
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				key      string
				id, next sql.NullInt64
				status   sql.NullString
				incident sql.NullInt64
			)
			if err := rows.Scan(&key, &id, &status, &incident, &next); err != nil {
				rows.Close()
				return err
			}
			var open *openAlert
			if id.Valid {
				open = &openAlert{id: id.Int64, status: fireline.AlertStatus(status.String), incident: incident}
			}
			b.open[alertKey{integ, key}] = open
			if next.Valid {
				b.ids = append(b.ids, next.Int64)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (b *intakeBatch) prefetchOpenSQLite(ctx context.Context, keys map[string][]string) error {
	for integ, list := range keys {
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
		rows, err := s.QueryContext(ctx, string(js), integ)
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

// maxAlertIDSQL finds the highest alert id (SQLite's rowid: the next row
// would take it plus one).
const maxAlertIDSQL = "SELECT COALESCE(MAX(id), 0) FROM alerts"

// addAlert gives row, made from p, an id and queues it for flushAlerts;
// incident is the incident it is attached to (0: none). The returned
// entry is the row as an open alert (nil when the row is resolved already).
func (b *intakeBatch) addAlert(ctx context.Context, row *fireline.Alert, restricted bool, incident int64, p *preparedAlert) (*openAlert, error) {
	id, err := b.alertID(ctx)
	if err != nil {
		return nil, err
	}
	row.ID = id
	o := &openAlert{id: id, status: row.Status, incident: sql.NullInt64{Int64: incident, Valid: incident != 0}, pending: row}
	if row.ResolvedAt != nil {
		o = nil
	}
	b.pending = append(b.pending, pendingAlert{row: row, labels: p.labels, annotations: p.annotations, restricted: restricted, open: o})
	return o, nil
}

// alertID takes the next alert id. On SQLite the writer holds the
// database lock and intake is the only writer of alerts, so ids follow
// the highest one, looked up once per batch; on PostgreSQL, whose
// replicas write concurrently, they come from the table's sequence, as
// many at once as the batch has alerts.
func (b *intakeBatch) alertID(ctx context.Context) (int64, error) {
	if b.tx.db.dialect == DialectSQLite {
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
	if len(b.ids) == 0 {
		rows, err := b.tx.query(ctx, "SELECT nextval(pg_get_serial_sequence('alerts', 'id')) FROM generate_series(1, ?)", max(b.expect, 1))
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			b.ids = append(b.ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if len(b.ids) == 0 {
			return 0, fmt.Errorf("alert ids: the sequence gave none")
		}
	}
	id := b.ids[0]
	b.ids = b.ids[1:]
	return id, nil
}

// flushAlerts inserts the pending alert rows in as few statements as the
// chunk sizes allow.
func (b *intakeBatch) flushAlerts(ctx context.Context) error {
	if len(b.pending) == 0 {
		return nil
	}
	if b.tx.db.dialect == DialectPostgres {
		return b.flushAlertsPostgres(ctx)
	}
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
			args = appendAlertArgs(args, p.row, p.restricted, p.labels, p.annotations)
		}
		if _, err := b.tx.execCached(ctx, insertAlertsSQL[k], args...); err != nil {
			return err
		}
		for _, p := range rows[:k] {
			if p.open != nil {
				p.open.pending = nil
			}
		}
		rows = rows[k:]
	}
	b.pending = b.pending[:0]
	return nil
}

// insertAlertsPostgresSQL inserts any number of alert rows in one round
// trip: one array per column.
const insertAlertsPostgresSQL = "INSERT INTO alerts (" + alertInsertColumns + `)
	SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::boolean[], ?::boolean[], ?::bigint[],
		?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])`

// flushAlertsPostgres inserts the pending alert rows in one statement.
func (b *intakeBatch) flushAlertsPostgres(ctx context.Context) error {
	n := len(b.pending)
	var (
		ids, counts, first, last       = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		incidents, starts, resolved    = make([]*int64, n), make([]*int64, n), make([]*int64, n)
		restricted, suppressed         = make([]bool, n), make([]bool, n)
		integ, service, key, status    = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		summary, source, severity, url = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		labels, annotations, details   = make([]string, n), make([]string, n), make([]string, n)
	)
	for i, p := range b.pending {
		a := p.row
		labels[i], annotations[i] = p.labels, p.annotations
		ids[i], integ[i], service[i], key[i], status[i] = a.ID, a.Integration, a.Service, a.DedupKey, string(a.Status)
		summary[i], source[i], severity[i], url[i], details[i] = a.Summary, a.Source, string(a.Severity), a.URL, string(a.Details)
		incidents[i], starts[i], resolved[i] = nullable(alertIncident(a)), nullable(microsPtr(a.StartsAt)), nullable(microsPtr(a.ResolvedAt))
		restricted[i], suppressed[i], counts[i] = p.restricted, a.Suppressed, a.Count
		first[i], last[i] = micros(a.FirstSeenAt), micros(a.LastSeenAt)
	}
	if _, err := b.tx.exec(ctx, insertAlertsPostgresSQL, ids, integ, service, key, status, summary, source, severity,
		labels, annotations, url, details, incidents, restricted, suppressed, counts, starts, first, last, resolved); err != nil {
		return err
	}
	for _, p := range b.pending {
		if p.open != nil {
			p.open.pending = nil
		}
	}
	b.pending = b.pending[:0]
	return nil
}

// nullable is v as an element of a PostgreSQL array argument.
func nullable(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
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

// gatherAlert records that integ attached (or resolved) alert a on inc:
// it joins the change of the same kind and integration gathering on inc,
// or starts one (applied to inc) after recording the one before.
func (b *intakeBatch) gatherAlert(ctx context.Context, inc *fireline.Incident, integ *fireline.Integration, a *fireline.Alert, kind fireline.EventType) error {
	if g := b.gathered[inc.Number]; g != nil && g.integ.ID == integ.ID && g.change.Type == kind {
		switch d := g.change.Data.(type) {
		case *fireline.AlertAttachedData:
			if len(d.MoreAlerts) < maxGathered-1 {
				d.MoreAlerts = append(d.MoreAlerts, a.ID)
				return nil
			}
		case *fireline.AlertResolvedData:
			if len(d.MoreAlerts) < maxGathered-1 {
				d.MoreAlerts = append(d.MoreAlerts, a.ID)
				return nil
			}
		}
	}
	if err := b.recordGathered(ctx, inc.Number); err != nil {
		return err
	}
	c := inc.AttachAlert(a, b.tx.now)
	if kind == fireline.EventAlertResolved {
		c = inc.ResolveAlert(a, b.tx.now)
	}
	b.gathered[inc.Number] = &gatheredChange{integ: integ, change: c}
	b.changed(inc.Number)
	return nil
}

// recordGathered records the change gathering on incident n, if any.
func (b *intakeBatch) recordGathered(ctx context.Context, n int64) error {
	g := b.gathered[n]
	if g == nil {
		return nil
	}
	delete(b.gathered, n)
	return b.appendEvents(ctx, b.incidents[n], g.integ, g.change)
}

// record appends changes already applied to inc as events by the
// integration, after the alert change gathering on it, and runs the
// planner on them in this transaction; the incident's row is written by
// flush.
func (b *intakeBatch) record(ctx context.Context, inc *fireline.Incident, integ *fireline.Integration, changes ...fireline.Change) error {
	if err := b.recordGathered(ctx, inc.Number); err != nil {
		return err
	}
	return b.appendEvents(ctx, inc, integ, changes...)
}

func (b *intakeBatch) appendEvents(ctx context.Context, inc *fireline.Incident, integ *fireline.Integration, changes ...fireline.Change) error {
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

// flush inserts the pending alerts and writes every incident and alert
// group changed since the last flush: one UPDATE each, however many alerts changed them, after the
// incident's buffered events.
func (b *intakeBatch) flush(ctx context.Context) error {
	if err := b.flushAlerts(ctx); err != nil {
		return err
	}
	for _, n := range b.dirty {
		if err := b.recordGathered(ctx, n); err != nil {
			return err
		}
	}
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
	q := []string{
		lockIncidentSQL, findOpenAlertSQL, maxAlertIDSQL, prefetchSQLiteSQL, insertEventSQL, updateIncidentSQL, maintenanceSQL, groupIncidentSQL,
		"SELECT open_alerts, last_alert_at FROM alert_groups WHERE incident_number = ?",
		"UPDATE alert_groups SET open_alerts = ?, last_alert_at = ? WHERE incident_number = ?",
		repeatAlertSQL, ackAlertSQL, resolveAlertSQL, insertGroupSQL,
	}
	for _, k := range alertInsertChunks {
		q = append(q, insertAlertsSQL[k])
	}
	return q
}
