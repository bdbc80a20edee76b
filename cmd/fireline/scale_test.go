package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// seed declares incidents through the store's own code, in one
// transaction (as an admin automation: a member of none).
func (s *testServer) seed(t *testing.T, seeds ...sqlstore.Seed) []*fireline.Incident {
	t.Helper()
	incs, err := sqlstore.NewIncidentService(s.db, policy.Default()).SeedIncidents(asAdmin(), seeds)
	if err != nil {
		t.Fatal(err)
	}
	return incs
}

// TestSearchAndCountsHideRestricted: search and counts go through an index
// and kept counts now (docs/adr/0054) and still never reveal a restricted
// incident to someone who may not see it. A restricted canary shares a
// word with an ordinary incident: a viewer's search (API, CLI, console)
// finds only the ordinary one, and the viewer's incident-counts and
// /metrics count only it, through its status changes too; an admin sees
// both; once the viewer is made a member, the canary is theirs to find and
// count.
func TestSearchAndCountsHideRestricted(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		incs := s.seed(t,
			sqlstore.Seed{Declare: fireline.DeclareInput{Title: "Zebra crossing outage", Severity: fireline.P1}},
			sqlstore.Seed{Declare: fireline.DeclareInput{Title: "Canary: zebra keys leaked", Severity: fireline.P1, Source: fireline.SourceSecurity,
				Description: "exfiltration of the zebra vault"}})
		public, canary := incs[0], incs[1]
		if !canary.Restricted || public.Restricted {
			t.Fatalf("restricted: canary %v, public %v", canary.Restricted, public.Restricted)
		}
		viewer := s.newToken(t, "viewer", "jordan")
		robot := s.newToken(t, "viewer", "") // an automation: no person, a member of nothing
		cookie := s.session(t, "viewer", "jordan")

		check := func(step string, token string, wantCanary bool, wantP1 map[string]string) {
			t.Helper()
			for _, q := range []string{"zebra", "ZEBRA", "canary", "vault", "ze"} {
				code, _, body := s.request(t, "GET", "/api/v1/incidents?q="+url.QueryEscape(q), token, "")
				if code != http.StatusOK {
					t.Fatalf("%s: search %q: %d %s", step, q, code, body)
				}
				found := strings.Contains(string(body), canary.ID)
				if found != wantCanary {
					t.Errorf("%s: search %q finds the canary: %v, want %v", step, q, found, wantCanary)
				}
				if strings.Contains(q, "ebr") && !strings.Contains(string(body), public.ID) {
					t.Errorf("%s: search %q misses %s", step, q, public.ID)
				}
			}
			var counts struct {
				Counts []fireline.IncidentCount `json:"counts"`
			}
			code, _, body := s.request(t, "GET", "/api/v1/incident-counts", token, "")
			if code != http.StatusOK || json.Unmarshal(body, &counts) != nil {
				t.Fatalf("%s: incident-counts: %d %s", step, code, body)
			}
			got := map[string]string{"triggered": "0", "resolved": "0"}
			for _, c := range counts.Counts {
				if c.Severity == fireline.P1 {
					got[string(c.Status)] = strconv.FormatInt(c.Count, 10)
				}
			}
			_, _, metrics := s.request(t, "GET", "/metrics", token, "")
			for status, want := range wantP1 {
				if got[status] != want {
					t.Errorf("%s: incident-counts P1 %s = %q, want %s (%s)", step, status, got[status], want, body)
				}
				if m := metricValue(string(metrics), `fireline_incidents{severity="P1",status="`+status+`"}`); m != want {
					t.Errorf("%s: /metrics P1 %s = %s, want %s", step, status, m, want)
				}
			}
		}
		check("viewer", viewer, false, map[string]string{"triggered": "1", "resolved": "0"})
		check("automation", robot, false, map[string]string{"triggered": "1", "resolved": "0"})
		check("admin", adminSecret, true, map[string]string{"triggered": "2", "resolved": "0"})
		if out := s.mustCLI(t, viewer, "incident", "list", "--query", "zebra"); strings.Contains(out, canary.ID) || !strings.Contains(out, public.ID) {
			t.Errorf("incident list --q zebra as the viewer:\n%s", out)
		}
		if page := consolePage(t, s, "/incidents?q=zebra", cookie); strings.Contains(page, canary.ID) || !strings.Contains(page, public.ID) {
			t.Errorf("the console's search shows the canary to the viewer")
		}

		s.mustCLI(t, adminSecret, "incident", "resolve", canary.ID)
		check("viewer, canary resolved", viewer, false, map[string]string{"triggered": "1", "resolved": "0"})
		check("admin, canary resolved", adminSecret, true, map[string]string{"triggered": "1", "resolved": "1"})

		s.mustCLI(t, adminSecret, "incident", "add-member", canary.ID, "--person", "jordan")
		check("viewer made a member", viewer, true, map[string]string{"triggered": "1", "resolved": "1"})
		check("automation", robot, false, map[string]string{"triggered": "1", "resolved": "0"})
		if page := consolePage(t, s, "/incidents?q=canary", cookie); !strings.Contains(page, canary.ID) {
			t.Errorf("the console's search hides the canary from its member")
		}
	})
}

// TestDashboardBound: the dashboard lists at most 10 open incidents of a
// severity, the newest, and links "and K more" to the list of them all,
// K from the kept counts (which leave out a restricted incident the viewer
// may not see); filtered by service, it links "and more" to the list so
// filtered. Recently resolved lists the newest resolved even when every
// newer incident is open.
func TestDashboardBound(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		var seeds []sqlstore.Seed
		for i := range 3 {
			seeds = append(seeds, sqlstore.Seed{Declare: fireline.DeclareInput{Title: "Old resolved " + strconv.Itoa(i), Severity: fireline.P3},
				Actions: []fireline.Action{{Kind: fireline.ActResolve, Text: "done"}}})
		}
		seeds = append(seeds, sqlstore.Seed{Declare: fireline.DeclareInput{Title: "Restricted P2", Severity: fireline.P2, Source: fireline.SourceSecurity}})
		for i := range 25 {
			seeds = append(seeds, sqlstore.Seed{Declare: fireline.DeclareInput{Title: "Open P2 " + strconv.Itoa(i), Severity: fireline.P2,
				Services: []string{"api-gateway"}}})
		}
		seeds = append(seeds, sqlstore.Seed{Declare: fireline.DeclareInput{Title: "Open P1", Severity: fireline.P1}})
		s.seed(t, seeds...)
		cookie := s.session(t, "viewer", "jordan")

		page := consolePage(t, s, "/", cookie)
		p2 := section(page, `id="open-P2"`, `<h3`)
		if rows := incidentLinks(p2); len(rows) != 10 || rows[0] != "INC-29" || rows[9] != "INC-20" {
			t.Fatalf("the dashboard's P2 rows: %v", rows)
		}
		more := regexp.MustCompile(`<a href="([^"]+)" class="more-open" id="more-P2">and (\d+) more</a>`).FindStringSubmatch(p2)
		if more == nil || more[2] != "15" || !strings.Contains(p2, "(25)") {
			t.Fatalf("the dashboard's P2 group says %q", p2[:min(len(p2), 400)])
		}
		if strings.Contains(section(page, `id="open-P1"`, `<h3`), "more-open") {
			t.Errorf("a single P1 has more")
		}
		list := consolePage(t, s, strings.ReplaceAll(more[1], "&amp;", "&"), cookie)
		if rows := incidentLinks(list); len(rows) != 25 {
			t.Errorf("the P2 list behind 'and 15 more' has %d rows", len(rows))
		}
		if recent := incidentLinks(section(page, `id="recent"`, `</section>`)); strings.Join(recent, " ") != "INC-3 INC-2 INC-1" {
			t.Errorf("recently resolved: %v", recent)
		}
		admin := s.session(t, "admin", "kai")
		if p2 := section(consolePage(t, s, "/", admin), `id="open-P2"`, `<h3`); !strings.Contains(p2, ">and 16 more<") {
			t.Errorf("an admin's dashboard: %q", p2[:min(len(p2), 400)])
		}

		// Filtered by service: "and more", to the list so filtered.
		page = consolePage(t, s, "/?service=api-gateway", cookie)
		p2 = section(page, `id="open-P2"`, `<h3`)
		if !strings.Contains(p2, `href="/incidents?service=api-gateway&amp;severity=P2&amp;status=open"`) || !strings.Contains(p2, ">and more<") ||
			!strings.Contains(p2, "(10&#43;)") || len(incidentLinks(p2)) != 10 {
			t.Errorf("the filtered P2 group: %q", p2[:min(len(p2), 600)])
		}
	})
}

// section is the part of page from the first from to the next to after it.
func section(page, from, to string) string {
	i := strings.Index(page, from)
	if i < 0 {
		return ""
	}
	rest := page[i+len(from):]
	if j := strings.Index(rest, to); j >= 0 {
		return rest[:j]
	}
	return rest
}

var incidentLink = regexp.MustCompile(`<a href="/incidents/(INC-\d+)">`)

// incidentLinks are the incidents a piece of page links to, in order.
func incidentLinks(html string) []string {
	var out []string
	for _, m := range incidentLink.FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestStatisticsJobRuns: a server queues the planner-statistics job with
// its periodic work; 10 minutes on, it runs (analyzing on PostgreSQL what
// changed much) and queues itself again (docs/adr/0054).
func TestStatisticsJobRuns(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		pending := func() []int64 {
			t.Helper()
			rows, err := s.db.Reader().Query("SELECT run_at FROM jobs WHERE kind = 'db.statistics' AND state = 'pending'")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var at []int64
			for rows.Next() {
				var v int64
				rows.Scan(&v)
				at = append(at, v)
			}
			return at
		}
		if at := pending(); len(at) != 1 || at[0] != s.clock.Now().Add(10*time.Minute).UnixMicro() {
			t.Fatalf("pending statistics jobs at start: %v", at)
		}
		s.clock.Advance(11 * time.Minute)
		if _, err := s.paging.runner.RunDue(context.Background(), s.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if at := pending(); len(at) != 1 || at[0] != s.clock.Now().Add(10*time.Minute).UnixMicro() {
			t.Fatalf("pending statistics jobs after one ran: %v (now %d)", at, s.clock.Now().UnixMicro())
		}
	})
}
