package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// TestActionBoardByTeam: the board counts open and overdue items by the
// owner's teams in the directory (an owner in two teams counts in each,
// one in none under "(no team)"), filters by team on the CLI, the API and
// the console (an unknown team refused, naming the field), groups the
// console's cards by team or age, and leaves a restricted incident's items
// to its members.
func TestActionBoardByTeam(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		add := func(token, inc, title, owner, deadline string) {
			s.mustCLI(t, token, "action", "add", inc, "--title", title, "--owner", owner, "--deadline", deadline, "--kind", "fix")
		}
		s.mustCLI(t, adminSecret, "incident", "declare", "--title", "Gateway 502s", "--severity", "P3")
		add(adminSecret, "INC-1", "Retry upstream once", "blake", "2026-12-03T17:00:00-05:00")
		add(adminSecret, "INC-1", "Alert on pool size", "casey", "2026-12-20T17:00:00-05:00")
		add(adminSecret, "INC-1", "Write the runbook", "indigo", "2026-12-20T17:00:00-05:00")
		kai := s.newToken(t, "responder", "kai")
		s.mustCLI(t, kai, "incident", "declare", "--title", "Leaked credentials", "--severity", "P2", "--source", "security")
		add(kai, "INC-2", "Rotate every key", "kai", "2026-12-20T17:00:00-05:00")
		s.clock.Advance(3 * 24 * time.Hour) // A-1 overdue

		viewer := s.newToken(t, "viewer", "jordan")
		want := "TEAM         OPEN  OVERDUE  DONE\nengineering  2     1        0\noncall       1     1        0\n(no team)    1     0        0\n"
		if got := s.mustCLI(t, viewer, "action", "list", "--by", "team"); got != want {
			t.Errorf("action list --by team as a viewer:\n%s\nwant\n%s", got, want)
		}
		if got := s.mustCLI(t, kai, "action", "list", "--by", "team"); !strings.Contains(got, "security     1     0        0") {
			t.Errorf("action list --by team as the member:\n%s", got)
		}
		var list web.ActionItemList
		s.cliJSON(t, viewer, &list, "action", "list", "--team", "oncall")
		if len(list.Items) != 1 || list.Items[0].ID != "A-1" || len(list.Summary.ByAge) != 1 || list.Summary.ByAge[0] != (fireline.BoardGroup{Key: "0-7d", Open: 1, Overdue: 1}) {
			t.Errorf("action list --team oncall: %+v %+v", list.Items, list.Summary)
		}
		if r := s.cli(t, viewer, "action", "list", "--team", "nope"); r.code == 0 || !strings.Contains(r.stderr, "team") {
			t.Errorf("an unknown team: exit %d %s", r.code, r.stderr)
		}
		if code, _, body := s.request(t, http.MethodGet, "/api/v1/action-items?team=nope", viewer, ""); code != http.StatusBadRequest || !strings.Contains(string(body), `"team"`) {
			t.Errorf("GET ?team=nope: %d %s", code, body)
		}
		if code, _, body := s.request(t, http.MethodGet, "/api/v1/action-items?team=security", viewer, ""); code != http.StatusOK || strings.Contains(string(body), "Rotate") {
			t.Errorf("GET ?team=security as a viewer: %d %s", code, body)
		}

		cookie := s.session(t, "viewer", "jordan")
		page := func(path string) string {
			resp := s.console(t, http.MethodGet, path, cookie, nil)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
			return string(b)
		}
		board := page("/action-items")
		for _, w := range []string{`id="by-team"`, `<tr id="team-engineering"><td><a href="/action-items?team=engineering&amp;group=owner">engineering</a></td><td>2</td><td><span class="late">1</span></td>`, `id="owner-blake"`} {
			if !strings.Contains(board, w) {
				t.Errorf("board lacks %s", w)
			}
		}
		if strings.Contains(board, "Rotate every key") || strings.Contains(board, "security") {
			t.Error("a viewer's board shows the restricted item")
		}
		if byTeam := page("/action-items?group=team&team=oncall"); !strings.Contains(byTeam, `id="team-oncall"`) || strings.Contains(byTeam, "Alert on pool size") {
			t.Errorf("board of oncall by team:\n%s", byTeam)
		}
		if byAge := page("/action-items?group=age"); !strings.Contains(byAge, `id="age-0-7d"`) {
			t.Errorf("board by age lacks its card")
		}
	})
}
