package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
)

// The live part of a report: open incidents past a clock they have not
// met, undecided in the kept sums, missed as of now. Both groupings read
// only open incidents through incidents_report_open_day (00022), whose
// first column is the day of declaration: grouped by day and severity the
// index order is the groups' order, so SQLite streams them instead of
// sorting every open incident (the CSV by day over 100,000 incidents spent
// most of its time there); the days are folded into periods here. By
// service, the incidents' services column (in the index) groups them
// without a lookup in incident_services per incident, and each group is
// split into its services here.

// reportDayExpr is the day of declaration as the index has it.
var reportDayExpr = "i.declared_at / " + strconv.FormatInt(reportDay, 10)

// openMissSQL counts, per group (day and severity; services; or the
// filter's service), the open incidents past each clock.
func (q reportQuery) openMissSQL(bySeverity bool, dialect string) (string, []any) {
	where, wargs := q.where()
	from := "FROM incidents i"
	if dialect == DialectSQLite {
		// Named, as in counts.go: SQLite's planner, without statistics,
		// would read every open incident through the status index.
		from += " INDEXED BY incidents_report_open_day"
	}
	missed := func(cond string) string {
		return "SUM(CASE WHEN " + cond + " + " + tolerance + " < ? THEN 1 ELSE 0 END)"
	}
	cols := missed("i.acknowledged_at IS NULL AND i.respond_by") + ", " + missed("i.escalated_at IS NULL AND i.escalate_by") + ", " + missed("i.resolve_by")
	args := []any{q.now, q.now, q.now}
	where += " AND i.status IN ('triggered', 'acknowledged') AND " + reportDayExpr + " >= ? AND " + reportDayExpr + " < ?"
	wargs = append(wargs, q.fromDay(), q.toDay())
	switch {
	case bySeverity:
		return `SELECT ` + reportDayExpr + `, i.severity, ` + cols + ` ` + from + where + ` GROUP BY 1, 2`, append(args, wargs...)
	case q.f.Service != "":
		return `SELECT -1, ?, ` + cols + ` ` + from + where, append(append([]any{q.f.Service}, args...), wargs...)
	}
	return `SELECT -1, i.services, ` + cols + ` ` + from + where + ` AND i.services NOT IN ('[]', 'null') GROUP BY 2`, append(args, wargs...)
}

// openMisses reads openMissSQL's counts: per group (period and severity,
// or -1 and a service), respond, escalate and resolve missed.
func (q reportQuery) openMisses(ctx context.Context, tx *Tx, bySeverity bool) (map[[2]string][3]int64, error) {
	stmt, args := q.openMissSQL(bySeverity, tx.db.dialect)
	rows, err := tx.query(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]string][3]int64{}
	for rows.Next() {
		var first int64
		var key string
		var n [3]sql.NullInt64
		if err := rows.Scan(&first, &key, &n[0], &n[1], &n[2]); err != nil {
			return nil, err
		}
		keys, err := q.missKeys(bySeverity, first, key)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			sum := out[k]
			for j := range sum {
				sum[j] += n[j].Int64
			}
			out[k] = sum
		}
	}
	return out, rows.Err()
}

// missKeys are the groups a row of openMissSQL counts in: by severity,
// the period of its day; by the incidents' services, each of them.
func (q reportQuery) missKeys(bySeverity bool, first int64, key string) ([][2]string, error) {
	switch {
	case bySeverity:
		period := (first - q.fromDay()) / (q.f.Step().Microseconds() / reportDay)
		return [][2]string{{strconv.FormatInt(period, 10), key}}, nil
	case q.f.Service != "":
		return [][2]string{{"-1", key}}, nil
	}
	var services []string
	if err := json.Unmarshal([]byte(key), &services); err != nil {
		return nil, err
	}
	keys := make([][2]string, len(services))
	for i, s := range services {
		keys[i] = [2]string{"-1", s}
	}
	return keys, nil
}
