package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/fireline-dev/fireline"
)

// Incident counts (docs/adr/0054). The plain counts are kept as incidents
// change: incident_counts holds them by severity, status and restriction
// (triggers of migration 00011 keep it; on PostgreSQL they append to
// incident_count_changes, which the read adds and foldCounts folds in). The
// unanswered and breached counts depend on now and are counted each time,
// through partial indexes that hold only the open incidents past a clock,
// or unanswered: the cost grows with those, not with every incident.
//
// Visibility: the counts of unrestricted incidents are everyone's; an
// admin adds the restricted ones; anyone else adds the restricted ones
// they are a member of, counted through the index of restricted incidents.

// foldAt is how many count changes a read leaves before folding them in.
const foldAt = 1000

// countsSQL reads the kept counts, with the changes not folded yet, and
// how many of those there are.
const countsSQL = `SELECT severity, status, restricted, SUM(n), SUM(k) FROM (
		SELECT severity, status, restricted, n, 0 AS k FROM incident_counts
		UNION ALL SELECT severity, status, restricted, delta, 1 FROM incident_count_changes
	) c GROUP BY severity, status, restricted`

// memberCountsSQL counts the restricted incidents a person is a member of.
const memberCountsSQL = `SELECT i.severity, i.status, COUNT(*) FROM incidents i
	WHERE i.restricted AND EXISTS (SELECT 1 FROM incident_members m WHERE m.incident_number = i.number AND m.person_id = ?)
	GROUP BY i.severity, i.status`

// dueCountsSQL counts the visible open incidents unanswered and past each
// clock not met, as of a given instant, each through its partial index
// (00011): the WHERE of each part is that index's. SQLite is told which
// (INDEXED BY): its planner, which keeps no histograms, would rather read
// every open incident through the status index than trust a range on a
// clock, and takes an empty partial index for a large one.
var dueCountsSQL = map[string]string{DialectSQLite: dueCountsQuery(true), DialectPostgres: dueCountsQuery(false)}

func dueCountsQuery(indexedBy bool) string {
	from := func(index string) string {
		if indexedBy {
			return "FROM incidents i INDEXED BY " + index
		}
		return "FROM incidents i"
	}
	return `SELECT 'unanswered', i.severity, 'triggered', COUNT(*) ` + from("incidents_unanswered") + `
		WHERE ` + unansweredSQL + ` AND ` + visibleTo + ` GROUP BY i.severity
	UNION ALL SELECT 'respond', i.severity, 'triggered', COUNT(*) ` + from("incidents_respond_due") + `
		WHERE i.status = 'triggered' AND i.respond_by < ? AND ` + visibleTo + ` GROUP BY i.severity
	UNION ALL SELECT 'escalate', i.severity, i.status, COUNT(*) ` + from("incidents_escalate_due") + `
		WHERE i.status IN ('triggered', 'acknowledged') AND i.escalated_at IS NULL AND i.escalate_by < ? AND ` + visibleTo + `
		GROUP BY i.severity, i.status
	UNION ALL SELECT 'resolve', i.severity, i.status, COUNT(*) ` + from("incidents_resolve_due") + `
		WHERE i.status IN ('triggered', 'acknowledged') AND i.resolve_by < ? AND ` + visibleTo + ` GROUP BY i.severity, i.status`
}

type countKey struct {
	severity fireline.Severity
	status   fireline.Status
}

// countIncidents counts the incidents the actor may see by severity and
// status, in that order, with their unanswered and breached counts as of
// the transaction's instant (less the clock tolerance). It also returns
// how many count changes wait to be folded in.
func countIncidents(ctx context.Context, tx *Tx, actor fireline.Actor) ([]fireline.IncidentCount, int64, error) {
	counts := map[countKey]*fireline.IncidentCount{}
	add := func(sev fireline.Severity, st fireline.Status, n int64) {
		k := countKey{sev, st}
		if counts[k] == nil {
			counts[k] = &fireline.IncidentCount{Severity: sev, Status: st}
		}
		counts[k].Count += n
	}
	pending, err := keptCounts(ctx, tx, actor.Role == fireline.RoleAdmin, add)
	if err != nil {
		return nil, 0, err
	}
	if actor.Role != fireline.RoleAdmin && actor.PersonID != "" {
		if err := memberCounts(ctx, tx, actor.PersonID, add); err != nil {
			return nil, 0, err
		}
	}
	out := []fireline.IncidentCount{}
	for _, c := range counts {
		if c.Count == 0 {
			continue
		}
		if c.Status.Open() {
			c.Breached = map[fireline.ClockName]int64{fireline.ClockRespond: 0, fireline.ClockEscalate: 0, fireline.ClockResolve: 0}
		}
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b fireline.IncidentCount) int {
		if c := strings.Compare(string(a.Severity), string(b.Severity)); c != 0 {
			return c
		}
		return strings.Compare(string(a.Status), string(b.Status))
	})
	if err := dueCounts(ctx, tx, actor, out); err != nil {
		return nil, 0, err
	}
	return out, pending, nil
}

// keptCounts adds the kept counts, the restricted ones only for an admin,
// and returns how many changes are not folded in yet.
func keptCounts(ctx context.Context, tx *Tx, admin bool, add func(fireline.Severity, fireline.Status, int64)) (int64, error) {
	rows, err := tx.query(ctx, countsSQL)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var pending int64
	for rows.Next() {
		var sev fireline.Severity
		var st fireline.Status
		var restricted bool
		var n, k int64
		if err := rows.Scan(&sev, &st, &restricted, &n, &k); err != nil {
			return 0, err
		}
		pending += k
		if !restricted || admin {
			add(sev, st, n)
		}
	}
	return pending, rows.Err()
}

// memberCounts adds the restricted incidents person is a member of.
func memberCounts(ctx context.Context, tx *Tx, person string, add func(fireline.Severity, fireline.Status, int64)) error {
	rows, err := tx.query(ctx, memberCountsSQL, person)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sev fireline.Severity
		var st fireline.Status
		var n int64
		if err := rows.Scan(&sev, &st, &n); err != nil {
			return err
		}
		add(sev, st, n)
	}
	return rows.Err()
}

// dueCounts sets the unanswered and breached counts of counts, which it
// finds by severity and status.
func dueCounts(ctx context.Context, tx *Tx, actor fireline.Actor, counts []fireline.IncidentCount) error {
	now := micros(tx.now.Add(-fireline.ClockTolerance))
	vis := visibleArgs(actor)
	args := append([]any{}, vis...)
	for range 3 {
		args = append(args, now)
		args = append(args, vis...)
	}
	rows, err := tx.query(ctx, dueCountsSQL[tx.db.dialect], args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var what string
		var k countKey
		var n int64
		if err := rows.Scan(&what, &k.severity, &k.status, &n); err != nil {
			return err
		}
		i := slices.IndexFunc(counts, func(c fireline.IncidentCount) bool { return c.Severity == k.severity && c.Status == k.status })
		if i < 0 {
			continue // counted after the counts were read (PostgreSQL reads each statement afresh)
		}
		if what == "unanswered" {
			counts[i].Unanswered += n
		} else if counts[i].Breached != nil {
			counts[i].Breached[fireline.ClockName(what)] += n
		}
	}
	return rows.Err()
}

// foldCounts moves the count changes appended so far into incident_counts,
// in one statement (PostgreSQL; SQLite appends none). A change committed
// meanwhile stays for the next fold; two folds at once lock the counts in
// the same order, and the second finds the first's changes gone.
func foldCounts(ctx context.Context, tx *Tx) error {
	if tx.db.dialect == DialectSQLite {
		return nil // SQLite's triggers count in place; it has no DML in WITH
	}
	_, err := tx.exec(ctx, `WITH moved AS (
			DELETE FROM incident_count_changes RETURNING severity, status, restricted, delta
		)
		INSERT INTO incident_counts AS c (severity, status, restricted, n)
		SELECT severity, status, restricted, SUM(delta) FROM moved
		GROUP BY severity, status, restricted ORDER BY severity, status, restricted
		ON CONFLICT (severity, status, restricted) DO UPDATE SET n = c.n + excluded.n`)
	return err
}
