package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestSearchIndexFollowsEdits: text search goes through an index
// (docs/adr/0054) and finds what it found before: substrings of the title
// and description in any case, text shorter than a trigram too, quotes
// and LIKE's wildcards literally, the new title after an edit and not the
// old one, a page at a time, and never a restricted incident the reader
// may not see.
func TestSearchIndexFollowsEdits(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		e.declare(t, alex, fireline.DeclareInput{Title: "Checkout latency", Description: `said "slow" at 99%`})        // 1
		e.declare(t, alex, fireline.DeclareInput{Title: "DB failover", Description: "replica lag"})                    // 2
		e.declare(t, alex, fireline.DeclareInput{Title: "Checkout latency again", Source: fireline.SourceSecurity})    // 3, restricted; blake is no member
		e.declare(t, alex, fireline.DeclareInput{Title: "Queue backlog", Description: "checkout LATENCY spills over"}) // 4
		e.act(t, alex, "INC-2", fireline.Action{Kind: fireline.ActUpdate, Update: fireline.UpdatedData{Title: ptr("Primary database failover")}})
		for _, c := range []struct {
			text string
			as   fireline.Actor
			want []int64
		}{
			{"latency", blake, []int64{4, 1}},
			{"latency", admin, []int64{4, 3, 1}},
			{"CHECKOUT LAT", blake, []int64{4, 1}},
			{"tency ag", blake, nil},
			{"tency ag", admin, []int64{3}},
			{`"slow"`, blake, []int64{1}},
			{"99%", blake, []int64{1}},
			{"9_%", blake, nil},
			{"OV", blake, []int64{4, 2}}, // shorter than a trigram
			{"db failover", blake, nil},
			{"primary data", blake, []int64{2}},
			{"lag", blake, []int64{2}},
		} {
			page, err := e.incidents.FindIncidents(as(c.as), fireline.IncidentFilter{Text: c.text})
			if err != nil {
				t.Fatalf("search %q: %v", c.text, err)
			}
			if got := numbers(page.Incidents); !equal(got, append([]int64{}, c.want...)) {
				t.Errorf("search %q as %s: got %v, want %v", c.text, c.as.PersonID, got, c.want)
			}
		}
		// A page at a time, newest first, with other filters.
		var got []int64
		f := fireline.IncidentFilter{Text: "checkout", Limit: 1, Severity: []fireline.Severity{fireline.P2}}
		for range 5 {
			page, err := e.incidents.FindIncidents(as(admin), f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, numbers(page.Incidents)...)
			if f.Cursor = page.NextCursor; f.Cursor == "" {
				break
			}
		}
		if !equal(got, []int64{4, 3, 1}) {
			t.Errorf("paged search: %v", got)
		}
		checkSearchIndex(t, dsn)
	})
}

// checkSearchIndex checks that the index holds what the incidents hold:
// SQLite's integrity check of the full-text index against its content,
// and on PostgreSQL that the search's LIKE can use the trigram indexes.
func checkSearchIndex(t *testing.T, dsn string) {
	t.Helper()
	db := raw(t, dsn)
	if !strings.HasPrefix(dsn, "postgres") {
		if _, err := db.Exec("INSERT INTO incidents_text (incidents_text, rank) VALUES ('integrity-check', 1)"); err != nil {
			t.Fatalf("the full-text index differs from the incidents: %v", err)
		}
		return
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, `EXPLAIN SELECT number FROM incidents i WHERE LOWER(i.title) LIKE '%latency%' OR LOWER(i.description) LIKE '%latency%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		rows.Scan(&line)
		plan.WriteString(line + "\n")
	}
	for _, index := range []string{"incidents_title_trgm", "incidents_description_trgm"} {
		if !strings.Contains(plan.String(), index) {
			t.Errorf("the search does not use %s:\n%s", index, plan.String())
		}
	}
}

func ptr[T any](v T) *T { return &v }
