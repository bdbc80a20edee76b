package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/web"
)

// BenchmarkStatusPage measures requests a second to the public page and
// the Statuspage summary, served from the status cache, beside a trivial
// handler (one that writes "ok") in the same run, over loopback HTTP with
// keep-alive and GOMAXPROCS parallel clients; the server holds 30
// incidents with published updates and the policy's five public
// components with their 90-day bars. Its "req/s" metric is the rate;
// compare each line with the trivial one:
//
//	go test ./cmd/fireline -run '^$' -bench BenchmarkStatusPage -benchtime 3s
func BenchmarkStatusPage(b *testing.B) {
	s := startTestServerWith(b, firelinetest.SQLiteDSN(b), func(c *serveConfig) {
		c.PolicyPath = commsPolicy(b, string(policy.DefaultYAML()))
		c.Limits = web.RequestLimits{} // the bench measures serving, not the per-address limit
	})
	var tok struct {
		Token string `json:"token"`
	}
	s.cliJSON(b, adminSecret, &tok, "token", "create", "--role", "responder", "--person", "jordan")
	services := []string{"api-gateway", "auth-service", "web-dashboard", "agent-orchestrator", "model-orchestration"}
	for i := range 30 {
		var inc fireline.Incident
		s.cliJSON(b, tok.Token, &inc, "incident", "declare", "--title", fmt.Sprintf("Incident %d", i), "--severity", "P3",
			"--service", services[i%len(services)])
		s.mustCLI(b, tok.Token, "incident", "public-update", inc.ID, "--status", "investigating")
		if i%3 == 0 {
			s.mustCLI(b, tok.Token, "incident", "public-update", inc.ID, "--status", "resolved")
			s.mustCLI(b, tok.Token, "incident", "resolve", inc.ID)
		}
	}
	trivial := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer trivial.Close()
	for _, tc := range []struct{ name, url string }{
		{"trivial", trivial.URL + "/"},
		{"status", s.URL() + "/status"},
		{"summary.json", s.URL() + "/api/v2/summary.json"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			defer client.CloseIdleConnections()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(tc.url)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("%s: %d", tc.url, resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
