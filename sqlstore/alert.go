package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fireline-dev/fireline"
)

// AlertService implements fireline.AlertService: alert history.
type AlertService struct {
	db *DB
}

var _ fireline.AlertService = (*AlertService)(nil)

// NewAlertService returns the alert history over db.
func NewAlertService(db *DB) *AlertService { return &AlertService{db: db} }

const alertColumns = `a.id, a.integration_id, a.service, a.dedup_key, a.status, a.summary, a.source, a.severity,
	a.labels, a.annotations, a.url, a.details, a.incident_number, a.suppressed, a.count,
	a.starts_at, a.first_seen_at, a.last_seen_at, a.resolved_at`

// alertVisibleTo is the visibility rule for alerts (aliased a): an alert
// of an incident is visible when the incident is; an alert of no incident
// when it is not restricted, or to admins.
const alertVisibleTo = `((a.incident_number IS NULL AND (a.restricted = FALSE OR ?)) OR EXISTS (
	SELECT 1 FROM incidents i WHERE i.number = a.incident_number AND ` + visibleTo + `))`

func alertVisibleArgs(a fireline.Actor) []any {
	return append([]any{a.Role == fireline.RoleAdmin}, visibleArgs(a)...)
}

// FindAlerts lists visible alerts, newest first. EInvalid for a bad
// filter; EUnauthorized without an actor.
func (s *AlertService) FindAlerts(ctx context.Context, f fireline.AlertFilter) (*fireline.AlertPage, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	q, args, limit, err := buildAlertQuery(actor, f)
	if err != nil {
		return nil, err
	}
	// Repeats answered without a commit of their own are counted first
	// (intake_repeats.go), so that counts match what senders were told.
	if b := s.db.intake.Load(); b != nil {
		if err := b.repeatsWritten(ctx); err != nil {
			return nil, err
		}
	}
	page := &fireline.AlertPage{Alerts: []*fireline.Alert{}}
	err = s.db.readTx(ctx, "find alerts", func(tx *Tx) error {
		rows, err := tx.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				return err
			}
			page.Alerts = append(page.Alerts, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(page.Alerts) > limit {
		page.Alerts = page.Alerts[:limit]
		page.NextCursor = encodeCursor(page.Alerts[limit-1].ID)
	}
	return page, nil
}

func buildAlertQuery(actor fireline.Actor, f fireline.AlertFilter) (string, []any, int, error) {
	limit, before, err := checkPaging(fireline.IncidentFilter{Limit: f.Limit, Cursor: f.Cursor})
	if err != nil {
		return "", nil, 0, err
	}
	where, args := []string{alertVisibleTo}, alertVisibleArgs(actor)
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if before > 0 {
		add("a.id < ?", before)
	}
	if f.Service != "" {
		add("a.service = ?", f.Service)
	}
	if f.Integration != "" {
		add("(a.integration_id = ? OR a.integration_id IN (SELECT id FROM integrations WHERE name = ?))", f.Integration, f.Integration)
	}
	if f.Incident != "" {
		n, err := fireline.ParseIncidentID(f.Incident)
		if err != nil {
			return "", nil, 0, err
		}
		add("a.incident_number = ?", n)
	}
	for _, st := range f.Status {
		if !slices.Contains(fireline.AlertStatuses, st) {
			return "", nil, 0, &fireline.Error{Code: fireline.EInvalid, Message: "invalid filter", Fields: []fireline.FieldError{
				{Field: "status", Message: "unknown alert status " + strconv.Quote(string(st)) + "; want firing, acknowledged or resolved"}}}
		}
	}
	if len(f.Status) > 0 {
		add("a.status IN ("+placeholders(len(f.Status))+")", anys(f.Status)...)
	}
	q := "SELECT " + alertColumns + " FROM alerts a WHERE " + strings.Join(where, " AND ") + " ORDER BY a.id DESC LIMIT ?"
	return q, append(args, limit+1), limit, nil
}

func scanAlert(row scanner) (*fireline.Alert, error) {
	var a fireline.Alert
	var labels, annotations, details string
	var inc, starts, resolved sql.NullInt64
	var first, last int64
	err := row.Scan(&a.ID, &a.Integration, &a.Service, &a.DedupKey, &a.Status, &a.Summary, &a.Source, &a.Severity,
		&labels, &annotations, &a.URL, &details, &inc, &a.Suppressed, &a.Count, &starts, &first, &last, &resolved)
	if err != nil {
		return nil, err
	}
	if err := firstError(json.Unmarshal([]byte(labels), &a.Labels), json.Unmarshal([]byte(annotations), &a.Annotations)); err != nil {
		return nil, fmt.Errorf("alert %d: %w", a.ID, err)
	}
	if details != "" {
		a.Details = json.RawMessage(details)
	}
	if inc.Valid {
		a.Incident = fireline.IncidentID(inc.Int64)
	}
	a.StartsAt, a.ResolvedAt = instantPtr(starts), instantPtr(resolved)
	a.FirstSeenAt, a.LastSeenAt = instant(first), instant(last)
	return &a, nil
}

// openAlert is the open alert of an integration with a dedup key, as
// intake needs it; nil when there is none.
type openAlert struct {
	id       int64
	status   fireline.AlertStatus
	incident sql.NullInt64
	// pending is the row when this batch made it and has not inserted it
	// yet (intakeBatch.flushAlerts): changes to it are made in memory.
	pending *fireline.Alert
}

// findOpenAlertSQL seeks the unique index alerts_open_dedup on
// (dedup_key, integration_ref), the only index holding integration_ref
// (migration 00007), so no planner can take the per-integration history
// index instead.
const findOpenAlertSQL = `SELECT id, status, incident_number FROM alerts
		WHERE dedup_key = ? AND integration_ref = ? AND resolved_at IS NULL`

func findOpenAlert(ctx context.Context, tx *Tx, integration, key string) (*openAlert, error) {
	ref, err := tx.db.integrationRef(ctx, tx, integration)
	if err != nil {
		return nil, err
	}
	var a openAlert
	err = tx.queryRowCached(ctx, findOpenAlertSQL+tx.forUpdate(),
		key, ref).Scan(&a.id, &a.status, &a.incident)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return &a, err
}

// alertInsertColumns are the alerts columns intake writes, in
// appendAlertArgs order.
const alertInsertColumns = `id, integration_id, service, dedup_key, status, summary, source, severity,
		labels, annotations, url, details, incident_number, restricted, suppressed, count,
		starts_at, first_seen_at, last_seen_at, resolved_at, integration_ref`

const alertColumnCount = 21

// alertInsertChunks are the row counts of the multi-row inserts intake
// uses, largest first: a fixed few, so that each is a prepared statement
// (SQLite) or one entry of pgx's statement cache (PostgreSQL).
var alertInsertChunks = []int{256, 64, 16, 4, 1}

// insertAlertsSQL holds, by row count, the statement inserting that many
// alert rows with their ids.
var insertAlertsSQL = func() map[int]string {
	m := map[int]string{}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", alertColumnCount), ", ") + ")"
	for _, k := range alertInsertChunks {
		m[k] = "INSERT INTO alerts (" + alertInsertColumns + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", k), ", ")
	}
	return m
}()

// appendAlertArgs appends a's column values in alertInsertColumns order;
// ref is its integration's ref, labels and annotations are a's as stored
// (labelsJSON).
func appendAlertArgs(args []any, a *fireline.Alert, ref int64, restricted bool, labels, annotations string) []any {
	return append(args, a.ID, a.Integration, a.Service, a.DedupKey, string(a.Status), a.Summary, a.Source, string(a.Severity),
		labels, annotations, a.URL, string(a.Details), alertIncident(a), restricted, a.Suppressed, a.Count,
		microsPtr(a.StartsAt), micros(a.FirstSeenAt), micros(a.LastSeenAt), microsPtr(a.ResolvedAt), ref)
}

// labelsJSON is how an alert's labels and annotations are stored.
func labelsJSON(labels, annotations map[string]string) (string, string, error) {
	l, err1 := json.Marshal(nonNil(labels))
	n, err2 := json.Marshal(nonNil(annotations))
	return string(l), string(n), firstError(err1, err2)
}

// alertIncident is the incident_number column of an alert.
func alertIncident(a *fireline.Alert) sql.NullInt64 {
	if a.Incident == "" {
		return sql.NullInt64{}
	}
	n, _ := fireline.ParseIncidentID(a.Incident)
	return sql.NullInt64{Int64: n, Valid: true}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
