package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// BenchmarkSlackCommandAnswer measures how long Slack waits for the
// answer to a signed /incident note (a timeline write through the same
// path as the API), with the job runner running and Slack answering every
// call after 2 s (the channel's job keeps calling it meanwhile), beside
// GET /healthz on the same server: p50 and p99 of each, in ms. Slack
// gives up at 3 s.
//
//	go test ./cmd/fireline -run '^$' -bench SlackCommandAnswer -benchtime 200x
func BenchmarkSlackCommandAnswer(b *testing.B) {
	s := startSlackServerWith(b, firelinetest.SQLiteDSN(b), true, 2*time.Second)
	s.mustCLI(b, adminSecret, "incident", "declare", "--title", "Checkout errors", "--severity", "P1")
	// The person's Slack user is looked up once (users.info) and then
	// remembered: that first, slow lookup is not what is measured.
	s.command(b, primary, "C0", "INC-1 status")
	var cmd, trivial []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		code, body := s.command(b, primary, "C0", "INC-1 note checked the load balancer")
		cmd = append(cmd, time.Since(start))
		if code != http.StatusOK || !strings.Contains(body, "add_note done") {
			b.Fatalf("answer %d %s", code, body)
		}
		start = time.Now()
		resp, err := http.Get(s.URL() + "/healthz")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		trivial = append(trivial, time.Since(start))
	}
	b.StopTimer()
	report(b, "command", cmd)
	report(b, "healthz", trivial)
}

func report(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	at := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.5), name+"-p50-ms")
	b.ReportMetric(at(0.99), name+"-p99-ms")
}
