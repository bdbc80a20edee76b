package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// BenchmarkCustomerFanout sends one approved public update of a P2 to
// 10,000 confirmed subscribers through the real job runner and real SMTP
// (the in-process server over loopback TCP), on the wall clock, with the
// policy's customer_email_rate at 2,000 a second; in the middle of the
// fan-out a P1 is declared and the time until its first page reaches the
// webhook sink is measured, beside the same page with nothing else to do
// before. Metrics: "emails/s" (10,000 over the time to the last email),
// "page-ms" and "page-idle-ms":
//
//	go test ./cmd/fireline -run '^$' -bench BenchmarkCustomerFanout -benchtime 1x
func BenchmarkCustomerFanout(b *testing.B) {
	const subscribers = 10_000
	for range b.N {
		b.StopTimer()
		sink, smtp := firelinetest.NewWebhookSink(b), firelinetest.NewSMTPServer(b)
		path := pagingPolicyWith(b, sink.URL, false, true)
		y, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		y = []byte(strings.Replace(string(y), "  customer_email_rate: 50\n", "  customer_email_rate: 2000\n", 1))
		env := map[string]string{"FIRELINE_WEBHOOK_SECRET": firelinetest.WebhookSecret}
		s := startTestServerWith(b, firelinetest.SQLiteDSN(b), func(c *serveConfig) {
			c.PolicyPath, c.Now = writePolicy(b, string(y)), nil
			c.Paging = pagingConfig{AllowOutbound: "127.0.0.0/8", Getenv: func(k string) string { return env[k] }, SMTP: emailConfig(smtp)}
		})
		casey, jordan := benchToken(b, s, "casey"), benchToken(b, s, "jordan")
		var csv strings.Builder
		for i := range subscribers {
			fmt.Fprintf(&csv, "c%05d@example.com\n", i)
		}
		file := writeTemp(b, "customers.csv", csv.String())
		s.mustCLI(b, adminSecret, "subscriber", "import", file)
		idle := pageLatency(b, s, sink, casey)

		var p2 fireline.Incident
		s.cliJSON(b, casey, &p2, "incident", "declare", "--title", "Checkout errors", "--severity", "P2", "--service", "api-gateway")
		s.mustCLI(b, casey, "incident", "assign", p2.ID, "--role", "communications_liaison", "--person", "jordan")
		s.mustCLI(b, jordan, "incident", "public-update", p2.ID, "--status", "identified", "--component", "api-gateway=partial_outage")
		sent := func() int {
			n := 0
			for _, m := range smtp.Mail() {
				if m.Header.Get("X-Fireline-Type") == "status.update" {
					n++
				}
			}
			return n
		}
		b.StartTimer()
		start := time.Now()
		s.mustCLI(b, jordan, "incident", "approve-update", p2.ID, "1")
		emailed := func(want int) func() error {
			return func() error {
				if n := sent(); n < want {
					return fmt.Errorf("%d of %d emails", n, want)
				}
				return nil
			}
		}
		firelinetest.EventuallyEvery(b, 5*time.Minute, 10*time.Millisecond, emailed(subscribers/4))
		during := pageLatency(b, s, sink, casey)
		firelinetest.EventuallyEvery(b, 5*time.Minute-time.Since(start), 20*time.Millisecond, emailed(subscribers))
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(subscribers/elapsed.Seconds(), "emails/s")
		b.ReportMetric(float64(during.Milliseconds()), "page-ms")
		b.ReportMetric(float64(idle.Milliseconds()), "page-idle-ms")
	}
}

// pageLatency declares a P1 and returns the time until the sink has its
// first page.
func pageLatency(b *testing.B, s *testServer, sink *firelinetest.WebhookSink, token string) time.Duration {
	before := len(sink.Hooks())
	start := time.Now()
	s.mustCLI(b, token, "incident", "declare", "--title", "Page latency probe", "--severity", "P1", "--service", "auth-service")
	firelinetest.EventuallyEvery(b, time.Minute, 2*time.Millisecond, func() error {
		if len(sink.Hooks()) == before {
			return errors.New("no page")
		}
		return nil
	})
	return time.Since(start)
}

func writeTemp(b *testing.B, name, text string) string {
	f := b.TempDir() + "/" + name
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	return f
}

func benchToken(b *testing.B, s *testServer, person string) string {
	var tok struct {
		Token string `json:"token"`
	}
	s.cliJSON(b, adminSecret, &tok, "token", "create", "--role", "responder", "--person", person)
	return tok.Token
}
