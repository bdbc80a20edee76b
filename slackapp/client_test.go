package slackapp_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/slackapp"
	"github.com/fireline-dev/fireline/slackapp/slacktest"
)

const token = "xoxb-test-token"

// TestClientMeetsSlacksRules: the client against the fake Slack, which
// answers as Slack does: a wrong token, bad and taken channel names, a
// rate limit with Retry-After, an archived channel, a channel the bot is
// not in.
func TestClientMeetsSlacksRules(t *testing.T) {
	ctx := context.Background()
	clock := firelinetest.NewClock(time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC))
	fake := slacktest.New(token)
	fake.Now = clock.Now
	defer fake.Close()
	c := slackapp.NewClient(token, slackapp.Options{APIURL: fake.APIURL()})

	if _, _, err := slackapp.NewClient("xoxb-wrong", slackapp.Options{APIURL: fake.APIURL()}).CreateChannel(ctx, "x", false); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("a wrong token: %v, want invalid_auth", err)
	}
	if _, _, err := c.CreateChannel(ctx, "Bad Name", false); err == nil || !strings.Contains(err.Error(), "invalid_name_specials") {
		t.Errorf("a bad name: %v, want invalid_name_specials", err)
	}
	if _, _, err := c.CreateChannel(ctx, strings.Repeat("a", 81), false); err == nil || !strings.Contains(err.Error(), "invalid_name_maxlength") {
		t.Errorf("a long name: %v, want invalid_name_maxlength", err)
	}
	id, taken, err := c.CreateChannel(ctx, "incident-2026-12-01-db", false)
	if err != nil || taken || id == "" {
		t.Fatalf("create: %q %v %v", id, taken, err)
	}
	if _, taken, err := c.CreateChannel(ctx, "incident-2026-12-01-db", false); err != nil || !taken {
		t.Errorf("create again: taken %v, %v; want name_taken", taken, err)
	}
	if found, err := c.FindOwnChannel(ctx, "incident-2026-12-01-db"); err != nil || found != id {
		t.Errorf("find own channel: %q %v, want %s", found, err, id)
	}
	other := fake.AddChannel("general")
	if _, err := c.Post(ctx, other, fireline.SlackMessage{Text: "hi"}); err == nil || !strings.Contains(err.Error(), "not_in_channel") {
		t.Errorf("post where the bot is not: %v, want not_in_channel", err)
	}
	fake.Limit("chat.postMessage", 1)
	if _, err := c.Post(ctx, id, fireline.SlackMessage{Text: "one"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Post(ctx, id, fireline.SlackMessage{Text: "two"})
	var rl *slackapp.RateLimited
	if !errors.As(err, &rl) || rl.RetryAfter() != time.Second {
		t.Errorf("over the limit: %v, want ratelimited after 1s", err)
	}
	clock.Advance(time.Second)
	if _, err := c.Post(ctx, id, fireline.SlackMessage{Text: "two", Buttons: true, Incident: "INC-1"}); err != nil {
		t.Errorf("after Retry-After: %v", err)
	}
	if err := c.Archive(ctx, id); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if _, err := c.Post(ctx, id, fireline.SlackMessage{Text: "late"}); err == nil || !strings.Contains(err.Error(), "is_archived") {
		t.Errorf("post to an archived channel: %v, want is_archived", err)
	}
}

// TestCheck: the token's scopes and the directory's people, by slack_id
// or email.
func TestCheck(t *testing.T) {
	fake := slacktest.New(token)
	defer fake.Close()
	fake.Scopes = []string{"chat:write"}
	fake.AddUser("U1", "alex@example.com")
	p := &fireline.Policy{People: []fireline.Person{{ID: "alex", Email: "Alex@example.com"}, {ID: "sam", SlackID: "U2"}, {ID: "kim", Email: "kim@example.com"}}}
	rep, err := slackapp.NewClient(token, slackapp.Options{APIURL: fake.APIURL()}).Check(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if rep.People[0].User != "U1" || rep.People[1].User != "U2" || rep.People[2].User != "" {
		t.Errorf("people: %+v", rep.People)
	}
	text := strings.Join(rep.Problems, "\n")
	if !strings.Contains(text, "lacks the scopes channels:manage") || !strings.Contains(text, "person kim: no Slack user has the email kim@example.com") {
		t.Errorf("problems:\n%s", text)
	}
	if _, err := slackapp.NewClient("xoxb-no", slackapp.Options{APIURL: fake.APIURL()}).Check(context.Background(), p); err == nil {
		t.Error("a wrong token passed the check")
	}
}
