package main

import (
	"context"
	"encoding/json"
	"net/http"
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

// longTimeline declares a P4 incident at night, when the guide pages
// nobody for a P4 (until morning, which the test's clock never reaches),
// and adds notes until it has events events, in one transaction through
// the store's own code; it returns the incident's id.
func (s *testServer) longTimeline(t *testing.T, events int) string {
	t.Helper()
	s.clock.Advance(9 * time.Hour) // 19:00 in New York
	var actions []fireline.Action
	for i := range events - 1 {
		actions = append(actions, fireline.Action{Kind: fireline.ActAddNote, Text: "note " + strconv.Itoa(i)})
	}
	incs, err := sqlstore.NewIncidentService(s.db, policy.Default()).SeedIncidents(asAdmin(), []sqlstore.Seed{{
		Declare: fireline.DeclareInput{Title: "Long-running outage", Severity: fireline.P4}, Actions: actions}})
	if err != nil {
		t.Fatal(err)
	}
	if incs[0].EventCount != int64(events) {
		t.Fatalf("seeded %d events, want %d", incs[0].EventCount, events)
	}
	return incs[0].ID
}

// asAdmin is a context acting as an admin automation, for the store.
func asAdmin() context.Context {
	return fireline.NewContextWithActor(context.Background(), fireline.Actor{Role: fireline.RoleAdmin, Automation: "test-seed"})
}

// TestLongTimelinePages: a timeline of 2,500 events reads through the API
// a page at a time, newest first (1,000 by default, next_before to the
// older page) and whole through the CLI's incident log; the console's
// incident page shows the newest 100 with a plain link that loads 100
// older (no script needed), and says so when no older event is left.
func TestLongTimelinePages(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		id := s.longTimeline(t, 2500)
		viewer := s.newToken(t, "viewer", "jordan")

		// The API, newest first, a page at a time.
		var all []*fireline.Event
		var sizes []int
		for path := "/api/v1/incidents/" + id + "/timeline"; ; {
			code, _, body := s.request(t, "GET", path, viewer, "")
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, code, body)
			}
			var page struct {
				Events     []*fireline.Event `json:"events"`
				NextBefore int64             `json:"next_before"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatal(err)
			}
			all, sizes = append(page.Events, all...), append(sizes, len(page.Events))
			if page.NextBefore == 0 {
				break
			}
			path = "/api/v1/incidents/" + id + "/timeline?before=" + strconv.FormatInt(page.NextBefore, 10)
		}
		if len(all) != 2500 || all[0].Seq != 1 || all[2499].Seq != 2500 || !equalInts(sizes, []int{1000, 1000, 500}) {
			t.Fatalf("paged through the API: %d events in pages of %v", len(all), sizes)
		}
		if err := fireline.VerifyChain(all); err != nil {
			t.Fatalf("the API's pages do not verify: %v", err)
		}
		code, _, body := s.request(t, "GET", "/api/v1/incidents/"+id+"/timeline?limit=5&before=10", viewer, "")
		if code != http.StatusOK || !strings.Contains(string(body), `"seq":9`) || strings.Contains(string(body), `"seq":4,`) || !strings.Contains(string(body), `"next_before":5`) {
			t.Errorf("limit=5&before=10: %d %s", code, body)
		}
		for _, q := range []string{"limit=0", "limit=1001", "before=x", "after=-1"} {
			if code, _, body := s.request(t, "GET", "/api/v1/incidents/"+id+"/timeline?"+q, viewer, ""); code != http.StatusBadRequest {
				t.Errorf("timeline?%s: %d %s, want 400", q, code, body)
			}
		}

		// The CLI prints everything, paging through.
		var log struct {
			Events []*fireline.Event `json:"events"`
		}
		s.cliJSON(t, viewer, &log, "incident", "log", id)
		if len(log.Events) != 2500 || log.Events[0].Seq != 1 || log.Events[2499].Seq != 2500 {
			t.Fatalf("incident log: %d events", len(log.Events))
		}
		notes := map[string]bool{}
		for _, m := range regexp.MustCompile(`note (\d+)\b`).FindAllStringSubmatch(s.mustCLI(t, viewer, "incident", "log", id), -1) {
			notes[m[1]] = true
		}
		if len(notes) != 2499 {
			t.Errorf("incident log as a table: %d notes", len(notes))
		}

		// The console: the newest 100, and a link to 100 older.
		cookie := s.session(t, "viewer", "jordan")
		page := consolePage(t, s, "/incidents/"+id, cookie)
		if seqs := eventIDs(page); len(seqs) != 100 || seqs[0] != 2500 || seqs[99] != 2401 {
			t.Fatalf("the incident page shows events %v", summarise(seqs))
		}
		link := regexp.MustCompile(`href="([^"]+)"[^>]*id="load-older"`).FindStringSubmatch(page)
		if link == nil || link[1] != "/incidents/"+id+"?from=2301#event-2400" || !strings.Contains(page, "2400 older not shown") {
			t.Fatalf("load-older link: %v", link)
		}
		page = consolePage(t, s, strings.Split(link[1], "#")[0], cookie)
		if seqs := eventIDs(page); len(seqs) != 200 || seqs[0] != 2500 || seqs[199] != 2301 {
			t.Fatalf("after loading older: events %v", summarise(seqs))
		}
		// A page holds at most 1,000 events, and says so.
		if page = consolePage(t, s, "/incidents/"+id+"?from=1", cookie); strings.Contains(page, `id="load-older"`) || !strings.Contains(page, "1500 older events are not shown") {
			t.Errorf("?from=1 shows the newest 1,000: %v", summarise(eventIDs(page)))
		}
		if page = consolePage(t, s, "/incidents/"+id+"?from=2490", cookie); len(eventIDs(page)) != 11 || !strings.Contains(page, "Show only the newest events") {
			t.Errorf("?from=2490: %v", summarise(eventIDs(page)))
		}
	})
}

// consolePage GETs a console page with a session and returns its HTML.
func consolePage(t *testing.T, s *testServer, path, cookie string) string {
	t.Helper()
	resp := s.console(t, "GET", path, cookie, nil)
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b.String())
	}
	return b.String()
}

var eventID = regexp.MustCompile(`id="event-(\d+)"`)

// eventIDs are the numbers of the timeline entries a page shows, in order.
func eventIDs(page string) []int64 {
	var out []int64
	for _, m := range eventID.FindAllStringSubmatch(page, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

func summarise(seqs []int64) string {
	if len(seqs) == 0 {
		return "none"
	}
	return strconv.Itoa(len(seqs)) + " from " + strconv.FormatInt(seqs[0], 10) + " to " + strconv.FormatInt(seqs[len(seqs)-1], 10)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLongTimelineInBrowser: in a browser, "Load older events" shows 100
// more below the newest, and a note recorded meanwhile appears live at the
// top of the longer timeline.
func TestLongTimelineInBrowser(t *testing.T) {
	needChromium(t)
	s := startTestServer(t, firelinetest.SQLiteDSN(t))
	id := s.longTimeline(t, 500)
	_, link := s.newUser(t, "responder", "alex")
	b := newBrowser(t, s.URL(), 1280, 900)
	b.loginWithLink(link)
	b.open("/incidents/" + id)
	b.until(`document.querySelectorAll("#timeline li").length === 100 && document.querySelector("#timeline li").id === "event-500"`)
	b.do(chromedpClick("#load-older"))
	b.until(`location.search === "?from=301" && document.querySelectorAll("#timeline li").length === 200`)
	if last := b.attr("#timeline li:last-child", "id"); last != "event-301" {
		t.Fatalf("after loading older, the last entry is %s", last)
	}
	b.until(`document.body.dataset.liveOpen === "true"`)
	s.mustCLI(t, adminSecret, "incident", "note", id, "seen live")
	b.until(`document.querySelector("#timeline li").id === "event-501" && document.querySelectorAll("#timeline li").length === 201`)
	if !strings.Contains(b.text("#event-501"), "seen live") {
		t.Errorf("the live entry reads %q", b.text("#event-501"))
	}
}
