package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/slackapp/slacktest"
)

const (
	slackToken  = "xoxb-fireline-test"
	slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
)

// slackServer is a paging server connected to a fake Slack whose
// workspace has every person of the directory (by email) and an
// #incidents channel the bot is in.
type slackServer struct {
	*pagingServer
	slack *slacktest.Server
	users map[string]string // person -> Slack user
}

func startSlackServer(t testing.TB, dsn string) *slackServer {
	t.Helper()
	return startSlackServerWith(t, dsn, false, 0)
}

// startSlackServerWith is startSlackServer with the job runner running
// (realtime) and Slack answering every call after delay.
func startSlackServerWith(t testing.TB, dsn string, realtime bool, delay time.Duration) *slackServer {
	t.Helper()
	return startSlack(t, dsn, realtime, delay, nil)
}

// startSlack is startSlackServerWith with the policy's YAML changed by
// edit (when not nil).
func startSlack(t testing.TB, dsn string, realtime bool, delay time.Duration, edit func(string) string) *slackServer {
	t.Helper()
	clock := firelinetest.NewClock(businessHours)
	fake := slacktest.New(slackToken)
	fake.Delay = delay
	fake.Now = clock.Now
	t.Cleanup(fake.Close)
	s := &slackServer{slack: fake, users: map[string]string{}}
	s.pagingServer = &pagingServer{sink: firelinetest.NewWebhookSink(t), smtp: firelinetest.NewSMTPServer(t), dsn: dsn}
	s.pol = pagingPolicy(t, s.sink.URL, false)
	if edit != nil {
		b, err := os.ReadFile(s.pol)
		if err != nil {
			t.Fatal(err)
		}
		s.pol = writePolicy(t, edit(string(b)))
	}
	s.testServer = s.restartSlack(t, clock, realtime)
	for _, per := range s.policy(t).People {
		id := "U" + strings.ToUpper(per.ID)
		fake.AddUser(id, per.Email)
		s.users[per.ID] = id
	}
	fake.AddChannel("incidents", slacktest.BotUser)
	return s
}

func (s *slackServer) restartSlack(t testing.TB, clock *firelinetest.Clock, realtime bool) *testServer {
	t.Helper()
	env := map[string]string{"FIRELINE_WEBHOOK_SECRET": firelinetest.WebhookSecret}
	srv, err := startServer(context.Background(), serveConfig{
		Addr: "127.0.0.1:0", DB: s.dsn, BootstrapToken: adminSecret, Now: clock.Now, PolicyPath: s.pol,
		Paging: pagingConfig{NoJobRunner: !realtime, AllowOutbound: "127.0.0.0/8", Getenv: func(k string) string { return env[k] },
			SMTP: emailConfig(s.smtp)},
		Slack: slackConfig{BotToken: slackToken, SigningSecret: slackSecret, APIURL: s.slack.APIURL(), ResponseURLs: s.slack.ResponseURL("")},
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

func (s *slackServer) policy(t testing.TB) *fireline.Policy {
	t.Helper()
	pol, err := loadPolicy(s.pol)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

func (s *slackServer) incident(t *testing.T, id string) fireline.Incident {
	t.Helper()
	var inc fireline.Incident
	s.cliJSON(t, adminSecret, &inc, "incident", "show", id)
	return inc
}

// channelOf returns the fake's channel of an incident, failing when
// there is not exactly one.
func (s *slackServer) channelOf(t *testing.T, inc fireline.Incident) slacktest.Channel {
	t.Helper()
	if inc.Slack == nil || inc.Slack.ID == "" {
		t.Fatalf("%s has no Slack channel: %+v", inc.ID, inc.Slack)
	}
	n := 0
	var found slacktest.Channel
	for _, c := range s.slack.Channels() {
		if strings.HasPrefix(c.Name, "incident-") && c.ID == inc.Slack.ID {
			found = c
		}
		if c.Name == inc.Slack.Name {
			n++
		}
	}
	if n != 1 || found.ID == "" {
		t.Fatalf("%d channels named %s; want one with id %s", n, inc.Slack.Name, inc.Slack.ID)
	}
	return found
}

// TestSlackChannelLifecycle: an Alertmanager P1 opens a channel named by
// the policy's template, with the paged on-call invited, the topic set,
// a pinned summary with its buttons, bookmarks and an announcement;
// acknowledging edits the summary in place and is mirrored; resolving
// posts the resolution notice and the channel is archived the policy's
// delay later. The incident, through the API, links the channel.
func TestSlackChannelLifecycle(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startSlackServer(t, dsn)
		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		code, _, body := s.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "firing", amAlert("firing", "web-1", "critical", s.clock.Now())))
		wantStatus(t, "alert", code, body, http.StatusOK)
		s.advance(t, 0)
		inc := s.incident(t, "INC-1")
		if inc.Severity != fireline.P1 {
			t.Fatalf("the alert opened a %s", inc.Severity)
		}
		want := "incident-2026-12-01-" + fireline.Slugify(inc.Title)
		if len(want) > 80 {
			want = strings.TrimRight(want[:80], "-")
		}
		if inc.Slack.Name != want {
			t.Errorf("channel %q, want %q", inc.Slack.Name, want)
		}
		ch := s.channelOf(t, inc)
		primary := primaryAt(s.clock.Now())
		if !containsStr(ch.Members, s.users[primary]) {
			t.Errorf("members %v: the paged primary on-call %s (%s) is not invited", ch.Members, primary, s.users[primary])
		}
		if !strings.Contains(ch.Topic, "INC-1 P1") || !strings.Contains(ch.Topic, "/status/internal") {
			t.Errorf("topic %q", ch.Topic)
		}
		if len(ch.Messages) == 0 || len(ch.Pins) != 1 || ch.Pins[0] != ch.Messages[0].TS || ch.Messages[0].TS != inc.Slack.SummaryTS {
			t.Fatalf("the summary is not the pinned first message: pins %v, messages %+v", ch.Pins, ch.Messages)
		}
		if !strings.Contains(string(ch.Messages[0].Blocks), "fireline_ack") || !strings.Contains(ch.Messages[0].Text, "INC-1 [P1]") {
			t.Errorf("summary %q blocks %s", ch.Messages[0].Text, ch.Messages[0].Blocks)
		}
		if len(ch.Bookmarks) < 2 {
			t.Errorf("bookmarks %v", ch.Bookmarks)
		}
		announce, _ := s.slack.Channel("incidents")
		if len(announce.Messages) != 1 || !strings.Contains(announce.Messages[0].Text, "<#"+ch.ID+">") {
			t.Errorf("announcements %+v", announce.Messages)
		}

		// The incident page, the internal status page and /metrics.
		var internal fireline.InternalStatus
		s.cliJSON(t, adminSecret, &internal, "status", "internal")
		if len(internal.Open) != 1 || internal.Open[0].Channel != "https://slack.com/app_redirect?channel="+ch.ID {
			t.Errorf("internal status %+v", internal.Open)
		}
		resp := s.console(t, "GET", "/incidents/INC-1", s.session(t, "viewer", "casey"), nil)
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "#"+inc.Slack.Name+"</a>") {
			t.Errorf("the incident page does not link #%s", inc.Slack.Name)
		}
		if m := s.metrics(t); !strings.Contains(m, `fireline_slack_calls_total{method="conversations.create",result="ok"} 1`) {
			t.Errorf("metrics lack the Slack calls")
		}

		s.mustCLI(t, adminSecret, "incident", "ack", "INC-1")
		s.advance(t, 0)
		ch = s.channelOf(t, s.incident(t, "INC-1"))
		if ch.Messages[0].Edits == 0 || !strings.Contains(ch.Messages[0].Text, "acknowledged") {
			t.Errorf("the summary was not edited in place: %+v", ch.Messages[0])
		}
		if !hasMessage(ch, "Acknowledged by") {
			t.Errorf("the acknowledgement was not mirrored: %+v", ch.Messages)
		}
		if n := len(s.slack.Calls("conversations.create")); n != 1 {
			t.Errorf("%d conversations.create calls, want 1", n)
		}

		s.mustCLI(t, adminSecret, "incident", "resolve", "INC-1", "--summary", "rolled back the deploy")
		s.advance(t, 0)
		ch = s.channelOf(t, s.incident(t, "INC-1"))
		if !hasMessage(ch, "rolled back the deploy") || ch.Archived {
			t.Errorf("after resolving: archived %v, messages %+v", ch.Archived, ch.Messages)
		}
		s.advance(t, 24*time.Hour)
		inc = s.incident(t, "INC-1")
		if ch = s.channelOf(t, inc); !ch.Archived || inc.Slack.ArchivedAt == nil {
			t.Errorf("a day after resolving the channel is not archived: %+v", inc.Slack)
		}
		if types := s.timelineTypes(t, "INC-1"); types[fireline.EventSlackChannel] != 2 {
			t.Errorf("timeline: %d slack_channel events, want created and archived", types[fireline.EventSlackChannel])
		}
	})
}

func hasMessage(ch slacktest.Channel, text string) bool {
	for _, m := range ch.Messages {
		if strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSlackCheckCommand: `fireline slack check` passes when the token
// works with every scope and every person resolves, and names what is
// wrong otherwise (exit 1): a person no Slack user has the email of, a
// token Slack refuses.
func TestSlackCheckCommand(t *testing.T) {
	t.Parallel()
	fake := slacktest.New(slackToken)
	defer fake.Close()
	pol, err := loadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	for _, per := range pol.People[1:] {
		fake.AddUser("U"+per.ID, per.Email)
	}
	run := func(token string) cliResult {
		var stdout, stderr bytes.Buffer
		vars := map[string]string{"FIRELINE_SLACK_BOT_TOKEN": token, "FIRELINE_SLACK_SIGNING_SECRET": slackSecret, "FIRELINE_SLACK_API_URL": fake.APIURL()}
		code := Main(context.Background(), []string{"slack", "check"}, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }})
		return cliResult{stdout.String(), stderr.String(), code}
	}
	r := run(slackToken)
	if r.code != 1 || !strings.Contains(r.stderr, "person "+pol.People[0].ID+": no Slack user has the email "+pol.People[0].Email) {
		t.Errorf("one person missing: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	fake.AddUser("U"+pol.People[0].ID, pol.People[0].Email)
	if r = run(slackToken); r.code != 0 || !strings.Contains(r.stdout, "ok") {
		t.Errorf("all resolve: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = run("xoxb-wrong"); r.code == 0 || !strings.Contains(r.stderr, "invalid_auth") {
		t.Errorf("a wrong token: exit %d\n%s", r.code, r.stderr)
	}
}

// TestSlackRestricted: a restricted incident's channel is private and
// never announced, and /incident status from a non-member shows nothing
// of it.
func TestSlackRestricted(t *testing.T) {
	t.Parallel()
	s := startSlackServer(t, firelinetest.SQLiteDSN(t))
	s.mustCLI(t, adminSecret, "incident", "declare", "--title", "Leaked credentials", "--severity", "P1", "--source", "security")
	s.advance(t, 0)
	inc := s.incident(t, "INC-1")
	ch := s.channelOf(t, inc)
	if !inc.Restricted || !ch.Private {
		t.Errorf("restricted %v, private channel %v", inc.Restricted, ch.Private)
	}
	if announce, _ := s.slack.Channel("incidents"); len(announce.Messages) != 0 {
		t.Errorf("a restricted incident was announced: %+v", announce.Messages)
	}
	var outsider string
	for _, per := range s.policy(t).People {
		if !inc.HasMember(per.ID) {
			outsider = per.ID
			break
		}
	}
	_, body := s.command(t, outsider, "C0", "INC-1 status")
	if strings.Contains(body, "Leaked") || !strings.Contains(body, "not found") {
		t.Errorf("a non-member's /incident INC-1 status: %s", body)
	}
}

// TestSlackContactMethod: contact_methods [{type: slack}] pages by direct
// message with the incident, the step and an Acknowledge button, the
// attempt on the timeline; a person Slack does not know falls back to
// their next method.
func TestSlackContactMethod(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startSlack(t, dsn, false, 0, func(y string) string {
			for _, per := range []string{primary, secondary} {
				y = strings.Replace(y, "    email: "+per+"@berrys.ai\n    contact_methods:\n", "    email: "+per+"@berrys.ai\n    contact_methods:\n      - { type: slack }\n", 1)
			}
			return strings.Replace(y, "    email: "+secondary+"@berrys.ai\n", "    email: "+secondary+"@berrys.ai\n    slack_id: UNKNOWN\n", 1)
		})
		s.mustCLI(t, adminSecret, "incident", "declare", "--title", "Checkout errors", "--severity", "P1")
		s.advance(t, 0)
		var dm *slacktest.Channel
		for _, c := range s.slack.Channels() {
			if c.IM && c.Name == s.users[primary] {
				dm = &c
			}
		}
		if dm == nil || len(dm.Messages) != 1 || !strings.Contains(dm.Messages[0].Text, "INC-1") || !strings.Contains(string(dm.Messages[0].Blocks), "fireline_ack") {
			t.Fatalf("direct message to %s: %+v", primary, dm)
		}
		var slackSent, fellBack bool
		for _, ev := range s.timeline(t, "INC-1") {
			var d fireline.PageAttemptData
			if json.Unmarshal(ev.Data, &d) != nil {
				continue
			}
			if ev.Type == fireline.EventPageSent && d.Method == fireline.MethodSlack && d.Recipient.Person == primary {
				slackSent = true
			}
			if ev.Type == fireline.EventPageSent && d.Method == fireline.MethodWebhook && d.Recipient.Person == secondary {
				fellBack = true
			}
		}
		if !slackSent {
			t.Error("no page_sent by slack on the timeline")
		}
		s.advance(t, time.Hour)
		for _, ev := range s.timeline(t, "INC-1") {
			var d fireline.PageAttemptData
			if ev.Type == fireline.EventPageSent && json.Unmarshal(ev.Data, &d) == nil && d.Method == fireline.MethodWebhook && d.Recipient.Person == secondary {
				fellBack = true
			}
		}
		if !fellBack {
			for _, ev := range s.timeline(t, "INC-1") {
				if strings.Contains(string(ev.Data), secondary) {
					t.Logf("%s %s", ev.Type, ev.Data)
				}
			}
			t.Errorf("%s, whom Slack does not know, was not paged by their next method", secondary)
		}
	})
}
