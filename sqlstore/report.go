package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// Reports (docs/reports.md, ADR 0063): sums over indexed columns, in one
// snapshot. The incidents a report covers are read from incidents_report
// (migration 00019), which holds every column the sums read, so the
// incidents' rows are never visited; the domain folds the sums into
// figures (fireline.BuildReport).
//
// Visibility: restricted incidents, and their reviews, items and alerts,
// are counted for admins only. A member of a restricted incident sees it
// on its own page, but a report is one set of figures for everyone of a
// role: summing each viewer's memberships would need the timeline's
// membership per row and make two viewers' reports disagree.

// ReportService reads reports.
type ReportService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.ReportService = (*ReportService)(nil)

// NewReportService returns the report service on db.
func NewReportService(db *DB, p *fireline.Policy) *ReportService {
	return &ReportService{db: db, policy: p}
}

// Report reads the report the filter selects, as the actor may see it.
// EInvalid for a bad filter.
func (s *ReportService) Report(ctx context.Context, f fireline.ReportFilter) (*fireline.Report, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var rep *fireline.Report
	err = s.db.snapshotTx(ctx, "report", func(tx *Tx) error {
		f, err := f.Validate(s.policy, tx.now)
		if err != nil {
			return err
		}
		in, err := readReport(ctx, tx, f, actor.Role == fireline.RoleAdmin)
		if err != nil {
			return err
		}
		rep = s.policy.BuildReport(in, tx.now)
		return nil
	})
	return rep, err
}

func readReport(ctx context.Context, tx *Tx, f fireline.ReportFilter, admin bool) (fireline.ReportInput, error) {
	in := fireline.ReportInput{Filter: f, Restricted: admin}
	q := reportQuery{f: f, admin: admin, now: micros(tx.now)}
	var err error
	if in.BySeverity, err = q.sums(ctx, tx, true); err != nil {
		return in, fmt.Errorf("report by severity: %w", err)
	}
	if in.ByService, err = q.sums(ctx, tx, false); err != nil {
		return in, fmt.Errorf("report by service: %w", err)
	}
	if in.Reviews, err = q.reviews(ctx, tx); err != nil {
		return in, fmt.Errorf("report reviews: %w", err)
	}
	if in.Items, err = q.items(ctx, tx); err != nil {
		return in, fmt.Errorf("report action items: %w", err)
	}
	if in.Noise, err = q.noise(ctx, tx); err != nil {
		return in, fmt.Errorf("report alert noise: %w", err)
	}
	return in, nil
}

// reportQuery builds a report's statements and their arguments.
type reportQuery struct {
	f     fireline.ReportFilter
	admin bool
	now   int64
}

// where selects the covered incidents (aliased i) and returns its
// arguments.
func (q reportQuery) where() (string, []any) {
	w := ` WHERE i.declared_at >= ? AND i.declared_at < ? AND (i.restricted = FALSE OR ?)`
	args := []any{micros(q.f.From), micros(q.f.To), q.admin}
	if q.f.Severity != "" {
		w += ` AND i.severity = ?`
		args = append(args, string(q.f.Severity))
	}
	if q.f.Service != "" {
		w += ` AND EXISTS (SELECT 1 FROM incident_services fs WHERE fs.incident_number = i.number AND fs.service_id = ?)`
		args = append(args, q.f.Service)
	}
	return w, args
}

// tolerance is fireline.ClockTolerance in the stored unit (microseconds):
// a clock met within it of its due instant is met, as its breach event
// says.
var tolerance = strconv.FormatInt(fireline.ClockTolerance.Microseconds(), 10)

// clockSums are the met and missed counts of one clock that ends at end
// (the first of its columns that is set) and falls due at due.
func clockSums(end, due string) string {
	return `SUM(CASE WHEN COALESCE(` + end + `) <= ` + due + ` + ` + tolerance + ` THEN 1 ELSE 0 END),
		SUM(CASE WHEN COALESCE(` + end + `, ?) > ` + due + ` + ` + tolerance + ` THEN 1 ELSE 0 END)`
}

// sumColumns are the sums of a group of incidents, in scanSums' order.
var sumColumns = `COUNT(*),
	COUNT(i.acknowledged_at), CAST(COALESCE(SUM(i.acknowledged_at - i.declared_at), 0) AS BIGINT),
	COUNT(i.mitigated_at), CAST(COALESCE(SUM(i.mitigated_at - i.declared_at), 0) AS BIGINT),
	COUNT(i.resolved_at), CAST(COALESCE(SUM(i.resolved_at - i.declared_at), 0) AS BIGINT),
	SUM(CASE WHEN i.resolved_at IS NOT NULL AND i.human_at IS NULL THEN 1 ELSE 0 END),
	` + clockSums("i.acknowledged_at, i.resolved_at", "i.respond_by") + `,
	` + clockSums("i.escalated_at, i.resolved_at", "i.escalate_by") + `,
	` + clockSums("i.resolved_at, NULL", "i.resolve_by")

// sums reads the covered incidents' sums by period and severity, or
// with bySeverity false by service.
func (q reportQuery) sums(ctx context.Context, tx *Tx, bySeverity bool) ([]fireline.ReportSums, error) {
	where, wargs := q.where()
	args := []any{q.now, q.now, q.now}
	var stmt string
	if bySeverity {
		stmt = `SELECT (i.declared_at - ?) / ?, i.severity, ` + sumColumns + ` FROM incidents i` + where + ` GROUP BY 1, 2`
		args = append([]any{micros(q.f.From), q.f.Step().Microseconds()}, args...)
	} else {
		stmt = `SELECT -1, s.service_id, ` + sumColumns + ` FROM incidents i
			JOIN incident_services s ON s.incident_number = i.number` + where + ` GROUP BY s.service_id`
	}
	rows, err := tx.query(ctx, stmt, append(args, wargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fireline.ReportSums
	for rows.Next() {
		s, err := scanSums(rows, bySeverity)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func scanSums(rows interface{ Scan(...any) error }, bySeverity bool) (fireline.ReportSums, error) {
	var s fireline.ReportSums
	var key string
	var ack, mit, res int64
	met, missed := make([]int64, 3), make([]int64, 3)
	err := rows.Scan(&s.Period, &key, &s.Incidents, &s.Acknowledged, &ack, &s.Mitigated, &mit, &s.Resolved, &res, &s.AutoResolved,
		&met[0], &missed[0], &met[1], &missed[1], &met[2], &missed[2])
	if bySeverity {
		s.Severity = fireline.Severity(key)
	} else {
		s.Service = key
	}
	s.AckSum, s.MitigateSum, s.ResolveSum = time.Duration(ack)*time.Microsecond, time.Duration(mit)*time.Microsecond, time.Duration(res)*time.Microsecond
	s.Met, s.Missed = map[fireline.ClockName]int64{}, map[fireline.ClockName]int64{}
	for i, c := range fireline.ReportClocks {
		s.Met[c], s.Missed[c] = met[i], missed[i]
	}
	return s, err
}

// reviews counts the covered incidents' reviews by outcome.
func (q reportQuery) reviews(ctx context.Context, tx *Tx) (fireline.ReportReviews, error) {
	where, wargs := q.where()
	var r fireline.ReportReviews
	err := tx.queryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN r.approved_at <= r.due_at THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN r.approved_at > r.due_at OR (r.approved_at IS NULL AND r.due_at < ?) THEN 1 ELSE 0 END), 0)
		FROM incident_reviews r JOIN incidents i ON i.number = r.incident_number`+where+` AND r.due_at IS NOT NULL`,
		append([]any{q.now}, wargs...)...).Scan(&r.Due, &r.OnTime, &r.Late)
	r.Pending = r.Due - r.OnTime - r.Late
	return r, err
}

// items sums the covered incidents' action items.
func (q reportQuery) items(ctx context.Context, tx *Tx) (fireline.ReportItems, error) {
	where, wargs := q.where()
	var it fireline.ReportItems
	var doneAge, openAge, oldest int64
	err := tx.queryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN a.status = 'done' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'open' AND a.deadline < ? THEN 1 ELSE 0 END), 0),
		CAST(COALESCE(SUM(CASE WHEN a.status = 'done' THEN a.closed_at - a.created_at ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN a.status = 'open' THEN ? - a.created_at ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(MAX(CASE WHEN a.status = 'open' THEN ? - a.created_at END), 0) AS BIGINT)
		FROM action_items a JOIN incidents i ON i.number = a.incident_number`+where,
		append([]any{q.now, q.now, q.now}, wargs...)...).Scan(&it.Created, &it.Done, &it.Overdue, &doneAge, &openAge, &oldest)
	it.Open = it.Created - it.Done
	it.DoneAgeSum, it.OpenAgeSum, it.OldestOpen = time.Duration(doneAge)*time.Microsecond, time.Duration(openAge)*time.Microsecond, time.Duration(oldest)*time.Microsecond
	return it, err
}

// alertWhere selects the range's alerts (aliased a) the actor may count.
func (q reportQuery) alertWhere() (string, []any) {
	w := []string{"a.first_seen_at >= ?", "a.first_seen_at < ?", "(a.restricted = FALSE OR ?)"}
	args := []any{micros(q.f.From), micros(q.f.To), q.admin}
	if q.f.Service != "" {
		w, args = append(w, "a.service = ?"), append(args, q.f.Service)
	}
	if q.f.Severity != "" {
		w, args = append(w, "a.severity = ?"), append(args, string(q.f.Severity))
	}
	return " WHERE " + strings.Join(w, " AND "), args
}

// noise counts the range's alerts and names the noisiest rules.
func (q reportQuery) noise(ctx context.Context, tx *Tx) (fireline.ReportNoise, error) {
	where, args := q.alertWhere()
	var n fireline.ReportNoise
	if err := tx.queryRow(ctx, `SELECT COUNT(*), COUNT(a.incident_number) FROM alerts a`+where, args...).Scan(&n.Alerts, &n.Attached); err != nil {
		return n, err
	}
	rows, err := tx.query(ctx, `SELECT a.service, a.summary, COUNT(*), COUNT(DISTINCT a.incident_number),
		SUM(CASE WHEN a.suppressed THEN 1 ELSE 0 END) FROM alerts a`+where+`
		GROUP BY a.service, a.summary ORDER BY 3 DESC, 1, 2 LIMIT `+strconv.Itoa(fireline.TopNoisyRules), args...)
	if err != nil {
		return n, err
	}
	defer rows.Close()
	n.TopRules = []fireline.NoisyRule{}
	for rows.Next() {
		var r fireline.NoisyRule
		if err := rows.Scan(&r.Service, &r.Summary, &r.Alerts, &r.Incidents, &r.Suppressed); err != nil {
			return n, err
		}
		n.TopRules = append(n.TopRules, r)
	}
	return n, rows.Err()
}

// markReport records on incident n's row what a report needs of the
// events appended: its first mitigation step and the first act of a
// person (fireline.ReportMarks), each once.
func markReport(ctx context.Context, tx *Tx, n int64, events []*fireline.Event) error {
	mitigated, human := fireline.ReportMarks(events)
	if mitigated != nil {
		if _, err := tx.exec(ctx, "UPDATE incidents SET mitigated_at = ? WHERE number = ? AND mitigated_at IS NULL", micros(*mitigated), n); err != nil {
			return fmt.Errorf("mark mitigation: %w", err)
		}
	}
	if human != nil {
		if _, err := tx.exec(ctx, "UPDATE incidents SET human_at = ? WHERE number = ? AND human_at IS NULL", micros(*human), n); err != nil {
			return fmt.Errorf("mark human act: %w", err)
		}
	}
	return nil
}
