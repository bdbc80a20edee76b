package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestProbeRefusedWhenSaved (issue 21 item 10): a probe of an address the
// outbound guard refuses is refused when saved, from the CLI, the API and
// the console, with 400 naming the field and the setting that would
// allow it, and nothing is stored; once --allow-outbound allows the
// range, the same probe is saved.
func TestProbeRefusedWhenSaved(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		const private = "probe_url: 10.0.0.5 is a private address; the outbound guard refuses it unless the server runs with --allow-outbound 10.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)"
		r := s.cli(t, adminSecret, "integration", "create", "--type", "probe", "--service", "web-dashboard", "--url", "http://10.0.0.5/health")
		if r.code == 0 || r.stderr != "fireline: invalid integration ("+private+")\n" {
			t.Fatalf("CLI: exit %d, stderr %q", r.code, r.stderr)
		}
		code, hdr, body := s.request(t, "POST", "/api/v1/integrations", adminSecret,
			`{"type":"probe","service":"web-dashboard","probe_url":"http://127.0.0.1:9/health"}`)
		var p struct {
			Errors []struct{ Location, Message string }
		}
		json.Unmarshal(body, &p)
		if code != http.StatusBadRequest || hdr.Get("Content-Type") != "application/problem+json" || len(p.Errors) != 1 ||
			p.Errors[0].Location != "probe_url" || p.Errors[0].Message != "127.0.0.1 is a loopback address; the outbound guard refuses it unless the server runs with --allow-outbound 127.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)" {
			t.Fatalf("API: %d %s", code, body)
		}
		admin := s.session(t, "admin", "kai")
		resp := s.console(t, "POST", "/admin/integrations", admin, url.Values{"type": {"probe"}, "service": {"web-dashboard"}, "url": {"http://10.0.0.5/health"}})
		if page := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Probe url: 10.0.0.5 is a private address; the outbound guard refuses it unless the server runs with --allow-outbound 10.0.0.0/8") {
			t.Fatalf("console: %d\n%s", resp.StatusCode, page)
		}
		var list struct{ Integrations []*fireline.Integration }
		if s.cliJSON(t, adminSecret, &list, "integration", "list"); len(list.Integrations) != 0 {
			t.Fatalf("refused probes were stored: %+v", list.Integrations)
		}
	})
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		allowed := startTestServerWith(t, dsn, func(c *serveConfig) { c.Paging.AllowOutbound = "10.0.0.0/8" })
		var in fireline.CreatedIntegration
		allowed.cliJSON(t, adminSecret, &in, "integration", "create", "--type", "probe", "--service", "web-dashboard", "--url", "http://10.0.0.5/health")
		if in.ProbeURL != "http://10.0.0.5/health" {
			t.Fatalf("allowed: %+v", in)
		}
	})
}
