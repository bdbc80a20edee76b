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
// its events are sealed as they happen (Incident.Append) and wait here,
// and its events, row and alert_groups row are written once, by flush,
// before the commit (intakeDialect.writeIncident). Anything that reads
// those rows from the database (a job that is not intake's own, a
// grouping query) flushes first. It is written once for both databases:
// what differs is its dialect (intake_dialect.go).
type intakeBatch struct {
	tx        *Tx
	policy    *fireline.Policy
	incidents map[int64]*fireline.Incident // locked in this transaction
	groups    map[int64]*groupRow          // alert_groups rows by incident
	byKey     map[groupKey]int64           // open incident of a group; 0: none
	maint     map[string]bool              // service under maintenance now
	dirty     []int64                      // incidents changed since the last flush, in order
	// stored holds the indexed columns of incidents as their rows hold
	// them, where known, so that flush can leave those columns alone when
	// they have not changed (writeIncident).
	stored map[int64]indexedValues
	// open holds the open alerts looked up ahead (readAhead) and kept
	// current by this batch's writes; nil: known to have none.
	open map[alertKey]*openAlert
	// events wait here for flush, which writes each incident's with its
	// row (writeIncident).
	events map[int64][]*fireline.Event
	// dialect is what the batch does differently on its database.
	dialect intakeDialect
	// New alert rows wait in pending, their ids taken ahead, until
	// flushAlerts inserts them (intakeDialect.insertAlerts); a
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
	// committed is intake's memory of committed open alerts (SQLite; nil
	// on PostgreSQL), and opened the alerts this batch leaves open, for it
	// to remember after the commit (intake_repeats.go).
	committed *committedOpen
	opened    map[alertKey]openEntry
	// repeats counts the repeats of alerts already in the database, for
	// flush to write (intakeDialect.addRepeats).
	repeats map[int64]pendingRepeat
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
	ref                 int64  // its integration's ref (docs/adr/0042)
	labels, annotations string // as stored, worked out before the batch
	restricted          bool
	open                *openAlert // its entry among the open alerts; nil if resolved
}

// groupKey names an alert group: alerts group only with alerts of the
// same restriction, so that a security integration's alert never joins
// (and shows in) an incident every viewer sees, nor an ordinary alert
// vanishes into a restricted one (docs/adr/0004).
type groupKey struct {
	service, key string
	restricted   bool
}

type alertKey struct{ integration, dedupKey string }

// groupRow is an incident's alert_groups row.
type groupRow struct {
	open, lastAlertAt int64
	exists, dirty     bool
}

// newIntakeBatch starts a batch of expect alerts in tx, under p, on d.
func newIntakeBatch(tx *Tx, p *fireline.Policy, expect int, d intakeDialect) *intakeBatch {
	b := &intakeBatch{tx: tx, policy: p, expect: expect, dialect: d, committed: d.committedOpen()}
	b.reset()
	return b
}

// reset forgets everything: after a rollback to a savepoint, what memory
// held may no longer be what the database holds.
func (b *intakeBatch) reset() {
	b.incidents = map[int64]*fireline.Incident{}
	b.stored = map[int64]indexedValues{}
	b.groups = map[int64]*groupRow{}
	b.byKey = map[groupKey]int64{}
	b.maint = map[string]bool{}
	b.dirty = b.dirty[:0]
	b.open = map[alertKey]*openAlert{}
	b.events = map[int64][]*fireline.Event{}
	b.pending, b.nextID, b.ids = nil, 0, nil
	b.gathered = map[int64]*gatheredChange{}
	b.opened = nil
	b.repeats = nil
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
	if err := loadParts(ctx, b.tx, inc); err != nil {
		return nil, err
	}
	b.incidents[n] = inc
	b.stored[n] = indexedOf(inc)
	return inc, nil
}

// gatherAlert records that integ attached (or resolved) alert a on inc:
// it joins the change of the same kind and integration gathering on inc,
// or starts one (applied to inc) after recording the one before.
func (b *intakeBatch) gatherAlert(ctx context.Context, inc *fireline.Incident, integ *fireline.Integration, a *fireline.Alert, kind fireline.EventType) error {
	if g := b.gathered[inc.Number]; g != nil && g.integ.ID == integ.ID && g.change.Type == kind {
		if more := moreAlerts(g.change); more != nil && len(*more) < maxGathered-1 {
			*more = append(*more, a.ID)
			return nil
		}
	}
	if err := b.recordGathered(ctx, inc.Number); err != nil {
		return err
	}
	var c fireline.Change
	if kind == fireline.EventAlertResolved {
		c = inc.ResolveAlert(a, b.tx.now)
	} else {
		c = inc.AttachAlert(a, b.tx.now)
	}
	b.gathered[inc.Number] = &gatheredChange{integ: integ, change: c}
	b.changed(inc.Number)
	return nil
}

// moreAlerts is the list of further alerts of an alert change.
func moreAlerts(c fireline.Change) *[]int64 {
	switch d := c.Data.(type) {
	case *fireline.AlertAttachedData:
		return &d.MoreAlerts
	case *fireline.AlertResolvedData:
		return &d.MoreAlerts
	}
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
	events, err := inc.Append(integ.Actor().Name(), tx.now, changes...)
	if err != nil {
		return err
	}
	b.events[inc.Number] = append(b.events[inc.Number], events...)
	b.changed(inc.Number)
	if err := saveParts(ctx, tx, inc, changes); err != nil { // comms.go
		return err
	}
	// An acknowledgement or resolution from the sender stops the paging
	// walk in this same transaction, as one from a person does.
	return tx.plan(ctx, b.policy, inc, changes, integ.Actor())
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
// group changed since the last flush: one UPDATE each, however many
// alerts changed them, after the incident's buffered events.
func (b *intakeBatch) flush(ctx context.Context) error {
	if err := b.flushForCommit(ctx); err != nil {
		return err
	}
	return b.tx.sendQueued(ctx)
}

// flushForCommit is flush as the last thing before the commit: on
// PostgreSQL its writes go out with COMMIT, in one round trip.
func (b *intakeBatch) flushForCommit(ctx context.Context) error {
	if err := b.flushAlerts(ctx); err != nil {
		return err
	}
	if len(b.repeats) > 0 {
		if err := b.dialect.addRepeats(ctx, b.tx, b.repeats); err != nil {
			return err
		}
		b.repeats = nil
	}
	for _, n := range b.dirty {
		if err := b.recordGathered(ctx, n); err != nil {
			return err
		}
	}
	for _, n := range b.dirty {
		if err := b.writeIncident(ctx, n); err != nil {
			return err
		}
	}
	b.dirty = b.dirty[:0]
	for n, g := range b.groups {
		if !g.dirty {
			continue
		}
		if err := b.tx.execLater(ctx, "UPDATE alert_groups SET open_alerts = ?, last_alert_at = ? WHERE incident_number = ?", nil,
			g.open, g.lastAlertAt, n); err != nil {
			return err
		}
		g.dirty = false
	}
	return nil
}

// writeIncident writes incident n as the batch changed it: its events
// (intakeDialect.insertEvents), then its row, leaving out indexed columns
// that have not changed (docs/adr/0041), through writeIncident as every
// writer does.
func (b *intakeBatch) writeIncident(ctx context.Context, n int64) error {
	if err := b.dialect.insertEvents(ctx, b.tx, n, b.events[n]); err != nil {
		return err
	}
	delete(b.events, n)
	inc := b.incidents[n]
	now := indexedOf(inc)
	was, known := b.stored[n]
	if err := writeIncident(ctx, b.tx, inc, known && was == now); err != nil {
		return err
	}
	b.stored[n] = now
	return nil
}

// intakeStatements are the statements intake runs for every alert,
// prepared once (stmt.go).
func intakeStatements() []string {
	q := []string{
		lockIncidentSQL, findOpenAlertSQL, maxAlertIDSQL, prefetchSQLiteSQL, insertEventSQL, updateIncidentSQL, updateIncidentUnindexedSQL,
		maintenanceSQL, groupIncidentSQL,
		"SELECT open_alerts, last_alert_at FROM alert_groups WHERE incident_number = ?",
		"UPDATE alert_groups SET open_alerts = ?, last_alert_at = ? WHERE incident_number = ?",
		ackAlertSQL, resolveAlertSQL, insertGroupSQL, addRepeatsSQL,
	}
	for _, k := range alertInsertChunks {
		q = append(q, insertAlertsSQL[k])
	}
	return q
}
