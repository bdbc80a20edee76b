package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// startTrivialHandler serves a handler that reads the body and answers
// {"status":"ok"}: the same HTTP work as intake, none of its own.
func startTrivialHandler() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&v)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}` + "\n"))
	})}
	// Labelled so that a CPU profile tells its goroutines from Fireline's
	// (go tool pprof -tagfocus bench=fireline).
	go pprof.Do(context.Background(), pprof.Labels("bench", "trivial"), func(context.Context) { srv.Serve(ln) })
	return "http://" + ln.Addr().String() + intakePath, func() { srv.Close() }, nil
}

func httpClient(senders int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = senders*2, senders*2
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// sender runs scenarios: N senders in a closed loop, or paced.
type sender struct {
	cfg IngestConfig
	key string
	url string
	// urls are the intake URLs of every replica; a sender posting to url
	// posts to the one its number picks.
	urls   []string
	client *http.Client
	seq    atomic.Int64
}

// run measures one scenario. pace > 0 sends at that many alerts a second
// in total (open loop); 0 sends as fast as the senders can.
func (b *sender) run(ctx context.Context, url string, senders, perReq int, body func(int64) []byte, pace float64) ingestRow {
	deadline := time.Now().Add(b.cfg.Duration)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		count     atomic.Int64
		errs      atomic.Int64
		wg        sync.WaitGroup
	)
	var interval time.Duration
	if pace > 0 {
		interval = time.Duration(float64(time.Second) * float64(senders*perReq) / pace)
	}
	start, cpuStart := time.Now(), processCPU()
	for s := range senders {
		wg.Go(func() {
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("bench", "sender")))
			local := make([]time.Duration, 0, 4096)
			next := time.Now().Add(time.Duration(s) * interval / time.Duration(senders))
			for i := int64(s); time.Now().Before(deadline) && ctx.Err() == nil; i += int64(senders) {
				if interval > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(interval)
				}
				t0 := time.Now()
				if b.post(ctx, b.target(url, s), body(i)) {
					count.Add(int64(perReq))
				} else {
					errs.Add(1)
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), processCPU()-cpuStart
	return ingestRow{alerts: count.Load(), alertsPerSec: float64(count.Load()) / elapsed.Seconds(),
		p50: percentile(latencies, 0.50), p99: percentile(latencies, 0.99), rssMB: residentMB(), errors: errs.Load(), cpuPerAlert: perAlert(cpu, count.Load())}
}

// target is where sender s posts what is meant for url: its replica when
// url is Fireline's.
func (b *sender) target(url string, s int) string {
	if url != b.url || len(b.urls) < 2 {
		return url
	}
	return b.urls[s%len(b.urls)]
}

func (b *sender) post(ctx context.Context, url string, body []byte) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+b.key)
	resp, err := b.client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
