package sqlstore

import (
	"context"
	"fmt"
	"slices"
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

// reportDay is a day's length in the stored unit; report_days keys its
// sums by the day of declaration, declared_at / reportDay (UTC).
const reportDay = int64(24 * time.Hour / time.Microsecond)

func (q reportQuery) fromDay() int64 { return micros(q.f.From) / reportDay }
func (q reportQuery) toDay() int64   { return micros(q.f.To) / reportDay } // exclusive: Validate ends To at a midnight

// keptSums are the kept sums' columns, in scanSums' order.
var keptSums = []string{"incidents", "acked", "ack_sum", "mitigated", "mitigate_sum", "resolved", "resolve_sum", "auto_resolved",
	"respond_met", "respond_missed", "escalate_met", "escalate_missed", "resolve_met", "resolve_missed"}

// reportDays is the kept sums, those folded in and the changes not yet
// (PostgreSQL's triggers append changes; SQLite's add up in place and
// leave report_day_changes empty).
var reportDays = func() string {
	cols := "day, severity, restricted, service, " + strings.Join(keptSums, ", ") +
		", reviews_due, reviews_on_time, reviews_late, items, items_done, items_done_age"
	return "(SELECT " + cols + " FROM report_days UNION ALL SELECT " + cols + " FROM report_day_changes) d"
}()

func sumOf(cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "CAST(COALESCE(SUM(d." + c + "), 0) AS BIGINT)"
	}
	return strings.Join(out, ", ")
}

// keptWhere selects the kept sums of the range the actor may count: of
// every incident (service ”), or of the filter's service, or with
// byService of each service.
func (q reportQuery) keptWhere(byService bool) (string, []any) {
	w := " WHERE d.day >= ? AND d.day < ? AND (d.restricted = FALSE OR ?)"
	args := []any{q.fromDay(), q.toDay(), q.admin}
	switch {
	case q.f.Service != "":
		w, args = w+" AND d.service = ?", append(args, q.f.Service)
	case byService:
		w += " AND d.service <> ''"
	default:
		w += " AND d.service = ''"
	}
	if q.f.Severity != "" {
		w, args = w+" AND d.severity = ?", append(args, string(q.f.Severity))
	}
	return w, args
}

// sums reads the kept sums by period and severity, or with bySeverity
// false by service, and adds the clocks missed by open incidents, which
// depend on now.
func (q reportQuery) sums(ctx context.Context, tx *Tx, bySeverity bool) ([]fireline.ReportSums, error) {
	where, args := q.keptWhere(!bySeverity)
	stmt := `SELECT -1, d.service, ` + sumOf(keptSums) + ` FROM ` + reportDays + where + ` GROUP BY d.service`
	if bySeverity {
		stmt = `SELECT (d.day - ?) / ?, d.severity, ` + sumOf(keptSums) + ` FROM ` + reportDays + where + ` GROUP BY 1, 2`
		args = append([]any{q.fromDay(), q.f.Step().Microseconds() / reportDay}, args...)
	}
	out, err := scanAllSums(ctx, tx, bySeverity, stmt, args)
	if err != nil {
		return nil, err
	}
	open, err := q.openMisses(ctx, tx, bySeverity)
	if err != nil {
		return nil, err
	}
	return mergeMisses(out, open), nil
}

func scanAllSums(ctx context.Context, tx *Tx, bySeverity bool, stmt string, args []any) ([]fireline.ReportSums, error) {
	rows, err := tx.query(ctx, stmt, args...)
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

// mergeMisses adds the open incidents' missed clocks to the kept sums of
// their group, or as a group of their own.
func mergeMisses(sums []fireline.ReportSums, open map[[2]string][3]int64) []fireline.ReportSums {
	for k, n := range open {
		i := slices.IndexFunc(sums, func(s fireline.ReportSums) bool {
			return strconv.Itoa(s.Period) == k[0] && (string(s.Severity) == k[1] || s.Service == k[1] && s.Service != "")
		})
		if i < 0 {
			continue // no kept sums: an open incident is always counted in them
		}
		for j, c := range fireline.ReportClocks {
			sums[i].Missed[c] += n[j]
		}
	}
	return sums
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

// reviews counts the covered incidents' reviews by outcome: the kept
// sums hold those approved; an unapproved one past its due date is late
// as of now (incident_reviews_unapproved, 00019).
func (q reportQuery) reviews(ctx context.Context, tx *Tx) (fireline.ReportReviews, error) {
	kw, kargs := q.keptWhere(false)
	var r fireline.ReportReviews
	err := tx.queryRow(ctx, `SELECT `+sumOf([]string{"reviews_due", "reviews_on_time", "reviews_late"})+` FROM `+reportDays+kw, kargs...).
		Scan(&r.Due, &r.OnTime, &r.Late)
	if err != nil {
		return r, err
	}
	where, wargs := q.where()
	var overdue int64
	// From the unapproved reviews past due, few, to their incidents: a
	// CROSS JOIN keeps SQLite's planner to that order.
	from := "FROM incident_reviews r CROSS JOIN incidents i"
	if tx.db.dialect == DialectSQLite {
		from = "FROM incident_reviews r INDEXED BY incident_reviews_unapproved CROSS JOIN incidents i"
	}
	err = tx.queryRow(ctx, `SELECT COUNT(*) `+from+where+` AND i.number = r.incident_number AND r.approved_at IS NULL AND r.due_at < ?`,
		append(wargs, q.now)...).Scan(&overdue)
	r.Late += overdue
	r.Pending = r.Due - r.OnTime - r.Late
	return r, err
}

// items sums the covered incidents' action items: created and done from
// the kept sums, the open ones' ages as of now from the open items.
func (q reportQuery) items(ctx context.Context, tx *Tx) (fireline.ReportItems, error) {
	kw, kargs := q.keptWhere(false)
	var it fireline.ReportItems
	var doneAge, openAge, oldest int64
	err := tx.queryRow(ctx, `SELECT `+sumOf([]string{"items", "items_done", "items_done_age"})+` FROM `+reportDays+kw, kargs...).
		Scan(&it.Created, &it.Done, &doneAge)
	if err != nil {
		return it, err
	}
	where, wargs := q.where()
	err = tx.queryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN a.deadline < ? THEN 1 ELSE 0 END), 0),
		CAST(COALESCE(SUM(? - a.created_at), 0) AS BIGINT), CAST(COALESCE(MAX(? - a.created_at), 0) AS BIGINT)
		FROM action_items a CROSS JOIN incidents i`+where+` AND i.number = a.incident_number AND a.status = 'open'`,
		append([]any{q.now, q.now, q.now}, wargs...)...).Scan(&it.Open, &it.Overdue, &openAge, &oldest)
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

// foldReportDays moves the kept sums' changes that PostgreSQL's triggers
// appended into report_days, as foldCounts does the counts' (SQLite's
// triggers add up in place). It empties the changes with TRUNCATE, not
// DELETE: deleted rows stay in the table until a vacuum, and every
// report reads the whole table (a seeded 100,000 incidents left the
// reports page at a second until then). The lock it takes holds writers
// of incidents for the fold's few milliseconds, every 10 minutes.
func foldReportDays(ctx context.Context, tx *Tx) error {
	if tx.db.dialect == DialectSQLite {
		return nil
	}
	cols := append(keptSums, "reviews_due", "reviews_on_time", "reviews_late", "items", "items_done", "items_done_age")
	sums, set := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		sums[i], set[i] = "SUM("+c+")", c+" = r."+c+" + excluded."+c
	}
	if _, err := tx.exec(ctx, "LOCK TABLE report_day_changes IN ACCESS EXCLUSIVE MODE"); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO report_days AS r (day, severity, restricted, service, `+strings.Join(cols, ", ")+`)
		SELECT day, severity, restricted, service, `+strings.Join(sums, ", ")+` FROM report_day_changes
		GROUP BY day, severity, restricted, service ORDER BY day, severity, restricted, service
		ON CONFLICT (day, severity, restricted, service) DO UPDATE SET `+strings.Join(set, ", ")); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "TRUNCATE report_day_changes")
	return err
}
