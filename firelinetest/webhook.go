package firelinetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// WebhookSecret is the signing secret test servers share with the sink.
const WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Hook is one webhook the sink accepted: its id, the path it was posted
// to (one per recipient), and its decoded body.
type Hook struct {
	ID   string
	Path string
	At   time.Time // when it arrived, on the wall clock
	Type string
	Data map[string]any
	Raw  []byte
}

// WebhookSink is a loopback HTTP server that verifies every request's
// Standard Webhooks signature with the reference library, and records the
// ones that verify. A request that fails verification fails the test.
// Respond, when set, picks the answer's status and Retry-After for a path.
type WebhookSink struct {
	URL     string
	t       testing.TB
	mu      sync.Mutex
	hooks   []Hook
	respond func(path string) (int, string)
	notify  chan Hook
}

// NewWebhookSink starts a sink, stopped when the test ends.
func NewWebhookSink(t testing.TB) *WebhookSink {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(WebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	s := &WebhookSink{t: t, notify: make(chan Hook, 100000)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// The test servers run on a manual clock, so the timestamp is not
		// judged against the wall clock; the signature is.
		if err := wh.VerifyIgnoringTimestamp(body, r.Header); err != nil {
			t.Errorf("webhook to %s does not verify: %v", r.URL.Path, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		respond := s.respond
		s.mu.Unlock()
		if respond != nil {
			if code, retryAfter := respond(r.URL.Path); code != 0 {
				if retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(code)
				return
			}
		}
		var env struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		h := Hook{ID: r.Header.Get("webhook-id"), Path: r.URL.Path, At: time.Now(), Type: env.Type, Data: env.Data, Raw: body}
		s.mu.Lock()
		s.hooks = append(s.hooks, h)
		s.mu.Unlock()
		select {
		case s.notify <- h:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	s.URL = srv.URL
	t.Cleanup(srv.Close)
	return s
}

// Respond sets how the sink answers; nil (or a 0 status) accepts.
func (s *WebhookSink) Respond(f func(path string) (int, string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

// Hooks returns the accepted webhooks, in arrival order.
func (s *WebhookSink) Hooks() []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Hook(nil), s.hooks...)
}

// Arrivals delivers each accepted webhook as it arrives.
func (s *WebhookSink) Arrivals() <-chan Hook { return s.notify }

// To returns the accepted webhooks posted to path ("/p/alex").
func (s *WebhookSink) To(path string) []Hook {
	var out []Hook
	for _, h := range s.Hooks() {
		if h.Path == path || strings.HasPrefix(h.Path, path+"?") {
			out = append(out, h)
		}
	}
	return out
}
