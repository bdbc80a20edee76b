package main

import (
	"html"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

func body(t *testing.T, s *testServer, path, cookie string) string {
	t.Helper()
	resp := s.console(t, "GET", path, cookie, nil)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// TestConsoleListAndGuide pages through the incident list with a filter,
// searches it, and reads the guide rendered from the policy.
func TestConsoleListAndGuide(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		tok := s.newToken(t, "responder", "alex")
		for i := range 30 {
			sev := "P3"
			if i%3 == 0 {
				sev = "P4"
			}
			s.mustCLI(t, tok, "incident", "declare", "--title", "slow thing "+string(rune('a'+i%26)), "--severity", sev)
		}
		s.mustCLI(t, tok, "incident", "declare", "--title", "needle in the haystack", "--severity", "P2")
		viewer := s.session(t, "viewer", "jordan")
		rows := regexp.MustCompile(`<tr>\s*<td><span class="sev`)
		first := body(t, s, "/incidents?severity=P3", viewer)
		if n := len(rows.FindAllString(first, -1)); n != 20 { // 20 P3s
			t.Fatalf("P3 filter: %d rows", n)
		}
		all := body(t, s, "/incidents", viewer)
		next := regexp.MustCompile(`href="(/incidents\?[^"]*cursor=[^"]*)" rel="next"`).FindStringSubmatch(all)
		if n := len(rows.FindAllString(all, -1)); n != 25 || next == nil {
			t.Fatalf("first page: %d rows, next link %v", n, next)
		}
		second := body(t, s, html.UnescapeString(next[1]), viewer)
		if n := len(rows.FindAllString(second, -1)); n != 6 || strings.Contains(second, `rel="next"`) {
			t.Fatalf("second page: %d rows", n)
		}
		found := body(t, s, "/incidents?q="+url.QueryEscape("NEEDLE"), viewer)
		if n := len(rows.FindAllString(found, -1)); n != 1 || !strings.Contains(found, "needle in the haystack") {
			t.Fatalf("search: %d rows", n)
		}
		if resp := s.console(t, "GET", "/incidents?severity=P9", viewer, nil); resp.StatusCode != 400 {
			t.Errorf("bad filter: %d, want 400 with the form error", resp.StatusCode)
		}
		guide := body(t, s, "/guide", viewer)
		for _, want := range []string{"Severe impact on critical services", "Incident Commander", "Makes critical decisions",
			"Initial response", "Post-incident review", "Technical Escalation", "Director of Engineering",
			"security@berrys.ai", "https://k8s-dashboard.berrys.ai", "Engineering leads within 2 hours"} {
			if !strings.Contains(html.UnescapeString(guide), want) {
				t.Errorf("the guide page lacks %q", want)
			}
		}
	})
}
