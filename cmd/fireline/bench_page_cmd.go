package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
	"github.com/fireline-dev/fireline/web"
)

// pageBenchConfig is what `bench page` takes.
type pageBenchConfig struct {
	dsns       []string
	probes     int
	load       float64
	loadFor    time.Duration
	timers     int
	dueTimers  int
	dueOver    time.Duration
	cpuProfile string
}

func newBenchPageCommand(g *globals) *cobra.Command {
	var cfg pageBenchConfig
	cmd := &cobra.Command{
		Use:   "page",
		Short: "Measure alert-to-page latency (idle and under load) and the lateness of due steps among many pending timers",
		Long: "Starts a Fireline server on each database (a fresh SQLite file by default; --db, repeatable, for\n" +
			"PostgreSQL, measured in a schema of its own that is dropped afterwards) with every person paged by a\n" +
			"signed webhook to a loopback sink, then measures:\n\n" +
			"  - from the start of an alert's POST (/integrations/generic, P2, a new incident each) to its page's\n" +
			"    arrival at the sink, idle and under background alert load (--load alerts/s, batches of 50);\n" +
			"  - with --timers pending escalation steps (most due hours ahead), how late the --due ones run\n" +
			"    (spread over the next 10 s), and the resident memory of the process.\n\n" +
			"Targets: p50 < 5 ms and p99 < 20 ms idle, p99 < 50 ms under load, due steps late by < 100 ms at p99.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			done, err := prepareBench(&cfg.dsns, cfg.cpuProfile)
			if err != nil {
				return err
			}
			defer done()
			tuneGC(g.env.Getenv) // as fireline serve does
			return runPageBench(cmd.Context(), cfg, g.env.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&cfg.dsns, "db", nil, "database to measure: SQLite path or postgres:// URL (repeatable; default a temporary SQLite file)")
	f.IntVar(&cfg.probes, "probes", 200, "alerts timed to their page, per scenario")
	f.Float64Var(&cfg.load, "load", 10000, "background alerts per second in the loaded scenario")
	f.DurationVar(&cfg.loadFor, "load-duration", 8*time.Second, "how long the background load runs")
	f.IntVar(&cfg.timers, "timers", 100000, "pending escalation steps in the timer scenario")
	f.IntVar(&cfg.dueTimers, "due", 2000, "of those, how many fall due during the measurement")
	f.DurationVar(&cfg.dueOver, "due-over", 10*time.Second, "the stretch the due ones are spread over")
	f.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	return cmd
}

// pageBenchRow is one measured scenario.
type pageBenchRow struct {
	db, scenario string
	n, missing   int
	p50, p99     time.Duration
	max          time.Duration
	note         string
}

func runPageBench(ctx context.Context, cfg pageBenchConfig, out io.Writer) error {
	var rows []pageBenchRow
	for _, dsn := range cfg.dsns {
		r, err := pageBenchDatabase(ctx, cfg, dsn, out)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
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

// pageBenchPolicy is the default policy with every person paged by webhook
// to the sink, intake rate limits off, and alerts grouped by their "probe"
// label, so that each timed alert opens an incident of its own.
func pageBenchPolicy(sinkURL string) string {
	re := regexp.MustCompile(`(?m)^    email: ([a-z]+)@berrys\.ai\n`)
	people, rest, _ := strings.Cut(string(policy.DefaultYAML()), "\ncontacts:")
	y := re.ReplaceAllString(people, "    email: $1@berrys.ai\n    contact_methods:\n      - { type: webhook, url: \""+sinkURL+"/p/$1\" }\n") + "\ncontacts:" + rest
	y = strings.Replace(y, "rate_limit: { per_second: 200, burst: 1000 }", "rate_limit: { per_second: 0, burst: 0 }", 1)
	return strings.Replace(y, "\n  group_by: []\n", "\n  group_by: [probe]\n", 1)
}

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

// pageBench is one database's run.
type pageBench struct {
	cfg      pageBenchConfig
	srv      *server
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

func pageBenchDatabase(ctx context.Context, cfg pageBenchConfig, dsn string, log io.Writer) ([]pageBenchRow, error) {
	name := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		name = "postgres"
		fresh, drop, err := freshSchema(ctx, dsn)
		if err != nil {
			return nil, err
		}
		defer drop()
		dsn = fresh
	}
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
	if err := os.WriteFile(polPath, []byte(pageBenchPolicy(sink.url)), 0o600); err != nil {
		return nil, err
	}
	admin := fireline.TokenPrefix + rand.Text()
	env := map[string]string{"FIRELINE_WEBHOOK_SECRET": sink.secret}
	srv, err := startServer(ctx, serveConfig{Addr: "127.0.0.1:0", DB: dsn, PolicyPath: polPath, BootstrapToken: admin,
		Paging: pagingConfig{AllowOutbound: "127.0.0.0/8", Getenv: func(k string) string { return env[k] }}},
		slog.New(slog.DiscardHandler), io.Discard)
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
	b := &pageBench{cfg: cfg, srv: srv, sink: sink, client: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		probeKey: probe.Key, loadKey: load.Key}

	var rows []pageBenchRow
	ackNote := func() string {
		b.mu.Lock()
		defer b.mu.Unlock()
		n := fmt.Sprintf("POST answered p50 %.2f ms, p99 %.2f ms", ms(pageBenchPct(b.acks, .5)), ms(pageBenchPct(b.acks, .99)))
		b.acks = nil
		return n
	}
	add := func(scenario string, lat []time.Duration, missing int, note string) {
		r := pageBenchRow{db: name, scenario: scenario, n: len(lat), missing: missing, note: note}
		r.p50, r.p99, r.max = pageBenchPct(lat, 0.50), pageBenchPct(lat, 0.99), pageBenchPct(lat, 1)
		rows = append(rows, r)
		fmt.Fprintf(log, "%s: %s: n=%d missing=%d p50=%.2fms p99=%.2fms max=%.2fms %s\n", name, scenario, r.n, missing, ms(r.p50), ms(r.p99), ms(r.max), note)
	}
	b.probeSeries(ctx, 20) // warm up connections and caches
	b.acks = nil
	lat, missing := b.probeSeries(ctx, cfg.probes)
	add("alert → page, idle", lat, missing, ackNote())

	loaded := func(rate float64) float64 {
		loadCtx, stopLoad := context.WithCancel(ctx)
		var sent, failed atomic.Int64
		loadDone := make(chan time.Duration, 1)
		go func() { loadDone <- b.backgroundLoad(loadCtx, rate, &sent, &failed) }()
		settle := min(time.Second, cfg.loadFor/4) // let the load settle; a short run still probes
		time.Sleep(settle)
		sent.Store(0)
		ackNote()
		start := time.Now()
		var lat []time.Duration
		missing := 0
		for time.Since(start) < cfg.loadFor-settle && ctx.Err() == nil {
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
	if got := loaded(cfg.load); got < 0.9*cfg.load {
		// The intake could not keep up: its queue, not paging, set the
		// latency. Measure again at 80% of what it sustained.
		loaded(float64(int(0.8*got/100)) * 100)
	}

	timerLat, note, err := b.timers(ctx)
	if err != nil {
		return nil, err
	}
	add(fmt.Sprintf("due steps among %d pending timers (lateness), %.0f due/s", cfg.timers, float64(cfg.dueTimers)/cfg.dueOver.Seconds()), timerLat, cfg.dueTimers-len(timerLat), note)
	if bad := sink.bad.Load(); bad > 0 {
		return nil, fmt.Errorf("%d pages did not verify", bad)
	}
	return rows, nil
}

// probeSeries times n alerts, one after another, each opening an incident
// of its own, from the start of the POST to the page's arrival.
func (b *pageBench) probeSeries(ctx context.Context, n int) ([]time.Duration, int) {
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

func (b *pageBench) post(ctx context.Context, key string, body []byte, v any) (int, error) {
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
func (b *pageBench) backgroundLoad(ctx context.Context, rate float64, sent, failed *atomic.Int64) time.Duration {
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

// timers enqueues cfg.timers pending escalation steps on the probes'
// incidents: cfg.dueTimers of them due over the next 10 s, the rest hours
// ahead. It waits for the due ones and returns how late each ran (the
// instant its step was recorded, minus its due time).
func (b *pageBench) timers(ctx context.Context) ([]time.Duration, string, error) {
	b.mu.Lock()
	incs := slices.Clone(b.incidents)
	b.mu.Unlock()
	if len(incs) == 0 {
		return nil, "", fmt.Errorf("no probe incident to hang timers on")
	}
	db := b.srv.db
	spec := func(i int, at time.Time, prefix string) fireline.Job {
		n := incs[i%len(incs)]
		return fireline.Job{Kind: fireline.JobStepEscalate, Key: fmt.Sprintf("%s:%d", prefix, i), Group: fireline.JobGroup(n), RunAt: at,
			Args: fireline.StepJob{Incident: n, Epoch: -1, Steps: []fireline.WalkStep{{Index: 1000 + i, Name: "bench timer", At: at}}}}
	}
	insert := func(count int, mk func(i int) fireline.Job) error {
		for i := 0; i < count; i += 1000 {
			var specs []fireline.Job
			for k := i; k < min(i+1000, count); k++ {
				specs = append(specs, mk(k))
			}
			if err := db.JobTx(ctx, func(tx *sqlstore.Tx) error { return tx.Enqueue(ctx, specs...) }); err != nil {
				return err
			}
		}
		return nil
	}
	// First the timers due hours ahead, then the ones due over the next
	// 10 s (from 1 s after they are in).
	insertStart := time.Now()
	far := b.cfg.timers - b.cfg.dueTimers
	if err := insert(far, func(i int) fireline.Job {
		return spec(i, insertStart.Add(time.Hour+time.Duration(i)*time.Second), "bench-far")
	}); err != nil {
		return nil, "", err
	}
	inserted := time.Since(insertStart)
	// Timers pile up over hours, not in one burst: let the database finish
	// the burst's housekeeping (SQLite's WAL checkpoint; PostgreSQL's
	// statistics) before the measured ones fall due.
	settle := "PRAGMA wal_checkpoint(TRUNCATE)"
	if db.Dialect() == sqlstore.DialectPostgres {
		settle = "ANALYZE jobs"
	}
	if _, err := db.Writer().ExecContext(ctx, settle); err != nil {
		return nil, "", err
	}
	time.Sleep(2 * time.Second)
	// Leave twice the time inserting the due ones should take at the rate
	// the others went in, and a second.
	perRow := inserted / time.Duration(max(far, 1))
	due := time.Now().Add(time.Second + 2*perRow*time.Duration(b.cfg.dueTimers))
	if err := insert(b.cfg.dueTimers, func(i int) fireline.Job {
		return spec(i, due.Add(time.Duration(i)*b.cfg.dueOver/time.Duration(b.cfg.dueTimers)), "bench-due")
	}); err != nil {
		return nil, "", err
	}
	if time.Now().After(due) {
		return nil, "", fmt.Errorf("inserting the due timers went past the first one")
	}
	deadline := due.Add(b.cfg.dueOver + 30*time.Second)
	var lat []time.Duration
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		var err error
		if lat, err = pageBenchLateness(ctx, db.Writer(), db.Dialect()); err != nil {
			return nil, "", err
		}
		if len(lat) >= b.cfg.dueTimers {
			break
		}
	}
	var pending int64
	db.Writer().QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE state = 'pending'").Scan(&pending)
	rss, peak := pageBenchMemory()
	return lat, fmt.Sprintf("%d pending during the run; RSS %.0f MB (peak %.0f MB, whole bench process); inserted in %s",
		pending, rss, peak, inserted.Round(time.Millisecond)), nil
}

// pageBenchLateness reads how late each finished due timer ran.
func pageBenchLateness(ctx context.Context, db *sql.DB, dialect string) ([]time.Duration, error) {
	rows, err := db.QueryContext(ctx, "SELECT run_at, finished_at FROM jobs WHERE key LIKE 'bench-due:%' AND state = 'done'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var runAt, finished int64
		if err := rows.Scan(&runAt, &finished); err != nil {
			return nil, err
		}
		out = append(out, time.Duration(finished-runAt)*time.Microsecond)
	}
	return out, rows.Err()
}

func pageBenchPct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// pageBenchMemory reads this process's resident and peak resident memory
// in MB (Linux); zeros elsewhere.
func pageBenchMemory() (rss, peak float64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch name {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return rss, peak
}
