package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/sqlstore"
)

// seedRowsSQL writes n incidents straight into the table (no events: for
// plans only): the older half resolved or closed, the newer half open,
// one in a hundred restricted, clocks far ahead (escalate-by for P1 and
// P2), the newest ten unanswered.
const seedRowsSQL = `INSERT INTO incidents (number, title, severity, source, services, description, restricted, stage, status,
		impact, scope, roles, members, declared_by, declared_at, severity_set_at, updated_at, respond_by, resolve_by,
		escalate_by, unanswered_at, policy_version, event_count, head_hash)
	SELECT n, 'Incident ' || n, CASE n % 4 WHEN 0 THEN 'P1' WHEN 1 THEN 'P2' WHEN 2 THEN 'P3' ELSE 'P4' END, 'on_call', '[]',
		'latency in region ' || (n % 50), n % 100 = 0, 'detection',
		CASE WHEN n > 10000 THEN 'triggered' WHEN n % 2 = 0 THEN 'resolved' ELSE 'closed' END,
		'', '', '[]', '[]', 'seed', n, n, n, n + 4000000000000000, n + 4000000000000000,
		CASE WHEN n % 4 < 2 THEN n + 4000000000000000 END, CASE WHEN n > 19990 THEN n END, 'v', 0, ''`

// TestListsStopAtTheirPage: the lists walk a partial index newest first
// and stop at their page, whatever the newest incidents' status (the
// closed list when the newest 10,000 are open): on PostgreSQL with the
// statistics the store gathers once the incidents grew
// (RefreshStatistics), on SQLite, which keeps none, told so; search goes through the full-text index, the counts through the
// partial indexes of open incidents past a clock, a member's restricted
// count through the index of restricted incidents, and the incident
// page's summary through the summary index. Plans, not times.
func TestListsStopAtTheirPage(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		db := raw(t, dsn)
		pg := strings.HasPrefix(dsn, "postgres")
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		from := " FROM (WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000) SELECT n FROM g) g"
		if pg {
			from = " FROM generate_series(1, 20000) g(n)"
		}
		if _, err := conn.ExecContext(ctx, seedRowsSQL+from); err != nil {
			t.Fatal(err)
		}
		if pg { // report this connection's changes to the statistics now, not within seconds
			for _, q := range []string{"SELECT pg_stat_force_next_flush()", "SELECT 1"} {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
		}
		analyzed, err := e.db.RefreshStatistics(ctx)
		if err != nil || pg != slices.Contains(analyzed, "incidents") {
			t.Fatalf("refreshing statistics after 20,000 new incidents analyzed %v (%v)", analyzed, err)
		}
		if again, err := e.db.RefreshStatistics(ctx); err != nil || slices.Contains(again, "incidents") {
			t.Fatalf("refreshing again analyzed %v (%v)", again, err)
		}

		dialect := e.db.Dialect()
		yes, no := true, false
		viewer := fireline.Actor{Role: fireline.RoleViewer, PersonID: "blake"}
		for _, c := range []struct {
			name   string
			f      fireline.IncidentFilter
			sqlite string
			pg     string
		}{
			{"closed, newest 10", fireline.IncidentFilter{Open: &no, Limit: 10}, "incidents_closed", "incidents_closed"},
			{"closed statuses", fireline.IncidentFilter{Status: []fireline.Status{fireline.StatusResolved, fireline.StatusClosed}, Limit: 10}, "incidents_closed", "incidents_closed"},
			{"open", fireline.IncidentFilter{Open: &yes}, "incidents_open", "incidents_open"},
			{"open P1", fireline.IncidentFilter{Open: &yes, Severity: []fireline.Severity{fireline.P1}, Limit: 10}, "incidents_open_severity", "incidents_open"},
			{"search", fireline.IncidentFilter{Text: "region 7"}, "VIRTUAL TABLE", ""},
			{"unanswered", fireline.IncidentFilter{Unanswered: true}, "incidents_unanswered", ""},
		} {
			q, args, err := sqlstore.ListSQL(viewer, c.f, dialect)
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, db, pg, q, args...)
			want := c.sqlite
			if pg {
				want = c.pg
			}
			// (want "": PostgreSQL may find and sort a search's few
			// matches, as its statistics say.)
			if strings.Contains(plan, "Seq Scan on incidents") || (want != "" && (!strings.Contains(plan, want) ||
				strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort"))) {
				t.Errorf("%s: want %s walked in order, got:\n%s", c.name, want, plan)
			}
		}
		now := start.UnixMicro()
		due := explain(t, db, pg, sqlstore.DueCountsSQL[dialect], false, "blake", now, false, "blake", now, false, "blake", now, false, "blake")
		for _, index := range []string{"incidents_unanswered", "incidents_respond_due", "incidents_escalate_due", "incidents_resolve_due"} {
			if !strings.Contains(due, index) {
				t.Errorf("the unanswered and breached counts do not use %s:\n%s", index, due)
			}
		}
		// (PostgreSQL counts from the members when it knows them few.)
		if plan := explain(t, db, pg, sqlstore.MemberCountsSQL, "blake"); !pg && !strings.Contains(plan, "incidents_restricted") {
			t.Errorf("a member's count of restricted incidents:\n%s", plan)
		}
		if !pg {
			q := "SELECT e.seq FROM events e WHERE e.incident_number = ? AND " + sqlstore.SummaryTypesSQL + " ORDER BY e.seq DESC LIMIT 1001"
			if plan := explain(t, db, pg, q, 1); !strings.Contains(plan, "events_summary") {
				t.Errorf("the incident page's summary:\n%s", plan)
			}
		}
	})
}

// explain returns a query's plan as text; the query's ? placeholders
// become $1, $2, ... on PostgreSQL.
func explain(t *testing.T, db *sql.DB, pg bool, q string, args ...any) string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if pg {
		prefix = "EXPLAIN "
		var b strings.Builder
		n := 0
		for _, r := range q {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		q = b.String()
	}
	rows, err := db.Query(prefix+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(fmt.Sprint(vals[len(vals)-1]) + "\n")
	}
	return plan.String()
}
