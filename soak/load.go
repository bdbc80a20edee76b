package soak

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// intakeLoad is Jepsen's set workload on the alert intake: senders post
// Alertmanager messages of one to four new alerts each, and remember
// which were answered 200 (acknowledged: they must be stored), which got
// another answer or none (indeterminate: they may or may not be), and
// when each answer came.
type intakeLoad struct {
	url, key string
	client   *http.Client
	stopped  chan struct{}
	wg       sync.WaitGroup
	acked    atomic.Int64

	mu      sync.Mutex
	sent    map[string]bool // every fingerprint sent
	ok      map[string]bool // fingerprints of requests answered 200
	answers []answer
}

// answer is one request's fate: its status, 0 for no answer.
type answer struct {
	at   time.Time
	code int
}

// startLoad starts senders posting to the Alertmanager intake at url with
// the integration key.
func startLoad(url, key string, senders int) *intakeLoad {
	l := &intakeLoad{url: url, key: key, client: &http.Client{Timeout: 10 * time.Second}, stopped: make(chan struct{}),
		sent: map[string]bool{}, ok: map[string]bool{}}
	for s := range senders {
		l.wg.Go(func() { l.send(s) })
	}
	return l
}

func (l *intakeLoad) send(s int) {
	for seq := 0; ; seq++ {
		select {
		case <-l.stopped:
			return
		default:
		}
		var keys []string
		for i := range 1 + (s+seq)%4 {
			keys = append(keys, fmt.Sprintf("s%02d-%06d-%d", s, seq, i))
		}
		if code := l.post(keys); code != http.StatusOK {
			// Down, refusing or over a limit: pause as a sender that
			// retries would, rather than spin.
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// post sends one message and records what it heard.
func (l *intakeLoad) post(keys []string) int {
	l.mu.Lock()
	for _, k := range keys {
		l.sent[k] = true
	}
	l.mu.Unlock()
	code := 0
	req, _ := http.NewRequest("POST", l.url+"/integrations/alertmanager", bytes.NewReader(alertmanagerMessage(keys)))
	req.Header.Set("Authorization", "Bearer "+l.key)
	if resp, err := l.client.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		code = resp.StatusCode
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answers = append(l.answers, answer{time.Now(), code})
	if code == http.StatusOK {
		for _, k := range keys {
			l.ok[k] = true
		}
		l.acked.Add(1)
	}
	return code
}

// alertmanagerMessage is a webhook (version 4) of firing alerts with the
// given fingerprints.
func alertmanagerMessage(fingerprints []string) []byte {
	var alerts []string
	for _, fp := range fingerprints {
		alerts = append(alerts, fmt.Sprintf(`{"status":"firing","labels":{"alertname":"Soak","instance":%q},"annotations":{"summary":"soak load"},"startsAt":"2026-12-01T06:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":%q}`, fp, fp))
	}
	return []byte(`{"version":"4","groupKey":"{}:{alertname=\"Soak\"}","status":"firing","receiver":"fireline","groupLabels":{"alertname":"Soak"},` +
		`"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager","alerts":[` + strings.Join(alerts, ",") + `]}`)
}

// waitAcked waits until n more requests were acknowledged, or d passed.
func (l *intakeLoad) waitAcked(n int64, d time.Duration) {
	target, deadline := l.acked.Load()+n, time.Now().Add(d)
	for l.acked.Load() < target && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// stop ends the senders and waits for them.
func (l *intakeLoad) stop() {
	close(l.stopped)
	l.wg.Wait()
}

// codes counts the answers in [from, to) by status (0: none).
func (l *intakeLoad) codes(from, to time.Time) map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int]int{}
	for _, a := range l.answers {
		if !a.at.Before(from) && a.at.Before(to) {
			out[a.code]++
		}
	}
	return out
}

// setCheck is the checker's verdict on what the server stored.
type setCheck struct {
	acked, stored, lost, phantom, doubled, indeterminate int
	unattached                                           int // stored alerts in no incident
	incidents                                            map[string]bool
}

// check reads every alert of the integration back and compares it with
// what was sent and acknowledged.
func (l *intakeLoad) check(ctx context.Context, c *web.Client, integration string) (setCheck, error) {
	stored, incidents, unattached := map[string]int{}, map[string]bool{}, 0
	for cursor := ""; ; {
		page, err := c.FindAlerts(ctx, fireline.AlertFilter{Integration: integration, Limit: fireline.MaxPageSize, Cursor: cursor})
		if err != nil {
			return setCheck{}, err
		}
		for _, a := range page.Alerts {
			stored[a.DedupKey]++
			incidents[a.Incident] = a.Incident != ""
			if a.Incident == "" {
				unattached++
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(incidents, "")
	v := setCheck{acked: len(l.ok), stored: len(stored), unattached: unattached, incidents: incidents}
	for k := range l.ok {
		if stored[k] == 0 {
			v.lost++
		}
	}
	for k, n := range stored {
		if !l.sent[k] {
			v.phantom++
		}
		if n > 1 {
			v.doubled++
		}
	}
	v.indeterminate = len(l.sent) - len(l.ok)
	return v, nil
}

// judge records the set check's counts and failures on res.
func (v setCheck) judge(res *Result, label string) {
	res.count("%s%d alerts acked, %d stored, %d lost", label, v.acked, v.stored, v.lost)
	if v.lost > 0 {
		res.fail("%s%d acknowledged alerts are not stored", label, v.lost)
	}
	if v.phantom > 0 {
		res.fail("%s%d stored alerts were never sent", label, v.phantom)
	}
	if v.doubled > 0 {
		res.fail("%s%d alerts are stored twice", label, v.doubled)
	}
	if v.unattached > 0 {
		res.fail("%s%d stored alerts belong to no incident", label, v.unattached)
	}
}

// waitFor waits until some request answered at or after since got code,
// and returns when that answer came; the zero time.Time minus one
// nanosecond's worth (a time before since) when none did within d.
func (l *intakeLoad) waitFor(code int, since time.Time, d time.Duration) time.Time {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for _, a := range l.answers {
			if a.code == code && !a.at.Before(since) {
				l.mu.Unlock()
				return a.at
			}
		}
		l.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	return since.Add(-time.Nanosecond)
}
