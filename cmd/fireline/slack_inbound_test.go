package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// slackSign signs a body as Slack does: v0=hex(HMAC-SHA256(secret,
// "v0:ts:body")).
func slackSign(secret string, ts time.Time, body string) (string, string) {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:%s", stamp, body)
	return stamp, "v0=" + hex.EncodeToString(m.Sum(nil))
}

// slackPost posts a request to one of Slack's routes, signed with secret
// at ts (Slack's clock is the real one: the verifier's window is in real
// time), and returns the status and body.
func (s *slackServer) slackPost(t testing.TB, path, contentType, body, secret string, ts time.Time) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	stamp, sig := slackSign(secret, ts, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// command posts a signed /incident slash command from a person.
func (s *slackServer) command(t testing.TB, person, channel, text string) (int, string) {
	t.Helper()
	form := url.Values{"team_id": {"T1"}, "channel_id": {channel}, "user_id": {s.users[person]}, "user_name": {person},
		"command": {"/incident"}, "text": {text}, "response_url": {s.slack.ResponseURL("r1")}, "trigger_id": {"trig.1"}, "api_app_id": {"A1"}}
	return s.slackPost(t, "/integrations/slack/commands", "application/x-www-form-urlencoded", form.Encode(), slackSecret, time.Now())
}

// event posts a signed Events API callback.
func (s *slackServer) event(t testing.TB, id string, inner map[string]any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": id, "event_time": time.Now().Unix(), "event": inner})
	return s.slackPost(t, "/integrations/slack/events", "application/json", string(b), slackSecret, time.Now())
}

func (s *slackServer) timeline(t testing.TB, id string) []*fireline.Event {
	t.Helper()
	var log struct{ Events []*fireline.Event }
	s.cliJSON(t, adminSecret, &log, "incident", "log", id)
	return log.Events
}

// TestSlackInbound: Slack's requests, each verified by its signature:
// /incident ack from the incident's channel acknowledges as the person
// typing it; a bad signature, an old timestamp and a viewer's /incident
// resolve are refused and change nothing; a pinned message, a message
// marked with the reaction and one starting decision: (in a thread) land
// on the timeline with their author and permalink; the Acknowledge and
// I'll be incident commander buttons act as who pressed them; the Events
// API's URL check is answered.
func TestSlackInbound(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startSlackServer(t, dsn)
		s.mustCLI(t, adminSecret, "incident", "declare", "--title", "Checkout errors", "--severity", "P1")
		s.advance(t, 0)
		ch := s.channelOf(t, s.incident(t, "INC-1"))

		code, body := s.slackPost(t, "/integrations/slack/events", "application/json", `{"token":"x","challenge":"c-123","type":"url_verification"}`, slackSecret, time.Now())
		if code != 200 || body != "c-123" {
			t.Errorf("url_verification: %d %q", code, body)
		}

		// Refused, changing nothing: a bad signature, an old timestamp, a viewer.
		form := url.Values{"channel_id": {ch.ID}, "user_id": {s.users[primary]}, "command": {"/incident"}, "text": {"ack"}}.Encode()
		code, body = s.slackPost(t, "/integrations/slack/commands", "application/x-www-form-urlencoded", form, "not-the-secret", time.Now())
		if code != http.StatusUnauthorized || !strings.Contains(body, "X-Slack-Signature does not verify") {
			t.Errorf("bad signature: %d %s", code, body)
		}
		code, body = s.slackPost(t, "/integrations/slack/commands", "application/x-www-form-urlencoded", form, slackSecret, time.Now().Add(-6*time.Minute))
		if code != http.StatusUnauthorized || !strings.Contains(body, "more than 5 minutes") {
			t.Errorf("old timestamp: %d %s", code, body)
		}
		s.newUser(t, "viewer", "casey")
		code, body = s.command(t, "casey", ch.ID, "resolve all good")
		if code != 200 || !strings.Contains(body, "Refused") || !strings.Contains(body, "responder") {
			t.Errorf("viewer's resolve: %d %s", code, body)
		}
		if inc := s.incident(t, "INC-1"); inc.Status != fireline.StatusTriggered {
			t.Fatalf("after the refused requests the incident is %s", inc.Status)
		}

		code, body = s.command(t, primary, ch.ID, "ack")
		if code != 200 || !strings.Contains(body, "INC-1: acknowledge done") || !strings.Contains(body, `"ephemeral"`) {
			t.Errorf("/incident ack: %d %s", code, body)
		}
		ack := lastOfType(s.timeline(t, "INC-1"), fireline.EventAcknowledged)
		if ack == nil || ack.Actor != primary {
			t.Fatalf("acknowledged event %+v, want by %s", ack, primary)
		}
		code, body = s.command(t, primary, ch.ID, "status")
		if !strings.Contains(body, "acknowledged") {
			t.Errorf("/incident status: %d %s", code, body)
		}

		// From the channel back to the log.
		pinned := s.slack.Say(ch.ID, s.users[secondary], "failover took 4 minutes", "")
		s.event(t, "Ev1", map[string]any{"type": "pin_added", "user": s.users[primary], "channel_id": ch.ID,
			"item": map[string]any{"type": "message", "channel": ch.ID, "message": map[string]any{"type": "message", "user": s.users[secondary], "text": "failover took 4 minutes", "ts": pinned}}})
		s.event(t, "Ev1", map[string]any{"type": "pin_added", "user": s.users[primary], "channel_id": ch.ID,
			"item": map[string]any{"type": "message", "channel": ch.ID, "message": map[string]any{"type": "message", "user": s.users[secondary], "text": "failover took 4 minutes", "ts": pinned}}})
		marked := s.slack.Say(ch.ID, s.users[secondary], "replica lag at 90s", "")
		s.event(t, "Ev2", map[string]any{"type": "reaction_added", "user": s.users[primary], "reaction": "pushpin", "item_user": s.users[secondary],
			"item": map[string]any{"type": "message", "channel": ch.ID, "ts": marked}})
		s.event(t, "Ev3", map[string]any{"type": "message", "user": s.users[primary], "text": "Decision: roll back the deploy", "ts": "1764600000.000900",
			"thread_ts": pinned, "channel": ch.ID, "channel_type": "channel"})
		notes := map[string]fireline.NoteData{}
		for _, ev := range s.timeline(t, "INC-1") {
			var d fireline.NoteData
			if ev.Type == fireline.EventNote && json.Unmarshal(ev.Data, &d) == nil && d.Source != nil {
				if _, dup := notes[d.Text]; dup {
					t.Errorf("note %q recorded twice", d.Text)
				}
				notes[d.Text] = d
			}
		}
		if n := notes["failover took 4 minutes"]; n.Source == nil || n.Source.Person != secondary || !strings.Contains(n.Source.Link, "/archives/"+ch.ID+"/p") {
			t.Errorf("pinned note %+v", n.Source)
		}
		if n := notes["replica lag at 90s"]; n.Source == nil || n.Source.TS != marked {
			t.Errorf("reaction note %+v", notes)
		}
		if n := notes["roll back the deploy"]; n.Kind != fireline.NoteDecision || n.Source == nil || n.Source.Thread != pinned {
			t.Errorf("decision note %+v", n)
		}

		// Buttons on the pinned summary.
		payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": s.users[secondary]}, "response_url": s.slack.ResponseURL("r2"),
			"trigger_id": "t", "actions": []map[string]any{{"action_id": "fireline_take_command", "block_id": "fireline_incident", "value": "INC-1", "type": "button"}}})
		code, body = s.slackPost(t, "/integrations/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode(), slackSecret, time.Now())
		if code != 200 || !strings.Contains(body, "assign_role done") {
			t.Errorf("I'll be incident commander: %d %s", code, body)
		}
		if inc := s.incident(t, "INC-1"); inc.RoleHolder(fireline.RoleIncidentCommander) != secondary {
			t.Errorf("commander %q, want %s", inc.RoleHolder(fireline.RoleIncidentCommander), secondary)
		}
	})
}

// TestSlackDeclareModal: /incident declare with Slack slow (3 s a call)
// is answered within Slack's 3 s ("Working on it…"), the reply follows on
// the response_url once views.open returns, and the modal's submission
// declares the incident as the person who filled it in.
//
// Not parallel: it times the answer against Slack's 3 s in wall time.
func TestSlackDeclareModal(t *testing.T) {
	s := startSlackServer(t, firelinetest.SQLiteDSN(t))
	s.command(t, primary, "C0", "help") // the person's Slack user, looked up once
	s.slack.SetDelay(3 * time.Second)
	start := time.Now()
	code, body := s.command(t, primary, "C0", "declare")
	if took := time.Since(start); code != 200 || took > 3*time.Second || !strings.Contains(body, "Working on it") {
		t.Fatalf("declare with a slow Slack: %d %s after %s", code, body, took)
	}
	firelinetest.Eventually(t, 10*time.Second, func() error { // the server's reply reaches the fake in real time
		if len(s.slack.Responses()) == 0 {
			return errors.New("nothing on the response_url")
		}
		return nil
	})
	if r := s.slack.Responses(); len(r) != 1 || !strings.Contains(r[0], "fill in the form") {
		t.Fatalf("response_url got %v", r)
	}
	if v := s.slack.Views(); len(v) != 1 || !strings.Contains(v[0], "P1 Critical") || !strings.Contains(v[0], "fireline_declare") {
		t.Fatalf("views opened: %v", v)
	}
	s.slack.SetDelay(0)
	payload, _ := json.Marshal(map[string]any{"type": "view_submission", "user": map[string]any{"id": s.users[primary]},
		"view": map[string]any{"callback_id": "fireline_declare", "state": map[string]any{"values": map[string]any{
			"title":       map[string]any{"title": map[string]any{"type": "plain_text_input", "value": "Login failures"}},
			"severity":    map[string]any{"severity": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "P2"}}},
			"description": map[string]any{"description": map[string]any{"type": "plain_text_input", "value": "SSO errors"}},
		}}}})
	code, body = s.slackPost(t, "/integrations/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode(), slackSecret, time.Now())
	if code != 200 || !strings.Contains(body, `"clear"`) {
		t.Fatalf("submission: %d %s", code, body)
	}
	inc := s.incident(t, "INC-1")
	if inc.Title != "Login failures" || inc.Severity != "P2" || inc.DeclaredBy != primary {
		t.Errorf("declared %+v", inc)
	}
}
