package bench

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// pageSink is the loopback webhook receiver: it verifies each page's
// Standard Webhooks signature and tells the waiter of its incident.
type pageSink struct {
	url     string
	secret  string
	mu      sync.Mutex
	waiters map[string]chan time.Time
	first   map[string]time.Time // first arrival per incident
	pages   atomic.Int64
	bad     atomic.Int64
	close   func()
}

func startPageSink() (*pageSink, error) {
	key := make([]byte, 24)
	rand.Read(key)
	s := &pageSink{secret: "whsec_" + base64.StdEncoding.EncodeToString(key), waiters: map[string]chan time.Time{}, first: map[string]time.Time{}}
	wh, err := standardwebhooks.NewWebhook(s.secret)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		at := time.Now()
		if err := wh.Verify(body, r.Header); err != nil {
			s.bad.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var env struct {
			Data struct {
				Incident string `json:"incident"`
			} `json:"data"`
		}
		json.Unmarshal(body, &env)
		s.pages.Add(1)
		s.mu.Lock()
		ch := s.waiters[env.Data.Incident]
		if _, seen := s.first[env.Data.Incident]; !seen {
			s.first[env.Data.Incident] = at
		}
		s.mu.Unlock()
		if ch != nil {
			select {
			case ch <- at:
			default:
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(ln)
	s.url, s.close = "http://"+ln.Addr().String(), func() { srv.Close() }
	return s, nil
}

// expect returns the channel the first page about incident arrives on
// (at once when it arrived already).
func (s *pageSink) expect(incident string) chan time.Time {
	ch := make(chan time.Time, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if at, ok := s.first[incident]; ok {
		ch <- at
		return ch
	}
	s.waiters[incident] = ch
	return ch
}

func (s *pageSink) forget(incident string) {
	s.mu.Lock()
	delete(s.waiters, incident)
	s.mu.Unlock()
}
