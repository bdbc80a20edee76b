package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestSlackUnderRateLimit: 50 P1 incidents while Slack allows each
// method once a second. Every page goes out at once, as without Slack;
// the Slack jobs wait as Retry-After says and, in the end, every incident
// has exactly one channel with its pinned summary and its announcement:
// nothing lost, nothing twice.
func TestSlackUnderRateLimit(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startSlackServer(t, dsn)
		s.slack.Limit("*", 1)
		t0 := s.clock.Now()
		const n = 50
		for i := 1; i <= n; i++ {
			s.mustCLI(t, adminSecret, "incident", "declare", "--title", fmt.Sprintf("Checkout errors %d", i), "--severity", "P1")
		}
		s.advance(t, 0)
		for i := 1; i <= n; i++ {
			sent := lastOfType(s.timeline(t, fireline.IncidentID(int64(i))), fireline.EventPageSent)
			if sent == nil || !sent.At.Equal(t0) {
				t.Fatalf("INC-%d: page %+v, want one sent at %s", i, sent, t0)
			}
		}
		if got := len(s.slack.Calls("")); got == 0 || len(channelsNamed(s, "incident-")) == n {
			t.Fatalf("under the limit, %d calls made %d channels at once", got, len(channelsNamed(s, "incident-")))
		}
		for i := 1; i <= n; i++ {
			s.mustCLI(t, adminSecret, "incident", "ack", fireline.IncidentID(int64(i)))
		}
		s.untilSlackDone(t, time.Hour)
		chans := channelsNamed(s, "incident-")
		if len(chans) != n {
			t.Fatalf("%d channels for %d incidents", len(chans), n)
		}
		for i := 1; i <= n; i++ {
			inc := s.incident(t, fireline.IncidentID(int64(i)))
			ch := s.channelOf(t, inc)
			if len(ch.Messages) == 0 {
				var state, lastErr string
				var attempts int
				s.db.Writer().QueryRow(fmt.Sprintf("SELECT state, attempts, last_error FROM jobs WHERE key = 'slack:%d' ORDER BY id DESC LIMIT 1", i)).Scan(&state, &attempts, &lastErr)
				t.Fatalf("%s: no message in its channel; slack %+v; job %s %d %s", inc.ID, inc.Slack, state, attempts, lastErr)
			}
			if len(ch.Pins) != 1 || !strings.Contains(ch.Messages[0].Text, inc.ID+" [P1]") {
				t.Errorf("%s: pins %v, first message %q", inc.ID, ch.Pins, ch.Messages[0].Text)
			}
		}
		announce, _ := s.slack.Channel("incidents")
		if len(announce.Messages) != n {
			t.Errorf("%d announcements for %d incidents", len(announce.Messages), n)
		}
		limited, lastPin := 0, t0
		for _, c := range s.slack.Calls("") {
			if c.Status == 429 {
				limited++
			} else if c.Method == "pins.add" {
				lastPin = c.At
			}
		}
		t.Logf("%d Slack calls, %d answered 429; the last summary was pinned %s after the pages", len(s.slack.Calls("")), limited, lastPin.Sub(t0))
	})
}

// TestSlackOutage: Slack down when a P1 is declared: the page goes out
// at once, the incident's timeline and page say Slack is failing, and
// when Slack is back the channel catches up (one channel, recovered).
func TestSlackOutage(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startSlackServer(t, dsn)
		s.slack.SetDown(true)
		s.mustCLI(t, adminSecret, "incident", "declare", "--title", "Checkout errors", "--severity", "P1")
		s.advance(t, 0)
		if sent := lastOfType(s.timeline(t, "INC-1"), fireline.EventPageSent); sent == nil {
			t.Fatal("no page while Slack is down")
		}
		inc := s.incident(t, "INC-1")
		if inc.Slack == nil || inc.Slack.Error == "" || inc.Slack.ID != "" {
			t.Fatalf("slack state while down: %+v", inc.Slack)
		}
		resp := s.console(t, "GET", "/incidents/INC-1", s.session(t, "viewer", "casey"), nil)
		var page strings.Builder
		buf := make([]byte, 1<<16)
		for {
			k, err := resp.Body.Read(buf)
			page.Write(buf[:k])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if !strings.Contains(page.String(), `id="slack-error"`) {
			t.Error("the incident page does not show Slack failing")
		}
		s.advance(t, 10*time.Minute)
		s.slack.SetDown(false)
		s.advance(t, 10*time.Minute)
		inc = s.incident(t, "INC-1")
		s.channelOf(t, inc)
		if inc.Slack.Error != "" {
			t.Errorf("after recovery: %+v", inc.Slack)
		}
		var what []string
		for _, ev := range s.timeline(t, "INC-1") {
			if ev.Type == fireline.EventSlackChannel {
				d, _ := ev.DecodeData()
				what = append(what, d.(*fireline.SlackChannelData).What)
			}
		}
		if strings.Join(what, ",") != "failing,created,recovered" {
			t.Errorf("slack_channel events %v, want failing, created, recovered", what)
		}
	})
}

func channelsNamed(s *slackServer, prefix string) []string {
	var out []string
	for _, c := range s.slack.Channels() {
		if strings.HasPrefix(c.Name, prefix) {
			out = append(out, c.Name)
		}
	}
	return out
}

// untilSlackDone runs due jobs from one instant to the next, as the
// runner does in real time, until no Slack job is pending or within
// has passed.
func (s *slackServer) untilSlackDone(t *testing.T, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	end := s.clock.Now().Add(within)
	for range 100000 {
		var pending int
		if err := s.db.Writer().QueryRow("SELECT COUNT(*) FROM jobs WHERE kind = 'slack.sync' AND state IN ('pending', 'running')").Scan(&pending); err != nil {
			t.Fatal(err)
		}
		next, ok, err := s.paging.runner.NextDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 || !ok || next.After(end) {
			return
		}
		if next.After(s.clock.Now()) {
			s.clock.Set(next)
		}
		if _, err := s.paging.runner.RunDue(ctx, s.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
}
