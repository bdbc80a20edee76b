package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// incidentColumns are the incidents table's columns, in the order of
// incidentValues and scanIncident.
var incidentColumns = []string{
	"number", "title", "severity", "source", "services", "description", "restricted",
	"stage", "status", "impact", "scope", "eta", "roles", "members",
	"declared_by", "declared_at", "severity_set_at", "acknowledged_at", "escalated_at",
	"resolved_at", "closed_at", "updated_at", "respond_by", "escalate_by", "resolve_by",
	"policy_version", "event_count", "head_hash", "unanswered_at",
}

// selectIncident selects every incident column from "incidents i".
var (
	selectIncidentColumns = "SELECT i." + strings.Join(incidentColumns, ", i.")
	selectIncident        = selectIncidentColumns + " FROM incidents i"
)

var insertIncidentSQL = "INSERT INTO incidents (" + strings.Join(incidentColumns, ", ") +
	") VALUES (" + placeholders(len(incidentColumns)) + ")"

var updateIncidentSQL = "UPDATE incidents SET " + strings.Join(incidentColumns[1:], " = ?, ") +
	" = ? WHERE number = ?"

// incidentIndexed are the columns the incidents table's secondary indexes
// and triggers read (docs/adr/0041, 0054). SQLite rewrites an index's
// entry, and runs an "UPDATE OF" trigger, whenever an UPDATE sets one of
// its columns, even to the same value, so an update that leaves them
// alone does not name them (writeIncident, unindexed): intake, which
// updates an incident on every group commit of its alerts, saves those
// index writes a commit.
var incidentIndexed = []string{"severity", "status", "declared_at", "restricted", "title", "description",
	"respond_by", "escalate_by", "escalated_at", "resolve_by", "unanswered_at", "acknowledged_at", "resolved_at", "services"}

// unindexedColumns are the positions in incidentColumns of the columns an
// UPDATE that keeps the indexed ones sets.
var unindexedColumns = func() []int {
	var pos []int
	for i, c := range incidentColumns[1:] {
		if !slices.Contains(incidentIndexed, c) {
			pos = append(pos, i+1)
		}
	}
	return pos
}()

var updateIncidentUnindexedSQL = func() string {
	set := make([]string, len(unindexedColumns))
	for i, p := range unindexedColumns {
		set[i] = incidentColumns[p] + " = ?"
	}
	return "UPDATE incidents SET " + strings.Join(set, ", ") + " WHERE number = ?"
}()

// indexedValues are an incident's values of the indexed columns, in
// incidentIndexed's order; equal when none differs.
type indexedValues [indexedCount]any

const indexedCount = 14

func indexedOf(inc *fireline.Incident) indexedValues {
	var v indexedValues
	for i, c := range incidentIndexed {
		v[i] = indexedValue(inc, c)
	}
	return v
}

// indexedValue is the value inc stores in indexed column c, comparable.
func indexedValue(inc *fireline.Incident, c string) any {
	switch c {
	case "severity":
		return inc.Severity
	case "status":
		return inc.Status
	case "declared_at":
		return micros(inc.DeclaredAt)
	case "restricted":
		return inc.Restricted
	case "title":
		return inc.Title
	case "description":
		return inc.Description
	case "respond_by":
		return micros(inc.RespondBy)
	case "escalate_by":
		return microsPtr(inc.EscalateBy)
	case "escalated_at":
		return microsPtr(inc.EscalatedAt)
	case "resolve_by":
		return micros(inc.ResolveBy)
	case "unanswered_at":
		return microsPtr(inc.UnansweredAt)
	case "acknowledged_at": // incidents_report_open_day (00022) and report_days' triggers (00019)
		return microsPtr(inc.AcknowledgedAt)
	case "resolved_at":
		return microsPtr(inc.ResolvedAt)
	case "services": // incidents_report_open_day (00022) and report_days' triggers (00019)
		return strings.Join(inc.Services, "\x00")
	}
	panic("sqlstore: no value for indexed incident column " + c)
}

func init() {
	if len(incidentIndexed) != indexedCount {
		panic("sqlstore: indexedCount is not len(incidentIndexed)")
	}
	indexedOf(&fireline.Incident{}) // every indexed column has its value
}

// visibleTo is the visibility rule in SQL, for an incidents table aliased
// i: unrestricted, or the actor is an admin, or the actor is a member. Its
// arguments come from visibleArgs.
const visibleTo = `(i.restricted = FALSE OR ? OR EXISTS (
	SELECT 1 FROM incident_members m WHERE m.incident_number = i.number AND m.person_id = ?))`

func visibleArgs(a fireline.Actor) []any {
	return []any{a.Role == fireline.RoleAdmin, a.PersonID}
}

// nextNumber takes the next value of a counter. The UPDATE locks the
// counter's row until commit, so concurrent transactions get distinct,
// contiguous numbers, and a rolled-back one gives its number back.
func nextNumber(ctx context.Context, tx *Tx, name string) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value", name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s number: %w", name, err)
	}
	return n, nil
}

func incidentValues(inc *fireline.Incident) ([]any, error) {
	services, err1 := json.Marshal(inc.Services)
	roles, err2 := json.Marshal(inc.Roles)
	members, err3 := json.Marshal(inc.Members)
	if err := firstError(err1, err2, err3); err != nil {
		return nil, err
	}
	return []any{
		inc.Number, inc.Title, string(inc.Severity), string(inc.Source), string(services), inc.Description, inc.Restricted,
		string(inc.Stage), string(inc.Status), inc.Impact, inc.Scope, microsPtr(inc.ETA), string(roles), string(members),
		inc.DeclaredBy, micros(inc.DeclaredAt), micros(inc.SeveritySetAt), microsPtr(inc.AcknowledgedAt), microsPtr(inc.EscalatedAt),
		microsPtr(inc.ResolvedAt), microsPtr(inc.ClosedAt), micros(inc.UpdatedAt), micros(inc.RespondBy), microsPtr(inc.EscalateBy), micros(inc.ResolveBy),
		inc.PolicyVersion, inc.EventCount, inc.HeadHash, microsPtr(inc.UnansweredAt),
	}, nil
}

func insertIncident(ctx context.Context, tx *Tx, inc *fireline.Incident) error {
	values, err := incidentValues(inc)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, insertIncidentSQL, values...); err != nil {
		return fmt.Errorf("insert %s: %w", inc.ID, err)
	}
	return nil
}

func updateIncident(ctx context.Context, tx *Tx, inc *fireline.Incident) error {
	return writeIncident(ctx, tx, inc, false)
}

// writeIncident updates inc's row; with unindexed, every column but the
// indexed ones, whose stored values must be inc's already.
func writeIncident(ctx context.Context, tx *Tx, inc *fireline.Incident, unindexed bool) error {
	args, err := incidentUpdateArgs(inc, unindexed)
	if err != nil {
		return err
	}
	q := updateIncidentSQL
	if unindexed {
		q = updateIncidentUnindexedSQL
	}
	id := inc.ID
	err = tx.execLater(ctx, q, func(n int64) error {
		if n != 1 {
			return fmt.Errorf("update %s: %d rows affected", id, n)
		}
		return nil
	}, args...)
	if err != nil {
		return fmt.Errorf("update %s: %w", id, err)
	}
	return nil
}

// incidentUpdateArgs are the arguments of updateIncidentSQL, or with
// unindexed of updateIncidentUnindexedSQL, for inc.
func incidentUpdateArgs(inc *fireline.Incident, unindexed bool) ([]any, error) {
	values, err := incidentValues(inc)
	if err != nil {
		return nil, err
	}
	if !unindexed {
		return append(values[1:], inc.Number), nil
	}
	args := make([]any, 0, len(unindexedColumns)+1)
	for _, p := range unindexedColumns {
		args = append(args, values[p])
	}
	return append(args, inc.Number), nil
}

// findIncident loads incident n if the actor may see it; lock also locks
// its row for the rest of the transaction on PostgreSQL.
func findIncident(ctx context.Context, tx *Tx, actor fireline.Actor, id string, n int64, lock bool) (*fireline.Incident, error) {
	q := selectIncident + " WHERE i.number = ? AND " + visibleTo
	if lock {
		q += tx.forUpdate()
	}
	inc, err := scanIncident(tx.queryRow(ctx, q, append([]any{n}, visibleArgs(actor)...)...))
	if err == sql.ErrNoRows {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	return inc, loadParts(ctx, tx, inc) // comms.go
}

type scanner interface{ Scan(dest ...any) error }

// withColumns scans the columns after a row's first ones into extra.
func withColumns(row scanner, extra ...any) scanner { return extraColumns{row, extra} }

type extraColumns struct {
	row   scanner
	extra []any
}

func (e extraColumns) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

func scanIncident(row scanner) (*fireline.Incident, error) {
	var (
		inc                                          fireline.Incident
		services, roles, members                     string
		declared, sevSet, updated, respond, resolve  int64
		eta, acked, escalated, resolved, closed, esc sql.NullInt64
		unanswered                                   sql.NullInt64
	)
	err := row.Scan(
		&inc.Number, &inc.Title, &inc.Severity, &inc.Source, &services, &inc.Description, &inc.Restricted,
		&inc.Stage, &inc.Status, &inc.Impact, &inc.Scope, &eta, &roles, &members,
		&inc.DeclaredBy, &declared, &sevSet, &acked, &escalated,
		&resolved, &closed, &updated, &respond, &esc, &resolve,
		&inc.PolicyVersion, &inc.EventCount, &inc.HeadHash, &unanswered,
	)
	if err != nil {
		return nil, err
	}
	if err := firstError(json.Unmarshal([]byte(services), &inc.Services), json.Unmarshal([]byte(roles), &inc.Roles),
		json.Unmarshal([]byte(members), &inc.Members)); err != nil {
		return nil, fmt.Errorf("incident %d: %w", inc.Number, err)
	}
	inc.ID = fireline.IncidentID(inc.Number)
	inc.ETA, inc.AcknowledgedAt, inc.EscalatedAt = instantPtr(eta), instantPtr(acked), instantPtr(escalated)
	inc.ResolvedAt, inc.ClosedAt, inc.EscalateBy = instantPtr(resolved), instantPtr(closed), instantPtr(esc)
	inc.DeclaredAt, inc.SeveritySetAt, inc.UpdatedAt = instant(declared), instant(sevSet), instant(updated)
	inc.RespondBy, inc.ResolveBy = instant(respond), instant(resolve)
	inc.UnansweredAt = instantPtr(unanswered)
	return &inc, nil
}

// finish readies an incident for callers: every instant in UTC, as it
// reads back from the database, and breaches as of now.
func finish(inc *fireline.Incident, now time.Time) *fireline.Incident {
	for _, t := range []*time.Time{&inc.DeclaredAt, &inc.SeveritySetAt, &inc.UpdatedAt, &inc.RespondBy, &inc.ResolveBy} {
		*t = t.UTC()
	}
	for _, t := range []**time.Time{&inc.ETA, &inc.AcknowledgedAt, &inc.EscalatedAt, &inc.ResolvedAt, &inc.ClosedAt, &inc.EscalateBy, &inc.UnansweredAt} {
		if *t != nil {
			u := (*t).UTC()
			*t = &u
		}
	}
	inc.Breaches = inc.BreachesAt(now)
	return inc
}

// syncSets brings the incident_members and incident_services rows, which
// the visibility rule and the service filter query, in line with the
// incident, given the members and services it had before.
func syncSets(ctx context.Context, tx *Tx, inc *fireline.Incident, members, services []string) error {
	if err := syncSet(ctx, tx, "incident_members", "person_id", inc.Number, members, inc.Members); err != nil {
		return err
	}
	return syncSet(ctx, tx, "incident_services", "service_id", inc.Number, services, inc.Services)
}

func syncSet(ctx context.Context, tx *Tx, table, column string, n int64, before, after []string) error {
	for _, v := range before {
		if !slices.Contains(after, v) {
			q := "DELETE FROM " + table + " WHERE incident_number = ? AND " + column + " = ?"
			if _, err := tx.exec(ctx, q, n, v); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
	}
	for _, v := range after {
		if !slices.Contains(before, v) {
			q := "INSERT INTO " + table + " (incident_number, " + column + ") VALUES (?, ?)"
			if _, err := tx.exec(ctx, q, n, v); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
	}
	return nil
}

const insertEventSQL = `INSERT INTO events (incident_number, seq, at, actor, type, data, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// insertEvent appends an event. No code path updates or deletes events;
// the database's triggers refuse both. It is the only way events are
// written, so it records the incident on the transaction, which publishes
// it after the commit (publish.go): every writer's events appear live.
//
// Several events of one incident, in order, go in one statement (intake
// appends a batch's events so on PostgreSQL). On intake's pipelined
// transaction the statement goes with the next round trip (execLater).
func insertEvent(ctx context.Context, tx *Tx, n int64, events ...*fireline.Event) error {
	if len(events) == 0 {
		return nil
	}
	tx.touch(n)
	if err := markReport(ctx, tx, n, events); err != nil {
		return err
	}
	e := events[0]
	if len(events) == 1 {
		err := tx.execLater(ctx, insertEventSQL, nil, n, e.Seq, micros(e.At), e.Actor, string(e.Type), string(e.Data), e.PrevHash, e.Hash)
		if err != nil {
			return fmt.Errorf("append event %d to %s: %w", e.Seq, e.Incident, err)
		}
		return nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO events (incident_number, seq, at, actor, type, data, prev_hash, hash) VALUES ")
	args := make([]any, 0, 8*len(events))
	for i, e := range events {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, n, e.Seq, micros(e.At), e.Actor, string(e.Type), string(e.Data), e.PrevHash, e.Hash)
	}
	if err := tx.execLater(ctx, q.String(), nil, args...); err != nil {
		return fmt.Errorf("append events %d to %d to %s: %w", e.Seq, events[len(events)-1].Seq, e.Incident, err)
	}
	return nil
}

// listEvents returns the events of incident n, if the actor may see it,
// in order; none when it may not.
func listEvents(ctx context.Context, tx *Tx, actor fireline.Actor, n int64) ([]*fireline.Event, error) {
	rows, err := tx.query(ctx, `SELECT e.seq, e.at, e.actor, e.type, e.data, e.prev_hash, e.hash
		FROM events e JOIN incidents i ON i.number = e.incident_number
		WHERE i.number = ? AND `+visibleTo+` ORDER BY e.seq`,
		append([]any{n}, visibleArgs(actor)...)...)
	if err != nil {
		return nil, err
	}
	events, err := scanEvents(rows, n) // timeline.go
	if len(events) == 0 {
		events = nil
	}
	return events, err
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
