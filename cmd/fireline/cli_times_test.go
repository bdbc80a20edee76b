package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestCLITimesInPolicyZone: tables print times in the policy calendar's
// zone (America/New_York) with the offset, --utc and FIRELINE_UTC=1 print
// UTC, -o json stays the API's UTC, and the zone is fetched once per
// process, only when a time is printed, falling back to UTC in silence
// when the server will not say.
func TestCLITimesInPolicyZone(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		alex := s.newToken(t, "responder", "alex")
		p := startPolicyProxy(t, s.URL())
		run := func(vars map[string]string, args ...string) string {
			t.Helper()
			env := map[string]string{"FIRELINE_SERVER": p.URL}
			for k, v := range vars {
				env[k] = v
			}
			r := s.cliEnv(t, env, alex, args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("fireline %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
			}
			return r.stdout
		}
		s.mustCLI(t, alex, "incident", "declare", "--title", "API gateway 502s", "--severity", "P2", "--service", "api-gateway")

		// businessHours is 15:00 UTC, 10:00 in New York; P2 responds within 1 h.
		local := []string{"Declared:     2026-12-01 10:00 -05:00 by alex", "Respond by:   2026-12-01 11:00 -05:00"}
		utc := []string{"Declared:     2026-12-01 15:00 +00:00 by alex", "Respond by:   2026-12-01 16:00 +00:00"}
		for _, tt := range []struct {
			name string
			vars map[string]string
			args []string
			want []string
		}{
			{"show", nil, []string{"incident", "show", "INC-1"}, local},
			{"show --utc", nil, []string{"incident", "show", "INC-1", "--utc"}, utc},
			{"show FIRELINE_UTC=1", map[string]string{"FIRELINE_UTC": "1"}, []string{"incident", "show", "INC-1"}, utc},
			{"show --utc=false over FIRELINE_UTC=1", map[string]string{"FIRELINE_UTC": "1"}, []string{"incident", "show", "INC-1", "--utc=false"}, local},
			{"list", nil, []string{"incident", "list"}, []string{"2026-12-01 10:00 -05:00  2026-12-01 11:00 -05:00"}},
			{"list --utc", nil, []string{"incident", "list", "--utc"}, []string{"2026-12-01 15:00 +00:00  2026-12-01 16:00 +00:00"}},
			{"log", nil, []string{"incident", "log", "INC-1"}, []string{"1  2026-12-01 10:00 -05:00  alex"}},
			{"log --utc", nil, []string{"incident", "log", "INC-1", "--utc"}, []string{"1  2026-12-01 15:00 +00:00  alex"}},
			{"oncall now", nil, []string{"oncall", "now"}, []string{"On call at 2026-12-01 10:00 -05:00\n"}},
			{"oncall now --utc", nil, []string{"oncall", "now", "--utc"}, []string{"On call at 2026-12-01 15:00 +00:00\n"}},
		} {
			out := run(tt.vars, tt.args...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s printed:\n%s\nwant %q", tt.name, out, w)
				}
			}
		}

		// One fetch per process however many times it prints; none under
		// --utc, none for JSON.
		s.mustCLI(t, alex, "incident", "declare", "--title", "Second", "--severity", "P3")
		before := p.policyGets.Load()
		run(nil, "incident", "list")
		if n := p.policyGets.Load() - before; n != 1 {
			t.Errorf("incident list fetched the policy %d times, want once", n)
		}
		before = p.policyGets.Load()
		run(nil, "incident", "list", "--utc")
		jsonLocal := run(nil, "incident", "show", "INC-1", "-o", "json")
		jsonUTC := run(nil, "incident", "show", "INC-1", "-o", "json", "--utc")
		if n := p.policyGets.Load() - before; n != 0 {
			t.Errorf("--utc and -o json fetched the policy %d times, want never", n)
		}
		if jsonLocal != jsonUTC || !strings.Contains(jsonLocal, `"declared_at": "2026-12-01T15:00:00Z"`) ||
			!strings.Contains(jsonLocal, `"respond_by": "2026-12-01T16:00:00Z"`) {
			t.Errorf("-o json changed:\n%s\nwith --utc:\n%s", jsonLocal, jsonUTC)
		}

		// A server that will not give its policy (an older one): UTC,
		// marked as such, and nothing on stderr.
		p.refuse.Store(true)
		if out := run(nil, "incident", "show", "INC-1"); !strings.Contains(out, utc[0]) {
			t.Errorf("without the policy, show printed:\n%s\nwant %q", out, utc[0])
		}
	})
}

// policyProxy stands in front of a server, counting GET /api/v1/policy and
// answering it 404, as an older server would, when refuse is set.
type policyProxy struct {
	*httptest.Server
	policyGets atomic.Int64
	refuse     atomic.Bool
}

func startPolicyProxy(t *testing.T, target string) *policyProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &policyProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/v1/policy" {
			p.policyGets.Add(1)
			if p.refuse.Load() {
				http.NotFound(w, r)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}
