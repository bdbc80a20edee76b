package soak

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// fault is how the receiver answers one delivery attempt.
type fault int

const (
	accept     fault = iota // 204
	fail500                 // 500 Internal Server Error
	throttle                // 429 with Retry-After: 2
	hangUp                  // the connection is closed without an answer
	slowAccept              // 204 after 1.5 s
)

// retryAfter is what the throttling answer asks for.
const retryAfter = 2 * time.Second

func (f fault) String() string {
	return [...]string{"accept", "500", "429", "hang-up", "slow"}[f]
}

// attempt is one request the receiver got.
type attempt struct {
	ID, Path, Type, Incident, Step string
	At                             time.Time
	Fault                          fault
}

// receiver is a loopback Standard Webhooks endpoint: it verifies every
// request's signature and timestamp with the reference library, answers
// as script says for the request's message id and attempt number, and
// records every attempt.
type receiver struct {
	URL    string
	srv    *http.Server
	wh     *standardwebhooks.Webhook
	mu     sync.Mutex
	tries  []attempt
	bad    []string // requests that did not verify
	script func(id string, n int) fault
}

// newReceiver starts a receiver that accepts everything until script is
// set.
func newReceiver() (*receiver, error) {
	wh, err := standardwebhooks.NewWebhook(webhookSecret)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{URL: "http://" + ln.Addr().String(), wh: wh}
	rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go rc.srv.Serve(ln)
	return rc, nil
}

// setScript sets how attempts are answered: n is the attempt's number
// for its message id, from 1.
func (rc *receiver) setScript(f func(id string, n int) fault) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.script = f
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := rc.wh.Verify(body, r.Header); err != nil {
		rc.mu.Lock()
		rc.bad = append(rc.bad, r.URL.Path+": "+err.Error())
		rc.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var msg struct {
		Type string `json:"type"`
		Data struct{ Incident, Step string }
	}
	json.Unmarshal(body, &msg)
	a := attempt{ID: r.Header.Get("webhook-id"), Path: r.URL.Path, Type: msg.Type, Incident: msg.Data.Incident, Step: msg.Data.Step, At: time.Now()}
	rc.mu.Lock()
	n := 1
	for _, t := range rc.tries {
		if t.ID == a.ID {
			n++
		}
	}
	if rc.script != nil {
		a.Fault = rc.script(a.ID, n)
	}
	rc.tries = append(rc.tries, a)
	rc.mu.Unlock()
	writeFault(w, a.Fault)
}

// writeFault writes the fault's answer.
func writeFault(w http.ResponseWriter, f fault) {
	switch f {
	case fail500:
		w.WriteHeader(http.StatusInternalServerError)
	case throttle:
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
	case hangUp:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	case slowAccept:
		time.Sleep(1500 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// attempts returns every attempt so far, in arrival order.
func (rc *receiver) attempts() []attempt {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]attempt(nil), rc.tries...)
}

// unverified returns the requests whose signature did not verify.
func (rc *receiver) unverified() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.bad...)
}

// delivered returns the attempts that were answered with success.
func delivered(tries []attempt) []attempt {
	var out []attempt
	for _, t := range tries {
		if t.Fault == accept || t.Fault == slowAccept {
			out = append(out, t)
		}
	}
	return out
}

func (rc *receiver) close() { rc.srv.Close() }

// judgeSignatures fails res for every request that did not verify.
func (rc *receiver) judgeSignatures(res *Result) {
	for _, b := range rc.unverified() {
		res.fail("a webhook did not verify: %s", b)
	}
}
