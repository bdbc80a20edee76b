package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// BenchmarkRateLimitFairness measures issue 21's complaint: one viewer
// token's runaway loop (1,088 requests a second) raised another token's
// p99 from 5 ms to 87 ms. On a real server (SQLite, wall clock; without
// limits, then with serve's defaults) two calm viewer tokens each list
// incidents (a full page) 40 times a second, in phases alone and phases
// while a hot viewer token lists them 1,100 times a second (paced) or as
// fast as 4 workers can (unpaced), alternating so that whatever else the
// machine runs weighs on both alike. It reports the calm tokens' p99 over
// each kind of phase and the ratio; the ratio past the first second of
// each hot phase, when the hot token's burst is spent (each hot phase
// starts with a burst, as the token rests in between: a worse case than a
// runaway that never stops); the median over rounds of each round's ratio
// (steadier when the machine is shared); and the hot token's rate and the
// share of it refused. One run of each:
//
//	go test ./cmd/fireline -run '^$' -bench RateLimitFairness -benchtime 1x
func BenchmarkRateLimitFairness(b *testing.B) {
	for _, limits := range []struct {
		name string
		web.RequestLimits
	}{{"limits=off", web.RequestLimits{}}, {"limits=default", web.DefaultRequestLimits}} {
		for _, hot := range []struct {
			name    string
			rate    float64 // 0: unpaced
			workers int
		}{{"hot=1100/s", 1100, 64}, {"hot=unpaced,4_workers", 0, 4}} {
			b.Run(limits.name+"/"+hot.name, func(b *testing.B) {
				for range b.N {
					fairnessRun(b, limits.RequestLimits, hot.rate, hot.workers)
				}
			})
		}
	}
}

// Each fairnessRun alternates fairnessRounds phases alone and as many
// with the hot token, each fairnessPhase long.
const (
	fairnessRounds = 5
	fairnessPhase  = 3 * time.Second
)

func fairnessRun(b *testing.B, limits web.RequestLimits, hotRate float64, workers int) {
	ctx := context.Background()
	srv, err := startServer(ctx, serveConfig{Addr: "127.0.0.1:0", DB: firelinetest.SQLiteDSN(b), BootstrapToken: adminSecret,
		Paging: pagingConfig{NoJobRunner: true}, Limits: limits},
		slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close(ctx)
	admin := web.NewClient(srv.URL(), adminSecret)
	for i := range fireline.DefaultPageSize + 10 { // a list is a full page
		if _, err := admin.DeclareIncident(ctx, fireline.DeclareInput{Title: fmt.Sprintf("slow page %d", i), Severity: fireline.P4}); err != nil {
			b.Fatal(err)
		}
	}
	token := func(person string) string {
		_, secret, err := admin.CreateToken(ctx, fireline.TokenInput{Role: fireline.RoleViewer, PersonID: person})
		if err != nil {
			b.Fatal(err)
		}
		return secret
	}
	calm, hot := []string{token("alex"), token("jordan")}, token("casey")

	var alone, loaded, steady []time.Duration
	var ratios []float64 // each round's: its hot phase's p99 over its alone phase's
	var sent, refused int64
	var hotFor time.Duration
	for range fairnessRounds {
		a, _ := calmLatencies(b, srv.URL(), calm, time.Time{})
		stop := hammer(srv.URL(), hot, hotRate, workers)
		l, st := calmLatencies(b, srv.URL(), calm, time.Now().Add(time.Second))
		n, r, d := stop()
		sent, refused, hotFor = sent+n, refused+r, hotFor+d
		alone, loaded, steady = append(alone, a...), append(loaded, l...), append(steady, st...)
		ratios = append(ratios, float64(p99(l))/float64(p99(a)))
	}
	p99Alone, p99Loaded := p99(alone), p99(loaded)
	slices.Sort(ratios)
	b.ReportMetric(float64(p99Alone.Microseconds())/1000, "calm-p99-alone-ms")
	b.ReportMetric(float64(p99Loaded.Microseconds())/1000, "calm-p99-hot-ms")
	b.ReportMetric(float64(p99Loaded)/float64(p99Alone), "p99-ratio")
	b.ReportMetric(float64(p99(steady))/float64(p99Alone), "p99-ratio-past-1s")
	b.ReportMetric(ratios[len(ratios)/2], "round-p99-ratio-median")
	b.ReportMetric(float64(sent)/hotFor.Seconds(), "hot-req/s")
	b.ReportMetric(100*float64(refused)/float64(max(sent, 1)), "hot-429-%")
}

// calmLatencies has each calm token list incidents 40 times a second for
// fairnessPhase and returns the latencies, and apart those of the
// requests sent from since on. A calm request that is not answered 200
// fails the benchmark.
func calmLatencies(b *testing.B, base string, tokens []string, since time.Time) (all, later []time.Duration) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Go(func() {
			c := &http.Client{Transport: &http.Transport{}}
			tick := time.NewTicker(25 * time.Millisecond)
			defer tick.Stop()
			for end := time.Now().Add(fairnessPhase); time.Now().Before(end); <-tick.C {
				start := time.Now()
				code := get(c, base+"/api/v1/incidents", tok)
				d := time.Since(start)
				if code != http.StatusOK {
					b.Errorf("a calm token's request: %d", code)
					return
				}
				mu.Lock()
				all = append(all, d)
				if !start.Before(since) {
					later = append(later, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return all, later
}

// p99 is the 99th percentile of latencies.
func p99(lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	lat = slices.Sorted(slices.Values(lat))
	return lat[(len(lat)*99+99)/100-1]
}

// hammer lists incidents with the hot token from workers goroutines,
// rate times a second (a tick finding every worker busy is dropped) or,
// with rate 0, as fast as they can, until stop is called; stop returns
// the requests sent, those answered 429, and how long it ran.
func hammer(base, tok string, rate float64, workers int) (stop func() (sent, refused int64, elapsed time.Duration)) {
	ctx, cancel := context.WithCancel(context.Background())
	var nSent, nRefused atomic.Int64
	work := make(chan struct{})
	var wg sync.WaitGroup
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for range workers {
		wg.Go(func() {
			for {
				if rate > 0 {
					select {
					case <-ctx.Done():
						return
					case <-work:
					}
				} else if ctx.Err() != nil {
					return
				}
				if get(c, base+"/api/v1/incidents", tok) == http.StatusTooManyRequests {
					nRefused.Add(1)
				}
				nSent.Add(1)
			}
		})
	}
	if rate > 0 {
		wg.Go(func() {
			tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					select {
					case work <- struct{}{}:
					default:
					}
				}
			}
		})
	}
	start := time.Now()
	return func() (int64, int64, time.Duration) {
		elapsed := time.Since(start)
		cancel()
		wg.Wait()
		return nSent.Load(), nRefused.Load(), elapsed
	}
}

// get sends one GET with a bearer token, reads the body and returns the
// status (0 when the request failed).
func get(c *http.Client, url, tok string) int {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
