package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// lowLimits are request-rate limits a test reaches in a few requests:
// each token or session may make 5 at once, then 1 a second; each address
// 40 at once, then 10 a second. The test server's clock stands still
// unless the test moves it, so buckets refill only when it does.
var lowLimits = web.RequestLimits{
	Credential: fireline.RateLimit{PerSecond: 1, Burst: 5},
	Address:    fireline.RateLimit{PerSecond: 10, Burst: 40},
}

func startLimitedServer(t *testing.T, dsn string) *testServer {
	t.Helper()
	return startTestServerWith(t, dsn, func(c *serveConfig) { c.Limits = lowLimits })
}

// TestAPIRateLimits (issue 21, docs/adr/0051): a token over its rate is
// answered 429 problem+json with Retry-After, before its token is even
// looked up, while another token's requests in between all succeed; the
// CLI says why and exits non-zero; after the wait the token works again;
// health, readiness and signed webhooks are never limited; /metrics
// counts the refusals by scope.
func TestAPIRateLimits(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startLimitedServer(t, dsn)
		hot, calm := s.newToken(t, "viewer", "jordan"), s.newToken(t, "viewer", "alex") // the admin's 1st and 2nd of 5
		const detail = "this API token is over its limit of 1 requests a second (bursts of 5); retry in 1s"
		codes, throttled := map[int]int{}, 0
		for i := range 30 {
			code, hdr, body := s.request(t, "GET", "/api/v1/incidents", hot, "")
			codes[code]++
			if code == http.StatusTooManyRequests {
				throttled++
				checkTooMany(t, hdr, body, detail)
			}
			if i%6 == 0 { // five requests, its whole burst, while the hot one hammers
				if code, _, body := s.request(t, "GET", "/api/v1/incidents", calm, ""); code != http.StatusOK {
					t.Fatalf("the calm token's request %d: %d %s", i/6, code, body)
				}
			}
		}
		if codes[http.StatusOK] != 5 || codes[http.StatusTooManyRequests] != 25 {
			t.Fatalf("the hot token's 30 requests: %v, want 5 200s and 25 429s", codes)
		}
		r := s.cli(t, hot, "incident", "list")
		throttled++
		if r.code == 0 || r.stderr != "fireline: "+detail+"\n" {
			t.Fatalf("CLI over the limit: exit %d, stderr %q", r.code, r.stderr)
		}
		s.clock.Advance(time.Second)
		if code, _, _ := s.request(t, "GET", "/api/v1/incidents", hot, ""); code != http.StatusOK {
			t.Fatalf("after the wait: %d, want 200", code)
		}
		if code, _, _ := s.request(t, "GET", "/api/v1/incidents", hot, ""); code != http.StatusTooManyRequests {
			t.Fatalf("one token a second: %d, want 429", code)
		}
		throttled++

		// An unknown token is refused 401 until its bucket is empty, then
		// 429 without being looked up.
		for i := range 7 {
			code, _, _ := s.request(t, "GET", "/api/v1/me", "fl_not_a_real_token_000000000000", "")
			if want := map[bool]int{true: http.StatusUnauthorized, false: http.StatusTooManyRequests}[i < 5]; code != want {
				t.Fatalf("unknown token's request %d: %d, want %d", i, code, want)
			}
		}
		throttled += 2

		// Not limited, though more than the address's burst of 40:
		// health, readiness and a signed webhook.
		var in fireline.CreatedIntegration
		s.cliJSON(t, adminSecret, &in, "integration", "create", "--type", "alertmanager", "--service", "api-gateway") // the admin's 3rd
		body := amMessage(t, "firing", amAlert("firing", "web-1", "warning", s.clock.Now()))
		for range 45 {
			for _, path := range []string{"/healthz", "/readyz"} {
				if code, _, b := s.request(t, "GET", path, "", ""); code != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, code, b)
				}
			}
			if code, _, b := s.request(t, "POST", "/integrations/alertmanager", in.Key, body); code != http.StatusOK {
				t.Fatalf("webhook: %d %s", code, b)
			}
		}
		_, _, metrics := s.request(t, "GET", "/metrics", adminSecret, "") // the admin's 4th
		for scope, want := range map[string]int{"token": throttled, "session": 0, "address": 0} {
			series := `fireline_http_throttled_total{scope="` + scope + `"}`
			if got := metricValue(string(metrics), series); got != strconv.Itoa(want) {
				t.Errorf("%s = %s, want %d", series, got, want)
			}
		}
	})
}

// checkTooMany checks a 429 of the API: Retry-After in seconds and a
// problem+json body that says which limit and when to retry.
func checkTooMany(t *testing.T, hdr http.Header, body []byte, detail string) {
	t.Helper()
	var p struct {
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if hdr.Get("Retry-After") != "1" || hdr.Get("Content-Type") != "application/problem+json" || json.Unmarshal(body, &p) != nil ||
		p.Status != http.StatusTooManyRequests || p.Title != "Too Many Requests" || p.Detail != detail {
		t.Fatalf("429: Retry-After %q, Content-Type %q, body %s; want Retry-After 1 and detail %q",
			hdr.Get("Retry-After"), hdr.Get("Content-Type"), body, detail)
	}
}

// TestConsoleRateLimits: each console session has its own budget, and a
// refusal is a page with Retry-After; the address is the backstop for
// requests without a credential, and, once spent, for everyone behind it.
func TestConsoleRateLimits(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startLimitedServer(t, dsn)
		hot, calm := s.session(t, "viewer", "jordan"), s.session(t, "viewer", "alex")
		for i := range 12 {
			resp := s.console(t, "GET", "/incidents", hot, nil)
			page := readBody(t, resp)
			switch {
			case i < 5 && resp.StatusCode != http.StatusOK:
				t.Fatalf("the hot session's request %d: %d", i, resp.StatusCode)
			case i >= 5 && (resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(page, "This session is over its limit of 1 requests a second (bursts of 5); retry in 1s.")):
				t.Fatalf("the hot session's request %d: %d Retry-After %q:\n%s", i, resp.StatusCode, resp.Header.Get("Retry-After"), page)
			}
			if i%3 == 0 { // four of the calm session's five
				if resp := s.console(t, "GET", "/incidents", calm, nil); resp.StatusCode != http.StatusOK {
					t.Fatalf("the calm session's request: %d", resp.StatusCode)
				}
			}
		}

		// So far the address let 2 CLI calls, 2 link redemptions and 9
		// pages through; the login page, which has no credential, spends
		// the rest of its 40, and then even the calm session waits.
		logins := 0
		for ; logins < 40; logins++ {
			if resp := s.console(t, "GET", "/login", "", nil); resp.StatusCode == http.StatusTooManyRequests {
				if page := readBody(t, resp); resp.Header.Get("Retry-After") != "1" ||
					!strings.Contains(page, "Your address is over its limit of 10 requests a second (bursts of 40); retry in 1s.") {
					t.Fatalf("address over its limit: Retry-After %q:\n%s", resp.Header.Get("Retry-After"), page)
				}
				break
			}
		}
		if logins != 27 {
			t.Fatalf("the address let %d more requests through, want 27", logins)
		}
		if resp := s.console(t, "GET", "/incidents", calm, nil); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("the calm session behind a spent address: %d, want 429", resp.StatusCode)
		}
		s.clock.Advance(5 * time.Second)
		if resp := s.console(t, "GET", "/incidents", calm, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("the calm session after the wait: %d", resp.StatusCode)
		}
		_, _, metrics := s.request(t, "GET", "/metrics", adminSecret, "")
		for scope, want := range map[string]string{"token": "0", "session": "7", "address": "2"} {
			series := `fireline_http_throttled_total{scope="` + scope + `"}`
			if got := metricValue(string(metrics), series); got != want {
				t.Errorf("%s = %s, want %s", series, got, want)
			}
		}
	})
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRateLimitSettings: serve takes its limits from flags and the
// environment, and refuses a bad value, naming what set it, before
// opening anything.
func TestRateLimitSettings(t *testing.T) {
	t.Parallel()
	s := &testServer{}
	for _, c := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{nil, []string{"--api-rate", "-1"}, "--api-rate (FIRELINE_API_RATE) must be 0 (no limit) or more"},
		{nil, []string{"--address-rate", "5", "--address-burst", "0"}, "--address-burst (FIRELINE_ADDRESS_BURST) must be at least 1 when --address-rate (FIRELINE_ADDRESS_RATE) is set"},
		{map[string]string{"FIRELINE_API_BURST": "lots"}, nil, `FIRELINE_API_BURST="lots" is not a whole number`},
		{map[string]string{"FIRELINE_ADDRESS_RATE": "-2"}, nil, "--address-rate (FIRELINE_ADDRESS_RATE) must be 0 (no limit) or more"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", "/nonexistent/dir/fireline.db"}, c.args...)
		if r := s.cliEnv(t, c.vars, "", args...); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("serve %v with %v: exit %d, stderr %q; want %q", c.args, c.vars, r.code, r.stderr, c.want)
		}
	}
	// Good values are taken: from the environment, then from flags.
	var cfg web.RequestLimits
	cmd := newServeCommand(Env{Getenv: func(k string) string {
		return map[string]string{"FIRELINE_API_RATE": "2.5", "FIRELINE_ADDRESS_BURST": "30"}[k]
	}})
	if err := cmd.ParseFlags([]string{"--api-burst", "7", "--address-rate", "0"}); err != nil {
		t.Fatal(err)
	}
	f := cmd.Flags()
	cfg.Credential.PerSecond, _ = f.GetFloat64("api-rate")
	cfg.Credential.Burst, _ = f.GetInt("api-burst")
	cfg.Address.PerSecond, _ = f.GetFloat64("address-rate")
	cfg.Address.Burst, _ = f.GetInt("address-burst")
	if want := (web.RequestLimits{Credential: fireline.RateLimit{PerSecond: 2.5, Burst: 7}, Address: fireline.RateLimit{Burst: 30}}); cfg != want {
		t.Fatalf("limits %+v, want %+v", cfg, want)
	}
}
