package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
)

// TestHealthProbe: a probe integration GETs the service's health_url from
// the policy on its interval (jobs run by RunDue on the manual clock); two
// failed checks in a row raise an alert that opens an incident (P1 for a
// core service), more failures repeat it, and the next passing check
// resolves it. The outbound guard refuses a check of an address no
// longer allowed, and says so; a deleted probe stops checking.
func TestHealthProbe(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		var status atomic.Int32
		status.Store(http.StatusOK)
		var hits atomic.Int32
		var agent atomic.Value
		health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			agent.Store(r.UserAgent())
			w.WriteHeader(int(status.Load()))
		}))
		t.Cleanup(health.Close)

		const core = "    name: API Gateway\n"
		src := string(policy.DefaultYAML())
		if !strings.Contains(src, core) {
			t.Fatal("the default policy changed")
		}
		path := filepath.Join(t.TempDir(), "fireline.yaml")
		src = strings.Replace(src, core, core+"    health_url: "+health.URL+"/healthz\n", 1)
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		clock := firelinetest.NewClock(businessHours)
		srv, err := startServer(context.Background(), serveConfig{Addr: "127.0.0.1:0", DB: dsn, PolicyPath: path,
			BootstrapToken: adminSecret, Now: clock.Now,
			Paging: pagingConfig{NoJobRunner: true, AllowOutbound: "127.0.0.0/8"}}, slog.New(slog.DiscardHandler), &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close(context.Background()) })
		s := &testServer{server: srv, clock: clock, out: &bytes.Buffer{}}
		check := func(want int32) {
			t.Helper()
			before := hits.Load()
			s.clock.Advance(30 * time.Second)
			if _, err := srv.paging.runner.RunDue(context.Background(), s.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if got := hits.Load() - before; got != want {
				t.Fatalf("%d health checks ran, want %d", got, want)
			}
		}
		probe := func(name string) *fireline.Integration {
			t.Helper()
			var list struct{ Integrations []*fireline.Integration }
			s.cliJSON(t, adminSecret, &list, "integration", "list")
			for _, in := range list.Integrations {
				if in.Name == name {
					return in
				}
			}
			t.Fatalf("no integration %s", name)
			return nil
		}

		out := s.mustCLI(t, adminSecret, "integration", "create", "--type", "probe", "--service", "api-gateway", "--interval", "30s")
		if want := "Fireline GETs " + health.URL + "/healthz every 30s; 2 failed checks in a row"; !strings.Contains(out, want) {
			t.Fatalf("create said:\n%s\nwant %q", out, want)
		}
		if r := s.cli(t, adminSecret, "integration", "create", "--type", "probe", "--service", "web-dashboard"); r.code == 0 || !strings.Contains(r.stderr, `probe_url: required: service "web-dashboard" has no health_url`) {
			t.Fatalf("probe of a service without health_url: %+v", r)
		}
		check(1) // created due at once
		if ua, _ := agent.Load().(string); !strings.HasPrefix(ua, "Fireline-Probe/1") {
			t.Fatalf("User-Agent %q", ua)
		}
		if p := probe("probe-api-gateway"); p.LastProbeResult != "200 OK" || p.ProbeFailing != 0 || p.ProbeURL != health.URL+"/healthz" {
			t.Fatalf("after a passing check: %+v", p)
		}

		status.Store(http.StatusServiceUnavailable)
		check(1)
		if page := s.alerts(t, adminSecret, "--integration", "probe-api-gateway"); len(page.Alerts) != 0 {
			t.Fatalf("one failed check raised %+v", page.Alerts)
		}
		if out := s.mustCLI(t, adminSecret, "integration", "list"); !strings.Contains(out, "FAILING (1 in a row): 503 Service Unavailable") {
			t.Fatalf("integration list:\n%s", out)
		}
		check(1)
		page := s.alerts(t, adminSecret, "--integration", "probe-api-gateway")
		if len(page.Alerts) != 1 || page.Alerts[0].Status != fireline.AlertFiring || page.Alerts[0].Severity != fireline.P1 || page.Alerts[0].Incident == "" ||
			!strings.Contains(page.Alerts[0].Summary, "GET "+health.URL+"/healthz: 503 Service Unavailable") {
			t.Fatalf("after two failed checks: %+v", page.Alerts)
		}
		check(1)
		if page := s.alerts(t, adminSecret, "--integration", "probe-api-gateway"); len(page.Alerts) != 1 || page.Alerts[0].Count != 2 {
			t.Fatalf("a third failed check: %+v", page.Alerts)
		}
		status.Store(http.StatusOK)
		check(1)
		page = s.alerts(t, adminSecret, "--integration", "probe-api-gateway")
		if len(page.Alerts) != 1 || page.Alerts[0].Status != fireline.AlertResolved {
			t.Fatalf("after a passing check: %+v", page.Alerts)
		}
		var inc fireline.Incident
		s.cliJSON(t, adminSecret, &inc, "incident", "show", page.Alerts[0].Incident)
		if inc.Severity != fireline.P1 || !inc.Status.Open() {
			t.Fatalf("the probe's P1 incident waits for a person: %s %s", inc.Severity, inc.Status)
		}

		// An address nobody allowed is refused when the probe is saved
		// (TestProbeRefusedWhenSaved). One allowed then but no longer (the
		// server restarted with a narrower --allow-outbound: here the
		// guard's list is changed in place) is refused when the check
		// connects, and the result says why.
		s.mustCLI(t, adminSecret, "integration", "create", "--type", "probe", "--service", "web-dashboard", "--url", "http://127.0.0.2:9/health", "--interval", "30s")
		srv.paging.guard.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		check(1) // api-gateway's; web-dashboard's never connects
		if p := probe("probe-web-dashboard"); p.ProbeFailing != 1 || !strings.Contains(p.LastProbeResult, "refusing to connect to 127.0.0.2:9: loopback address; allow it with --allow-outbound 127.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)") {
			t.Fatalf("guarded probe: %+v", p)
		}
		if r := s.cli(t, adminSecret, "integration", "rotate", probe("probe-web-dashboard").ID); r.code == 0 || !strings.Contains(r.stderr, "has no key to rotate") {
			t.Fatalf("rotate a probe: %+v", r)
		}
		// Three checks passed above, three failed and one was refused.
		code, _, body := s.request(t, "GET", "/metrics", adminSecret, "")
		for _, want := range []string{`fireline_probe_checks_total{result="pass"} 3`, `fireline_probe_checks_total{result="fail"} 4`} {
			if code != http.StatusOK || !strings.Contains(string(body), want) {
				t.Fatalf("/metrics (%d) lacks %s", code, want)
			}
		}
		if strings.Contains(string(body), `type="probe"`) {
			t.Fatal("/metrics counts probes among webhook alerts")
		}
		s.mustCLI(t, adminSecret, "integration", "delete", probe("probe-api-gateway").ID)
		check(0)
		check(0)
	})
}
