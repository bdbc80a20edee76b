package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/web"
)

// PageConfig is what `bench page` takes.
type PageConfig struct {
	DSNs       []string
	Probes     int
	Load       float64
	LoadFor    time.Duration
	Timers     int
	DueTimers  int
	DueOver    time.Duration
	CPUProfile string
	// Start starts each server.
	Start StartFunc
}

// Page runs the paging bench on each database, printing progress lines
// and then its table to out.
func Page(ctx context.Context, cfg PageConfig, out io.Writer) error {
	rows, err := eachDatabase(cfg.DSNs, func(dsn string) ([]pageRow, error) { return pageDatabase(ctx, cfg, dsn, out) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nfireline bench page: GOMAXPROCS %d, %s; targets p50 < 5 ms and p99 < 20 ms idle, p99 < 50 ms under load, due steps p99 < 100 ms late\n\n",
		runtime.GOMAXPROCS(0), runtime.Version())
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "database\tscenario\tn\tmissing\tp50 ms\tp99 ms\tmax ms\tnotes")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%s\n", r.db, r.scenario, r.n, r.missing, ms(r.p50), ms(r.p99), ms(r.max), r.note)
	}
	return tw.Flush()
}

// pageRow is one measured scenario.
type pageRow struct {
	db, scenario string
	n, missing   int
	p50, p99     time.Duration
	max          time.Duration
	note         string
}

// pagePolicy is the default policy with every person paged by webhook
// to the sink, intake rate limits off, and alerts grouped by their "probe"
// label, so that each timed alert opens an incident of its own.
func pagePolicy(sinkURL string) string {
	re := regexp.MustCompile(`(?m)^    email: ([a-z]+)@berrys\.ai\n`)
	people, rest, _ := strings.Cut(string(policy.DefaultYAML()), "\ncontacts:")
	y := re.ReplaceAllString(people, "    email: $1@berrys.ai\n    contact_methods:\n      - { type: webhook, url: \""+sinkURL+"/p/$1\" }\n") + "\ncontacts:" + rest
	y = strings.Replace(y, "rate_limit: { per_second: 200, burst: 1000 }", "rate_limit: { per_second: 0, burst: 0 }", 1)
	return strings.Replace(y, "\n  group_by: []\n", "\n  group_by: [probe]\n", 1)
}

// pageRun is one database's run.
type pageRun struct {
	cfg      PageConfig
	srv      Server
	sink     *pageSink
	client   *http.Client
	probeKey string
	loadKey  string
	seq      atomic.Int64
	// incidents opened by probes, for the timer scenario; how long their
	// POSTs took to answer.
	mu        sync.Mutex
	incidents []int64
	acks      []time.Duration
}

func pageDatabase(ctx context.Context, cfg PageConfig, dsn string, log io.Writer) ([]pageRow, error) {
	name, dsn, drop, err := benchDatabase(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer drop()
	sink, err := startPageSink()
	if err != nil {
		return nil, err
	}
	defer sink.close()
	dir, err := os.MkdirTemp("", "fireline-bench-page-policy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	polPath := filepath.Join(dir, "fireline.yaml")
	if err := os.WriteFile(polPath, []byte(pagePolicy(sink.url)), 0o600); err != nil {
		return nil, err
	}
	admin := fireline.TokenPrefix + rand.Text()
	env := map[string]string{"FIRELINE_WEBHOOK_SECRET": sink.secret}
	srv, err := cfg.Start(ctx, ServerConfig{DB: dsn, PolicyPath: polPath, BootstrapToken: admin,
		AllowOutbound: "127.0.0.0/8", Getenv: func(k string) string { return env[k] }})
	if err != nil {
		return nil, err
	}
	defer srv.Close(context.Background())
	api := web.NewClient(srv.URL(), admin)
	suffix := strings.ToLower(rand.Text()[:6])
	probe, err := api.CreateIntegration(ctx, fireline.IntegrationInput{Type: fireline.IntegrationGeneric, Service: "api-gateway", Name: "bench-probe-" + suffix})
	if err != nil {
		return nil, err
	}
	load, err := api.CreateIntegration(ctx, fireline.IntegrationInput{Type: fireline.IntegrationGeneric, Service: "web-dashboard", Name: "bench-load-" + suffix})
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 128, 128
	b := &pageRun{cfg: cfg, srv: srv, sink: sink, client: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		probeKey: probe.Key, loadKey: load.Key}

	var rows []pageRow
	ackNote := func() string {
		b.mu.Lock()
		defer b.mu.Unlock()
		n := fmt.Sprintf("POST answered p50 %.2f ms, p99 %.2f ms", ms(percentile(b.acks, .5)), ms(percentile(b.acks, .99)))
		b.acks = nil
		return n
	}
	add := func(scenario string, lat []time.Duration, missing int, note string) {
		r := pageRow{db: name, scenario: scenario, n: len(lat), missing: missing, note: note}
		r.p50, r.p99, r.max = percentile(lat, 0.50), percentile(lat, 0.99), percentile(lat, 1)
		rows = append(rows, r)
		fmt.Fprintf(log, "%s: %s: n=%d missing=%d p50=%.2fms p99=%.2fms max=%.2fms %s\n", name, scenario, r.n, missing, ms(r.p50), ms(r.p99), ms(r.max), note)
	}
	b.probeSeries(ctx, 20) // warm up connections and caches
	b.acks = nil
	lat, missing := b.probeSeries(ctx, cfg.Probes)
	add("alert → page, idle", lat, missing, ackNote())

	loaded := func(rate float64) float64 {
		loadCtx, stopLoad := context.WithCancel(ctx)
		var sent, failed atomic.Int64
		loadDone := make(chan time.Duration, 1)
		go func() { loadDone <- b.backgroundLoad(loadCtx, rate, &sent, &failed) }()
		settle := min(time.Second, cfg.LoadFor/4) // let the load settle; a short run still probes
		time.Sleep(settle)
		sent.Store(0)
		ackNote()
		start := time.Now()
		var lat []time.Duration
		missing := 0
		for time.Since(start) < cfg.LoadFor-settle && ctx.Err() == nil {
			l, m := b.probeSeries(ctx, 10)
			lat, missing = append(lat, l...), missing+m
		}
		got := float64(sent.Load()) / time.Since(start).Seconds()
		stopLoad()
		<-loadDone
		time.Sleep(time.Second) // let a backlog drain
		add(fmt.Sprintf("alert → page, %.0f alerts/s background", rate), lat, missing,
			fmt.Sprintf("background sustained %.0f alerts/s (%d failed requests); %s", got, failed.Load(), ackNote()))
		return got
	}
	if got := loaded(cfg.Load); got < 0.9*cfg.Load {
		// The intake could not keep up: its queue, not paging, set the
		// latency. Measure again at 80% of what it sustained.
		loaded(float64(int(0.8*got/100)) * 100)
	}

	timerLat, note, err := b.timers(ctx)
	if err != nil {
		return nil, err
	}
	add(fmt.Sprintf("due steps among %d pending timers (lateness), %.0f due/s", cfg.Timers, float64(cfg.DueTimers)/cfg.DueOver.Seconds()), timerLat, cfg.DueTimers-len(timerLat), note)
	if bad := sink.bad.Load(); bad > 0 {
		return nil, fmt.Errorf("%d pages did not verify", bad)
	}
	return rows, nil
}

// probeSeries times n alerts, one after another, each opening an incident
// of its own, from the start of the POST to the page's arrival.
func (b *pageRun) probeSeries(ctx context.Context, n int) ([]time.Duration, int) {
	var out []time.Duration
	missing := 0
	for range n {
		if ctx.Err() != nil {
			break
		}
		i := b.seq.Add(1)
		body := fmt.Sprintf(`{"summary":"bench probe %d","dedup_key":"probe-%d","severity":"P2","labels":{"probe":"p%d"}}`, i, i, i)
		t0 := time.Now()
		var ans struct {
			Alerts []fireline.AlertResult `json:"alerts"`
		}
		if code, err := b.post(ctx, b.probeKey, []byte(body), &ans); err != nil || code != http.StatusOK || len(ans.Alerts) != 1 || ans.Alerts[0].Incident == "" {
			missing++
			continue
		}
		acked := time.Since(t0)
		id := ans.Alerts[0].Incident
		ch := b.sink.expect(id) // the page may have arrived before the answer

		select {
		case at := <-ch:
			out = append(out, at.Sub(t0))
		case <-time.After(10 * time.Second):
			missing++
		}
		b.sink.forget(id)
		if n, err := fireline.ParseIncidentID(id); err == nil {
			b.mu.Lock()
			b.incidents = append(b.incidents, n)
			b.acks = append(b.acks, acked)
			b.mu.Unlock()
		}
	}
	return out, missing
}

func (b *pageRun) post(ctx context.Context, key string, body []byte, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.URL()+"/integrations/generic", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if v != nil {
		err = json.NewDecoder(resp.Body).Decode(v)
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	return resp.StatusCode, err
}

// backgroundLoad posts distinct alerts (batches of 50, to another
// service, so they join one incident) at rate alerts/s, open loop, until
// ctx ends; it counts the alerts accepted and the requests that failed.
func (b *pageRun) backgroundLoad(ctx context.Context, rate float64, sent, failed *atomic.Int64) time.Duration {
	const senders, batch = 32, 50
	interval := time.Duration(float64(time.Second) * senders * batch / rate)
	var wg sync.WaitGroup
	var n atomic.Int64
	start := time.Now()
	for s := range senders {
		wg.Go(func() {
			next := time.Now().Add(time.Duration(s) * interval / senders)
			var sb strings.Builder
			for ctx.Err() == nil {
				if d := time.Until(next); d > 0 {
					select {
					case <-ctx.Done():
						return
					case <-time.After(d):
					}
				}
				next = next.Add(interval)
				sb.Reset()
				sb.WriteByte('[')
				for i := range batch {
					if i > 0 {
						sb.WriteByte(',')
					}
					k := n.Add(1)
					fmt.Fprintf(&sb, `{"summary":"background %d","dedup_key":"bg-%d","severity":"P4"}`, k, k)
				}
				sb.WriteByte(']')
				if code, err := b.post(ctx, b.loadKey, []byte(sb.String()), nil); err == nil && code == http.StatusOK {
					sent.Add(batch)
				} else if ctx.Err() == nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
