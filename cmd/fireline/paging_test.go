package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/notify/email"
	"github.com/fireline-dev/fireline/policy"
)

// pagingServer is a test server whose people are paged by signed webhook
// (to a recording sink, one path per person) and then email (to an
// in-process SMTP server); the job runner is driven by runDue.
type pagingServer struct {
	*testServer
	sink *firelinetest.WebhookSink
	smtp *firelinetest.SMTPServer
	dsn  string
	pol  string
}

// pagingPolicy writes the default policy with every person reachable by
// webhook to the sink first, then by email.
func pagingPolicy(t testing.TB, sinkURL string, gated bool) string {
	t.Helper()
	return pagingPolicyWith(t, sinkURL, gated, false)
}

// pagingPolicyWith is pagingPolicy, with the communications section when
// comms.
func pagingPolicyWith(t testing.TB, sinkURL string, gated, comms bool) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^    email: ([a-z]+)@berrys\.ai\n`)
	people, rest, _ := strings.Cut(string(policy.DefaultYAML()), "\ncontacts:")
	y := re.ReplaceAllString(people, "    email: $1@berrys.ai\n    contact_methods:\n      - { type: webhook, url: \""+sinkURL+"/p/$1\" }\n      - { type: email }\n") + "\ncontacts:" + rest
	path := ungatedPolicy(t, y)
	if comms {
		path = commsPolicy(t, y)
	}
	if gated {
		path = filepath.Join(t.TempDir(), "fireline.yaml")
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := policy.Load(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func startPagingServer(t *testing.T, dsn string, at time.Time) *pagingServer {
	t.Helper()
	return startPagingServerWith(t, dsn, at, false)
}

// startCommsServer is startPagingServer with the default policy's
// communications: public services, the update cadence, stakeholder
// notices.
func startCommsServer(t *testing.T, dsn string, at time.Time) *pagingServer {
	t.Helper()
	p := &pagingServer{sink: firelinetest.NewWebhookSink(t), smtp: firelinetest.NewSMTPServer(t), dsn: dsn}
	p.pol = pagingPolicyWith(t, p.sink.URL, false, true)
	p.testServer = p.restart(t, firelinetest.NewClock(at))
	return p
}

// startPagingServerWith is startPagingServer, with the default policy's
// resolution gate when gated.
func startPagingServerWith(t *testing.T, dsn string, at time.Time, gated bool) *pagingServer {
	t.Helper()
	p := &pagingServer{sink: firelinetest.NewWebhookSink(t), smtp: firelinetest.NewSMTPServer(t), dsn: dsn}
	p.pol = pagingPolicy(t, p.sink.URL, gated)
	p.testServer = p.restart(t, firelinetest.NewClock(at))
	return p
}

// restart starts a server on the same database, sinks and clock.
func (p *pagingServer) restart(t *testing.T, clock *firelinetest.Clock) *testServer {
	t.Helper()
	env := map[string]string{"FIRELINE_WEBHOOK_SECRET": firelinetest.WebhookSecret}
	srv, err := startServer(context.Background(), serveConfig{
		Addr: "127.0.0.1:0", DB: p.dsn, BootstrapToken: adminSecret, Now: clock.Now, PolicyPath: p.pol,
		Paging: pagingConfig{NoJobRunner: true, AllowOutbound: "127.0.0.0/8", Getenv: func(k string) string { return env[k] },
			SMTP: emailConfig(p.smtp)},
	}, slog.New(slog.NewJSONHandler(io.Discard, nil)), &bytes.Buffer{})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ts := &testServer{server: srv, clock: clock, out: &bytes.Buffer{}}
	t.Cleanup(func() {
		if ts.server != nil {
			ts.server.Close(context.Background())
		}
	})
	return ts
}

// stop closes the server (a clean shutdown, as on SIGTERM).
func (p *pagingServer) stop(t *testing.T) {
	t.Helper()
	if err := p.server.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.server = nil
}

// advance moves the clock forward by d, stopping at each instant a job
// falls due on the way and running it then, as the runner does in real
// time, and runs every job due at the end.
func (p *pagingServer) advance(t *testing.T, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	end := p.clock.Now().Add(d)
	for range 10000 {
		next, ok, err := p.paging.runner.NextDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || next.After(end) {
			break
		}
		if next.After(p.clock.Now()) {
			p.clock.Set(next)
		}
		if n, err := p.paging.runner.RunDue(ctx, p.clock.Now()); err != nil {
			t.Fatal(err)
		} else if n == 0 {
			break // due but not claimable (leased): run at the end
		}
	}
	p.clock.Set(end)
	if _, err := p.paging.runner.RunDue(ctx, end); err != nil {
		t.Fatal(err)
	}
}

// paged counts the pages (messages that wake their recipient and ask
// for an acknowledgement) each person received by webhook, and emails by
// address.
func (p *pagingServer) paged() map[string]int { return p.received("incident.page") }

// notified counts the notifications (told, not woken: an acknowledged
// incident's escalation audience, a clock at risk, a role given).
func (p *pagingServer) notified() map[string]int { return p.received("incident.notification") }

func (p *pagingServer) received(typ string) map[string]int {
	got := map[string]int{}
	for _, h := range p.sink.Hooks() {
		if h.Data["type"] == typ {
			got[strings.TrimPrefix(h.Path, "/p/")]++
		}
	}
	for _, m := range p.smtp.Mail() {
		if m.Header.Get("X-Fireline-Type") == typ {
			got["mail:"+strings.Join(m.To, ",")]++
		}
	}
	return got
}

func (p *pagingServer) expectPaged(t *testing.T, when string, want map[string]int) {
	t.Helper()
	if got := p.paged(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: paged %v, want %v", when, got, want)
	}
}

func (p *pagingServer) expectNotified(t *testing.T, when string, want map[string]int) {
	t.Helper()
	if got := p.notified(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: notified %v, want %v", when, got, want)
	}
}

func (p *pagingServer) declare(t *testing.T, token string, sev fireline.Severity) string {
	t.Helper()
	var inc fireline.Incident
	p.cliJSON(t, token, &inc, "incident", "declare", "--title", "API gateway 502s", "--severity", string(sev), "--service", "api-gateway")
	return inc.ID
}

// timelineTypes counts the incident's events by type.
func (p *pagingServer) timelineTypes(t *testing.T, id string) map[fireline.EventType]int {
	t.Helper()
	var log struct{ Events []*fireline.Event }
	p.cliJSON(t, adminSecret, &log, "incident", "log", id)
	out := map[fireline.EventType]int{}
	for _, e := range log.Events {
		out[e.Type]++
	}
	return out
}

// onCall is who the default schedule has on call at businessHours: the
// week starting Monday 2026-11-30 is shift 47 of the weekly rotation
// started 2026-01-05, so blake is primary and alex secondary.
const primary, secondary = "blake", "alex"

func TestPagingWalk(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")

		var now []fireline.OnCallNow
		p.cliJSON(t, tok, &now, "oncall", "now")
		if len(now) != 1 || now[0].Primary != primary || now[0].Secondary != secondary {
			t.Fatalf("oncall now = %+v", now)
		}

		t.Run("P2 walks primary, secondary, the on-call step and the engineering lead", func(t *testing.T) {
			id := p.declare(t, tok, fireline.P2)
			p.advance(t, 0)
			p.expectPaged(t, "at once", map[string]int{primary: 1})
			p.advance(t, time.Hour-time.Second)
			p.expectPaged(t, "before respond-by", map[string]int{primary: 1})
			p.advance(t, time.Second)
			p.expectPaged(t, "at respond-by (1h)", map[string]int{primary: 1, secondary: 1})
			p.advance(t, 15*time.Minute)
			p.expectPaged(t, "on-call step (1h15)", map[string]int{primary: 2, secondary: 2, "mail:oncall@berrys.ai": 1})
			p.advance(t, 30*time.Minute)
			p.expectPaged(t, "engineering lead (1h45)", map[string]int{primary: 2, secondary: 2, "mail:oncall@berrys.ai": 1, "casey": 1})
			// Nobody acknowledged: the policy repeats a P2 walk once, 30
			// minutes after its last step, one page per person.
			p.advance(t, 30*time.Minute)
			p.expectPaged(t, "the repeat (2h15)", map[string]int{primary: 3, secondary: 3, "mail:oncall@berrys.ai": 2, "casey": 2})
			var inc fireline.Incident
			p.cliJSON(t, tok, &inc, "incident", "show", id)
			if inc.UnansweredAt != nil || inc.EscalatedAt == nil || inc.Breaches.Escalate {
				t.Fatalf("before the walk ends: unanswered %v, escalated %v, breaches %+v", inc.UnansweredAt, inc.EscalatedAt, inc.Breaches)
			}
			p.advance(t, 30*time.Minute)
			p.cliJSON(t, tok, &inc, "incident", "show", id)
			if inc.UnansweredAt == nil || !inc.UnansweredAt.Equal(businessHours.Add(2*time.Hour+45*time.Minute)) {
				t.Fatalf("after the walk ends (2h45): unanswered %v", inc.UnansweredAt)
			}
			p.advance(t, 5*time.Hour)
			p.expectPaged(t, "the walk ended; nothing more", map[string]int{primary: 3, secondary: 3, "mail:oncall@berrys.ai": 2, "casey": 2})
			// The primary (no commander) was told the respond clock was at
			// risk (45m) and breached (1h), and the resolve clock at risk
			// (6h); the walk itself met escalate-by, so no escalate mark.
			p.expectNotified(t, "clock marks", map[string]int{primary: 3})
			types := p.timelineTypes(t, id)
			if types[fireline.EventEscalationStep] != 5 || types[fireline.EventPageSent] != 13 || types[fireline.EventUnanswered] != 1 ||
				types[fireline.EventClockAtRisk] != 2 || types[fireline.EventClockBreached] != 1 {
				t.Fatalf("timeline: %v", types)
			}
			for _, h := range p.sink.Hooks() {
				if h.Data["incident"] != id || h.Data["severity"] != "P2" || h.Data["title"] != "API gateway 502s" ||
					h.Data["since"] == nil || !strings.Contains(fmt.Sprint(h.Data["ack_url"]), "/ack/") {
					t.Fatalf("page lacks what, how bad, since when or the ack link: %s", h.Raw)
				}
			}
			for _, m := range p.smtp.Mail() {
				if !strings.Contains(m.Subject, "[P2] "+id) || !strings.Contains(m.MessageID, "msg_") || !strings.Contains(m.Body, "Service:  api-gateway") {
					t.Fatalf("email: %+v", m)
				}
			}
			p.cli(t, tok, "incident", "resolve", id)
		})
	})
}

func TestPagingStopsAndRestarts(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")

		id := p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		p.mustCLI(t, tok, "incident", "ack", id)
		p.advance(t, time.Hour+45*time.Minute-time.Second)
		p.expectNotified(t, "acknowledged, before the lead's step", map[string]int{})
		p.advance(t, time.Second)
		// The acknowledgement stops the paging of the on-call, not the
		// escalation duty: the Engineering Lead is told (not woken) by
		// escalate-by, and that meets the clock.
		p.expectNotified(t, "acknowledged, at the lead's step", map[string]int{"casey": 1})
		p.advance(t, 8*time.Hour)
		p.expectPaged(t, "acknowledged: the paging stops", map[string]int{primary: 1})
		var inc fireline.Incident
		p.cliJSON(t, tok, &inc, "incident", "show", id)
		if inc.EscalatedAt == nil || !inc.EscalatedAt.Equal(businessHours.Add(time.Hour+45*time.Minute)) || inc.Breaches.Escalate || inc.UnansweredAt != nil {
			t.Fatalf("acknowledged P2: escalated %v, breaches %+v, unanswered %v", inc.EscalatedAt, inc.Breaches, inc.UnansweredAt)
		}
		if got := p.sink.To("/p/casey"); len(got) != 1 || got[0].Data["type"] != "incident.notification" || got[0].Data["ack_url"] != nil {
			t.Fatalf("the lead's notification: %+v", got)
		}
		p.mustCLI(t, tok, "incident", "resolve", id)

		id2 := p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		p.mustCLI(t, tok, "incident", "resolve", id2)
		p.advance(t, 8*time.Hour)
		p.expectPaged(t, "resolved: everything pending is cancelled", map[string]int{primary: 2})

		// A P3 upgraded to P1 restarts the walk under P1: the whole
		// technical chain, management and the business chain at once.
		id3 := p.declare(t, tok, fireline.P3)
		p.advance(t, 0)
		p.mustCLI(t, tok, "incident", "severity", id3, "P1", "--reason", "all customers affected")
		p.advance(t, 0)
		// (16 h on it is 02:00, outside business hours: the P3 waited.)
		// One page each, though the primary and the secondary are in two
		// of the steps falling due together.
		p.expectPaged(t, "P1 upgrade", map[string]int{primary: 3, secondary: 1, "mail:oncall@berrys.ai": 1, "mail:management@berrys.ai": 1,
			"casey": 1, "devon": 1, "emery": 1, "finley": 1, "gray": 1, "harper": 1, "indigo": 1})
		p.mustCLI(t, tok, "incident", "resolve", id3)

		// Restart mid-walk: the secondary is paged by the next server, once.
		id4 := p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		before := p.paged()
		p.stop(t)
		p.testServer = p.restart(t, p.clock)
		p.advance(t, 2*time.Hour) // 02:00 is outside business hours: escalate-by (2h) comes before respond-by (4h)
		after := p.paged()
		// Secondary, the on-call step and the lead all fall due at
		// escalate-by, each once: one page per person.
		if after[secondary] != before[secondary]+1 || after[primary] != before[primary]+1 || after["casey"] != before["casey"]+1 {
			t.Fatalf("after a restart: before %v, after %v", before, after)
		}
		if types := p.timelineTypes(t, id4); types[fireline.EventEscalationStep] != 4 {
			t.Fatalf("timeline after restart: %v", types)
		}
	})
}

func TestPagingBusinessHours(t *testing.T) {
	t.Parallel()
	saturday := time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	monday := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)   // 09:00 in New York
	tests := []struct {
		sev       fireline.Severity
		at        time.Time
		pagedAt   time.Time // when the primary is paged
		secondary time.Duration
	}{
		{fireline.P1, saturday, saturday, 0},
		{fireline.P2, saturday, saturday, 2 * time.Hour},            // escalate-by (2h) is sooner than respond-by (4h)
		{fireline.P3, saturday, monday, 8 * time.Hour},              // waits for business hours; escalate-by counts from the opening
		{fireline.P4, saturday, monday, 8 * time.Hour},              // next business day 17:00
		{fireline.P3, businessHours, businessHours, 4 * time.Hour},  // inside business hours at once
		{fireline.P4, businessHours, businessHours, 31 * time.Hour}, // next business day 17:00
		{fireline.P2, businessHours, businessHours, time.Hour},      // business-hours respond-by
	}
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s at %s", tt.sev, tt.at.Format(time.RFC3339)), func(t *testing.T) {
				p := startPagingServer(t, filepath.Join(t.TempDir(), "f.db"), tt.at)
				if strings.HasPrefix(dsn, "postgres") {
					p = startPagingServer(t, firelinetest.PostgresDSN(t), tt.at)
				}
				tok := p.newToken(t, "responder", "casey")
				id := p.declare(t, tok, tt.sev)
				stepAt := func(n int) *time.Time {
					var log struct{ Events []*fireline.Event }
					p.cliJSON(t, tok, &log, "incident", "log", id)
					for _, e := range log.Events {
						var d fireline.EscalationStepData
						if e.Type == fireline.EventEscalationStep && json.Unmarshal(e.Data, &d) == nil && d.Step == n {
							return &e.At
						}
					}
					return nil
				}
				check := func(n int, due time.Time) {
					t.Helper()
					if d := due.Sub(p.clock.Now()); d > 0 {
						p.advance(t, d-time.Second)
						if at := stepAt(n); at != nil {
							t.Fatalf("step %d ran early, at %s (due %s)", n, at, due)
						}
						p.advance(t, time.Second)
					} else {
						p.advance(t, 0)
					}
					if at := stepAt(n); at == nil || !at.Equal(due) {
						t.Fatalf("step %d ran at %v, want %s", n, at, due)
					}
				}
				check(0, tt.pagedAt)
				check(1, tt.pagedAt.Add(tt.secondary))
				if got := p.paged()[primaryAt(tt.pagedAt)]; got < 1 {
					t.Fatalf("primary not paged: %v", p.paged())
				}
			})
		}
	})
}

// primaryAt reads the weekly rotation of the default schedule: alex and
// blake alternate weekly from Monday 2026-01-05.
func primaryAt(t time.Time) string {
	return policy.Default().WhoIsOnCall(t, nil)[0].Primary
}

func TestAckLink(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		id := p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		hooks := p.sink.To("/p/" + primary)
		if len(hooks) != 1 {
			t.Fatalf("pages: %v", p.paged())
		}
		link := fmt.Sprint(hooks[0].Data["ack_url"])
		path := strings.TrimPrefix(link, p.URL())

		code, _, body := p.request(t, "GET", path, "", "")
		// It says what is acknowledged: the paged person may see it.
		if code != 200 || !strings.Contains(string(body), `<form method="post">`) || !strings.Contains(string(body), "API gateway 502s") ||
			!strings.Contains(string(body), "[P2]") {
			t.Fatalf("GET ack page: %d %s", code, body)
		}
		var inc fireline.Incident
		p.cliJSON(t, tok, &inc, "incident", "show", id)
		if inc.AcknowledgedAt != nil {
			t.Fatal("a GET acknowledged the incident")
		}
		if code, _, _ := p.request(t, "POST", path[:len(path)-2]+"xx", "", ""); code != 404 {
			t.Fatalf("forged link: %d", code)
		}
		if code, _, body := p.request(t, "POST", path, "", ""); code != 200 || !strings.Contains(string(body), "Acknowledged") {
			t.Fatalf("POST ack: %d %s", code, body)
		}
		p.cliJSON(t, tok, &inc, "incident", "show", id)
		if inc.AcknowledgedAt == nil {
			t.Fatal("not acknowledged")
		}
		var log struct{ Events []*fireline.Event }
		p.cliJSON(t, tok, &log, "incident", "log", id)
		if e := lastOfType(log.Events, fireline.EventAcknowledged); e == nil || e.Actor != primary {
			t.Fatalf("acknowledged by %+v", e)
		}
		p.advance(t, 8*time.Hour)
		p.expectPaged(t, "after the ack link", map[string]int{primary: 1})
		if code, _, _ := p.request(t, "POST", path, "", ""); code != 409 {
			t.Fatalf("second POST: %d", code)
		}
		p.clock.Advance(25 * time.Hour)
		if code, _, _ := p.request(t, "GET", path, "", ""); code != 404 {
			t.Fatalf("expired link: %d", code)
		}
	})
}

func lastOfType(events []*fireline.Event, typ fireline.EventType) *fireline.Event {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == typ {
			return events[i]
		}
	}
	return nil
}

func TestPageRetryAndFallback(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		p.sink.Respond(func(path string) (int, string) { return http.StatusTooManyRequests, "30" })
		id := p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		p.advance(t, 29*time.Second) // Retry-After: 30 is honoured
		if types := p.timelineTypes(t, id); types[fireline.EventPageFailed] != 1 {
			t.Fatalf("timeline after one failure: %v", types)
		}
		p.advance(t, 2*time.Second)
		p.advance(t, 40*time.Second) // third attempt fails: fall back to email
		p.advance(t, 0)
		mail := p.smtp.Mail()
		if len(mail) != 1 || mail[0].To[0] != primary+"@berrys.ai" {
			t.Fatalf("fallback email: %+v", mail)
		}
		types := p.timelineTypes(t, id)
		if types[fireline.EventPageFailed] != 3 || types[fireline.EventPageSent] != 1 {
			t.Fatalf("timeline: %v", types)
		}
		// Test pages go out in the request, on every method in turn, and
		// the answer says how each went: a permanent failure (410) does not
		// stop the email; a temporary SMTP failure is reported, not queued
		// for a retry the caller would never see.
		p.sink.Respond(nil)
		p.mustCLI(t, adminSecret, "notify", "test", "--person", "alex")
		if got := p.received("incident.test"); got["alex"] != 1 || got["mail:alex@berrys.ai"] != 1 {
			t.Fatalf("test page to alex: %v", got)
		}
		p.sink.Respond(func(string) (int, string) { return http.StatusGone, "" })
		p.smtp.Fail(1)
		if r := p.cli(t, adminSecret, "notify", "test", "--person", "casey"); r.code != 1 ||
			!strings.Contains(r.stdout, "FAILED: HTTP 410") || !strings.Contains(r.stdout, "451") {
			t.Fatalf("failing test page: exit %d\n%s", r.code, r.stdout)
		}
		p.advance(t, time.Minute)
		if got := p.received("incident.test"); got["casey"] != 0 || got["mail:casey@berrys.ai"] != 0 {
			t.Fatalf("a failed test page was retried later: %v", got)
		}
		if r := p.cli(t, adminSecret, "notify", "test", "--person", "casey"); r.code != 1 || p.received("incident.test")["mail:casey@berrys.ai"] != 1 {
			t.Fatalf("test page with SMTP back: exit %d %v\n%s", r.code, p.received("incident.test"), r.stdout)
		}
		if r := p.cli(t, adminSecret, "notify", "test", "--person", "nobody"); r.code == 0 || !strings.Contains(r.stderr, "nobody") {
			t.Fatalf("test page to nobody: %+v", r)
		}
	})
}

func TestOnCallOverridesAndCheck(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		from := businessHours.Format(time.RFC3339)
		to := businessHours.Add(2 * time.Hour).Format(time.RFC3339)
		p.mustCLI(t, tok, "oncall", "override", "--schedule", "engineering", "--user", "casey", "--from", from, "--to", to)
		var now []fireline.OnCallNow
		p.cliJSON(t, tok, &now, "oncall", "now", "--at", businessHours.Add(time.Hour).Format(time.RFC3339))
		if now[0].Primary != "casey" || now[0].Secondary != secondary {
			t.Fatalf("with an override: %+v", now)
		}
		code, _, body := p.request(t, "GET", "/api/v1/oncall?at="+businessHours.Add(3*time.Hour).Format(time.RFC3339), tok, "")
		if code != 200 || !strings.Contains(string(body), `"primary":"`+primary+`"`) {
			t.Fatalf("GET /api/v1/oncall after the override: %d %s", code, body)
		}
		// A page while the override is in force goes to casey.
		p.declare(t, tok, fireline.P1)
		p.advance(t, 0)
		// One page, as primary and as Engineering Lead at once.
		if p.paged()["casey"] != 1 || !strings.Contains(fmt.Sprint(p.sink.To("/p/casey")[0].Data["step"]), "primary on-call; ") ||
			!strings.Contains(fmt.Sprint(p.sink.To("/p/casey")[0].Data["step"]), "Engineering Lead") {
			t.Fatalf("override not paged: %v %v", p.paged(), p.sink.To("/p/casey"))
		}
		for _, bad := range [][]string{
			{"--schedule", "nope", "--user", "casey", "--from", from, "--to", to},
			{"--schedule", "engineering", "--user", "casey", "--from", to, "--to", from},
			{"--schedule", "engineering", "--user", "zed", "--from", from, "--to", to},
		} {
			if r := p.cli(t, tok, append([]string{"oncall", "override"}, bad...)...); r.code == 0 || r.stderr == "" {
				t.Fatalf("bad override %v accepted", bad)
			}
		}
		if code, h, _ := p.request(t, "GET", "/api/v1/oncall?at=yesterday", tok, ""); code != 400 || !strings.Contains(h.Get("Content-Type"), "problem+json") {
			t.Fatalf("bad at: %d", code)
		}
		var problems []fireline.ReadinessProblem
		p.cliJSON(t, tok, &problems, "oncall", "check")
		if len(problems) != 0 {
			t.Fatalf("the default guide has readiness problems: %+v", problems)
		}
		b, _ := json.Marshal(problems)
		_ = b
	})
}

func emailConfig(s *firelinetest.SMTPServer) email.Config {
	return email.Config{Host: "127.0.0.1", Port: s.Port(), TLS: email.TLSNone, From: "fireline@berrys.ai"}
}
