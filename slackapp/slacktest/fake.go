// Package slacktest is an in-process Slack for tests: the Web API's
// methods Fireline calls, on Slack's wire format (form, query or JSON
// posts to /api/<method>, answers {"ok":false,"error":...}), enforcing
// the rules Slack enforces: the bot token (invalid_auth), channel names
// (invalid_name_specials, invalid_name_maxlength, name_taken), a rate per
// method (429 ratelimited with Retry-After), membership (not_in_channel)
// and archived channels (is_archived). It also receives what Fireline
// posts to a slash command's response_url. slack-go's own slacktest
// answers every call with ok and enforces none of these.
//
// It imports only the standard library.
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake Slack workspace.
type Server struct {
	// Token is the bot token it accepts.
	Token string
	// Scopes are answered in auth.test's X-OAuth-Scopes header.
	Scopes []string
	// Now is the clock of its rate limits (default time.Now).
	Now func() time.Time
	// Delay makes every answer this slow (a slow Slack).
	Delay time.Duration

	srv *httptest.Server
	mu  sync.Mutex
	st  state
}

// Channel is a conversation as the fake keeps it.
type Channel struct {
	ID, Name, Topic, Creator string
	Private, Archived, IM    bool
	Members                  []string
	Messages                 []Message
	Pins                     []string
	Bookmarks                []string
	Created                  int64
}

// Message is a message posted in a channel.
type Message struct {
	TS, Text, User, Thread string
	Blocks                 json.RawMessage
	Edits                  int
}

// Call is one API call received.
type Call struct {
	Method string
	Args   url.Values
	Body   string
	At     time.Time
	Status int
}

type state struct {
	channels  []*Channel
	users     map[string]string // email -> user id
	calls     []Call
	responses []string // bodies posted to response URLs
	views     []string
	limit     map[string]float64 // method -> calls a second (0: none)
	last      map[string]time.Time
	down      bool
	seq       int
}

// BotUser is the bot's own user id.
const BotUser = "UBOT"

// New starts a fake Slack accepting token, with all the scopes Fireline
// asks for.
func New(token string) *Server {
	s := &Server{Token: token, Scopes: []string{"channels:manage", "channels:read", "channels:history", "groups:write", "groups:read", "groups:history",
		"chat:write", "pins:read", "pins:write", "bookmarks:write", "reactions:read", "users:read", "users:read.email", "im:write", "commands"}}
	s.st = state{users: map[string]string{}, limit: map[string]float64{}, last: map[string]time.Time{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// APIURL is the Web API's base URL, ending in a slash (slack.OptionAPIURL).
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// ResponseURL is a response_url to give a slash command.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/respond/" + id }

// AddUser adds a workspace member with an email and returns their id.
func (s *Server) AddUser(id, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.users[strings.ToLower(email)] = id
}

// Say posts a message as user in a channel (a person typing in Slack)
// and returns its ts.
func (s *Server) Say(channel, user, text, thread string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.byID(channel)
	m := Message{TS: s.nextTS(), Text: text, User: user, Thread: thread}
	c.Messages = append(c.Messages, m)
	return m.TS
}

// AddChannel adds a channel someone else made (its name is then taken),
// with members (BotUser: the bot is in it).
func (s *Server) AddChannel(name string, members ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newChannel(name, "UOTHER", false, members).ID
}

// Limit lets method be called perSecond times a second; more are
// answered 429 with Retry-After. Method "*" limits each method that has
// no limit of its own.
func (s *Server) Limit(method string, perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.limit[method] = perSecond
}

// SetDelay makes every answer take d from now on.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Delay = d
}

// SetDown makes every call fail with 503 (Slack down) until set up again.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.down = down
}

// Channels returns copies of the channels, oldest first.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, 0, len(s.st.channels))
	for _, c := range s.st.channels {
		cp := *c
		cp.Members = append([]string(nil), c.Members...)
		cp.Messages = append([]Message(nil), c.Messages...)
		cp.Pins = append([]string(nil), c.Pins...)
		cp.Bookmarks = append([]string(nil), c.Bookmarks...)
		out = append(out, cp)
	}
	return out
}

// Channel returns the channel named name.
func (s *Server) Channel(name string) (Channel, bool) {
	for _, c := range s.Channels() {
		if c.Name == name {
			return c, true
		}
	}
	return Channel{}, false
}

// Calls returns the calls received, of method when not empty.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.st.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Responses returns the bodies posted to response URLs.
func (s *Server) Responses() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.st.responses...)
}

// Views returns the views opened (views.open's view argument).
func (s *Server) Views() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.st.views...)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	delay := s.Delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay) // a slow Slack, in real time: what a 3 s deadline is about
	}
	body, _ := io.ReadAll(r.Body)
	if id, ok := strings.CutPrefix(r.URL.Path, "/respond/"); ok {
		s.mu.Lock()
		s.st.responses = append(s.st.responses, string(body))
		s.mu.Unlock()
		_ = id
		w.Write([]byte("ok"))
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	args := parseArgs(r, body)
	s.mu.Lock()
	defer s.mu.Unlock()
	status := s.answer(w, r, method, args)
	s.st.calls = append(s.st.calls, Call{Method: method, Args: args, Body: string(body), At: s.now(), Status: status})
}

// parseArgs reads a call's arguments from its query, form or JSON body.
func parseArgs(r *http.Request, body []byte) url.Values {
	args := r.URL.Query()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				switch x := v.(type) {
				case string:
					args.Set(k, x)
				case bool:
					args.Set(k, strconv.FormatBool(x))
				default:
					b, _ := json.Marshal(x)
					args.Set(k, string(b))
				}
			}
		}
	} else if form, err := url.ParseQuery(string(body)); err == nil {
		for k, v := range form {
			args[k] = v
		}
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && args.Get("token") == "" {
		args.Set("token", tok)
	}
	return args
}

// answer checks the rules every method shares, then runs the method.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, method string, args url.Values) int {
	if s.st.down {
		http.Error(w, "slack is down", http.StatusServiceUnavailable)
		return http.StatusServiceUnavailable
	}
	if wait := s.rateWait(method); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
		return http.StatusTooManyRequests
	}
	if args.Get("token") != s.Token {
		writeJSON(w, fail("invalid_auth"))
		return http.StatusOK
	}
	h, ok := methods[method]
	if !ok {
		writeJSON(w, fail("unknown_method"))
		return http.StatusOK
	}
	if method == "auth.test" {
		w.Header().Set("X-OAuth-Scopes", strings.Join(s.Scopes, ","))
	}
	writeJSON(w, h(s, args))
	return http.StatusOK
}

// rateWait is how long a call of method must wait under its limit (0:
// it may go now, and counts).
func (s *Server) rateWait(method string) time.Duration {
	per, own := s.st.limit[method]
	if !own {
		per = s.st.limit["*"]
	}
	if per <= 0 {
		return 0
	}
	gap := time.Duration(float64(time.Second) / per)
	now := s.now()
	if last, ok := s.st.last[method]; ok && now.Sub(last) < gap {
		return gap - now.Sub(last)
	}
	s.st.last[method] = now
	return 0
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func fail(code string) map[string]any { return map[string]any{"ok": false, "error": code} }

func ok(kv ...any) map[string]any {
	m := map[string]any{"ok": true}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func (s *Server) nextTS() string {
	s.st.seq++
	return fmt.Sprintf("%d.%06d", s.now().Unix(), s.st.seq)
}
