package slackapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/fireline-dev/fireline"
)

// MaxBody caps a request from Slack.
const MaxBody = 1 << 20

// AnswerWithin is how long a request may take before Slack gives up on
// it (3 s); the handler answers a little sooner and posts the rest to
// the response_url.
const AnswerWithin = 2500 * time.Millisecond

// ChannelIndex finds the incident of a Slack channel (sqlstore).
type ChannelIndex interface {
	// SlackChannelIncident returns the incident whose channel it is.
	// ENotFound when none.
	SlackChannelIncident(ctx context.Context, channel string) (string, error)
}

// Inbound serves Slack's requests: events (POST
// /integrations/slack/events), slash commands (/integrations/slack/commands)
// and interactions (/integrations/slack/interactions).
type Inbound struct {
	Policy    *fireline.Policy
	Secret    string
	Incidents fireline.IncidentService
	Users     fireline.UserService
	Channels  ChannelIndex
	Client    *Client
	// PublicURL is the server's URL, for links back to Fireline.
	PublicURL string
	// ResponseURLs is the prefix a response_url must have (Slack's hooks
	// by default), so that a request cannot make the server post
	// elsewhere.
	ResponseURLs string
	Logger       *slog.Logger

	people  peopleCache
	seen    eventIDs
	pending sync.WaitGroup
}

// Close waits for the replies still being posted to response URLs.
func (in *Inbound) Close() { in.pending.Wait() }

// Events serves the Events API.
func (in *Inbound) Events(w http.ResponseWriter, r *http.Request) {
	body, ok := in.verified(w, r)
	if ok {
		in.serveEvent(w, r.Context(), body)
	}
}

// Commands serves slash commands.
func (in *Inbound) Commands(w http.ResponseWriter, r *http.Request) {
	body, ok := in.verified(w, r)
	if !ok {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		problem(w, http.StatusBadRequest, "the slash command's form does not parse: "+err.Error())
		return
	}
	in.answer(w, r.Context(), cmd.ResponseURL, func(ctx context.Context) reply { return in.command(ctx, cmd) })
}

// Interactions serves buttons and modal submissions.
func (in *Inbound) Interactions(w http.ResponseWriter, r *http.Request) {
	body, ok := in.verified(w, r)
	if !ok {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var cb slack.InteractionCallback
	if err := r.ParseForm(); err != nil || json.Unmarshal([]byte(r.PostFormValue("payload")), &cb) != nil {
		problem(w, http.StatusBadRequest, "the interaction has no payload field of JSON")
		return
	}
	in.interaction(w, r.Context(), &cb)
}

// verified reads the body and checks Slack's v0 signature over it with
// slack-go's verifier (HMAC-SHA256 of "v0:timestamp:body" with the
// signing secret, compared in constant time, the timestamp within 5
// minutes), before anything parses it.
func (in *Inbound) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if in.Secret == "" {
		problem(w, http.StatusServiceUnavailable, "Slack is not connected: the server has no FIRELINE_SLACK_SIGNING_SECRET")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		problem(w, http.StatusRequestEntityTooLarge, "the request body is over 1 MB")
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, in.Secret)
	if errors.Is(err, slack.ErrExpiredTimestamp) {
		problem(w, http.StatusUnauthorized, "X-Slack-Request-Timestamp is more than 5 minutes from now: the request is refused as a possible replay")
		return nil, false
	}
	if err == nil {
		sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		problem(w, http.StatusUnauthorized, "X-Slack-Signature does not verify with the signing secret: "+err.Error())
		return nil, false
	}
	return body, true
}

// reply is what Fireline answers a person in Slack: text only they see
// (ephemeral) unless public.
type reply struct {
	Text   string
	Public bool
}

func (rp reply) json() map[string]any {
	t := "ephemeral"
	if rp.Public {
		t = "in_channel"
	}
	return map[string]any{"response_type": t, "text": rp.Text}
}

// answer runs work and answers with its reply if it is done within
// AnswerWithin; otherwise it answers that it is working on it, and the
// reply goes to the response_url when the work is done.
func (in *Inbound) answer(w http.ResponseWriter, ctx context.Context, responseURL string, work func(context.Context) reply) {
	done := make(chan reply, 1)
	var mu sync.Mutex
	late := false
	in.pending.Add(1)
	go func() {
		defer in.pending.Done()
		// The work outlives the request when it is slow: its own bound.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		rp := work(wctx)
		mu.Lock()
		defer mu.Unlock()
		if late {
			in.respond(wctx, responseURL, rp)
			return
		}
		done <- rp
	}()
	timer := time.NewTimer(AnswerWithin)
	defer timer.Stop()
	select {
	case rp := <-done:
		writeJSON(w, rp.json())
	case <-timer.C:
		mu.Lock()
		late = true
		mu.Unlock()
		writeJSON(w, reply{Text: "Working on it…"}.json())
	}
}

// DefaultResponseURLs is where Slack's response URLs point.
const DefaultResponseURLs = "https://hooks.slack.com/"

// respond posts a reply to a response_url, if it is Slack's.
func (in *Inbound) respond(ctx context.Context, url string, rp reply) {
	prefix := in.ResponseURLs
	if prefix == "" {
		prefix = DefaultResponseURLs
	}
	if url == "" || !strings.HasPrefix(url, prefix) {
		in.log().Warn("slack: a response_url that is not Slack's is not posted to", "url", url)
		return
	}
	body, _ := json.Marshal(rp.json())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := responseClient.Do(req)
	if err != nil {
		in.log().Warn("slack: post to response_url", "err", err)
		return
	}
	resp.Body.Close()
}

var responseClient = &http.Client{Timeout: 10 * time.Second}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// problem answers an RFC 9457 problem naming what is wrong.
func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail})
}

func (in *Inbound) log() *slog.Logger {
	if in.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Logger
}
