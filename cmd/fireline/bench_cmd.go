package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/web"
)

func newBenchCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure Fireline on this machine"}
	cmd.AddCommand(newBenchIngestCommand(g))
	cmd.AddCommand(newBenchPageCommand(g))  // bench_page_cmd.go
	cmd.AddCommand(newBenchScaleCommand(g)) // bench_scale_cmd.go
	return cmd
}

// benchConfig is what `bench ingest` takes.
type benchConfig struct {
	dsns []string
	// senders are the sender counts each rate is measured at (a closed
	// loop measures senders/latency: a peak needs enough of them).
	senders    []int
	duration   time.Duration
	cpuProfile string
	// scenarios limits the run to these (benchScenarios names them);
	// empty runs all.
	scenarios []string
	// replicas is how many servers share each database, the senders
	// spread over them (PostgreSQL's scale-out; SQLite has one writer).
	replicas int
}

// benchScenarios are the scenario names --scenario takes, in run order.
var benchScenarios = []string{"distinct", "duplicate", "batch", "half-peak", "sustained"}

func newBenchIngestCommand(g *globals) *cobra.Command {
	var cfg benchConfig
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Drive alert intake over loopback HTTP and report alerts/s and acknowledgement latency",
		Long: "Starts a Fireline server on each database (a fresh SQLite file in a temporary directory by default,\n" +
			"or --db, repeatable, for PostgreSQL) and a trivial JSON handler beside it, then runs N concurrent\n" +
			"senders posting Alertmanager webhooks: distinct single alerts, duplicate alerts and 100-alert\n" +
			"batches at each sender count, then distinct alerts paced at half the peak rate and sustained\n" +
			"again. The trivial handler is the machine's ceiling for the same HTTP work; it is measured\n" +
			"again just before each scenario, which is reported as a share of that measurement (other\n" +
			"work on the machine comes and goes). The closing lines compare peaks: each scenario's highest\n" +
			"rate over the sender counts against the trivial handler's highest (docs/adr/0039).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, sc := range cfg.scenarios {
				if !slices.Contains(benchScenarios, sc) {
					return fmt.Errorf("unknown scenario %q: want one of %s", sc, strings.Join(benchScenarios, ", "))
				}
			}
			if len(cfg.senders) == 0 || slices.Min(cfg.senders) < 1 {
				return fmt.Errorf("--senders wants one or more counts of at least 1")
			}
			if cfg.replicas < 1 {
				return fmt.Errorf("--replicas wants at least 1")
			}
			if slices.Contains(cfg.scenarios, "half-peak") && !slices.Contains(cfg.scenarios, "distinct") {
				return fmt.Errorf("scenario half-peak needs distinct (it is paced at half of distinct's rate)")
			}
			done, err := prepareBench(&cfg.dsns, cfg.cpuProfile)
			if err != nil {
				return err
			}
			defer done()
			tuneGC(g.env.Getenv) // as fireline serve does
			return runBench(cmd.Context(), cfg, g.env.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&cfg.dsns, "db", nil, "database to measure: SQLite path or postgres:// URL (repeatable; default a temporary SQLite file)")
	f.IntSliceVar(&cfg.senders, "senders", []int{32, 128}, "concurrent senders; several counts measure each rate at each")
	f.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long each scenario runs")
	f.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (-tagfocus bench=fireline keeps Fireline's server, bench=trivial the ceiling's, bench=sender the senders)")
	f.IntVar(&cfg.replicas, "replicas", 1, "servers sharing each database, the senders spread over them (PostgreSQL)")
	f.StringSliceVar(&cfg.scenarios, "scenario", nil, "run only these scenarios ("+strings.Join(benchScenarios, ", ")+"; default all)")
	return cmd
}

// trivialScenario names the trivial handler's row, which the others are
// compared with.
const trivialScenario = "trivial handler (ceiling)"

// benchRow is one measured scenario.
type benchRow struct {
	db, scenario string
	senders      int
	// storedBefore counts the new alerts the database took before this
	// row: with hashed keys each one grows the dedup index that later
	// rows insert into (docs/adr/0042); -1 for the trivial handler.
	storedBefore int64
	alerts       int64
	alertsPerSec float64
	// trivialPerSec is the trivial handler's rate measured just before
	// this scenario, so that the ratio holds even when other work on the
	// machine comes and goes during the run.
	trivialPerSec float64
	p50, p99      time.Duration
	rssMB         float64
	errors        int64
	// cpuPerAlert is the CPU time the whole process (server and senders)
	// spent per alert: unlike the rate, it does not fall when other work
	// on the machine takes a share of the cores.
	cpuPerAlert time.Duration
}

func runBench(ctx context.Context, cfg benchConfig, out io.Writer) error {
	trivial, closeTrivial, err := startTrivialHandler()
	if err != nil {
		return err
	}
	defer closeTrivial()
	var rows []benchRow
	for _, dsn := range cfg.dsns {
		r, err := benchDatabase(ctx, cfg, dsn, trivial)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	fmt.Fprintf(out, "fireline bench ingest: senders %s, %s per scenario, GOMAXPROCS %d, %s\n\n", strings.Trim(fmt.Sprint(cfg.senders), "[]"), cfg.duration, runtime.GOMAXPROCS(0), runtime.Version())
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "database\tscenario\tsenders\tstored before\talerts\talerts/s\tvs trivial just before\tCPU us/alert\tp50 ms\tp99 ms\tRSS MB\terrors\t")
	for _, r := range rows {
		ratio, before := "-", "-"
		if r.trivialPerSec > 0 {
			ratio = fmt.Sprintf("%.0f%% of %.0f", 100*r.alertsPerSec/r.trivialPerSec, r.trivialPerSec)
		}
		if r.storedBefore >= 0 {
			before = strconv.FormatInt(r.storedBefore, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%.0f\t%s\t%.1f\t%.2f\t%.2f\t%.0f\t%d\t\n", r.db, r.scenario, r.senders, before, r.alerts, r.alertsPerSec,
			ratio, float64(r.cpuPerAlert.Nanoseconds())/1000, ms(r.p50), ms(r.p99), r.rssMB, r.errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	peaks := benchPeaks(rows)
	if len(peaks) == 0 {
		return nil
	}
	fmt.Fprintln(out, "\npeaks: each scenario's highest rate over the sender counts, against the trivial handler's highest in the same database's run")
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, p := range peaks {
		fmt.Fprintf(tw, "%s\t%s\t%.0f/s with %d senders\t%.0f%% of %.0f/s with %d\t\n", p.db, p.scenario, p.rate, p.senders,
			100*p.rate/p.trivialRate, p.trivialRate, p.trivialSenders)
	}
	return tw.Flush()
}

// benchPeak is one scenario's highest rate and the trivial handler's.
type benchPeak struct {
	db, scenario            string
	rate, trivialRate       float64
	senders, trivialSenders int
}

// benchPeaks finds, per database, the highest rate of each closed-loop
// scenario measured at several sender counts, and the trivial handler's
// highest over every measurement of it (its own rows and those taken just
// before each scenario), in the order the scenarios first appear.
func benchPeaks(rows []benchRow) []benchPeak {
	var peaks []benchPeak
	trivial := map[string]benchPeak{}
	for _, r := range rows {
		t := trivial[r.db]
		rate, n := r.trivialPerSec, r.senders
		if r.scenario == trivialScenario {
			rate = r.alertsPerSec
		}
		if rate > t.trivialRate {
			t.trivialRate, t.trivialSenders = rate, n
		}
		trivial[r.db] = t
	}
	for _, r := range rows {
		if !slices.Contains(peakScenarios, r.scenario) {
			continue
		}
		i := slices.IndexFunc(peaks, func(p benchPeak) bool { return p.db == r.db && p.scenario == r.scenario })
		if i < 0 {
			peaks = append(peaks, benchPeak{db: r.db, scenario: r.scenario})
			i = len(peaks) - 1
		}
		if r.alertsPerSec > peaks[i].rate {
			peaks[i].rate, peaks[i].senders = r.alertsPerSec, r.senders
		}
	}
	for i := range peaks {
		t := trivial[peaks[i].db]
		peaks[i].trivialRate, peaks[i].trivialSenders = t.trivialRate, t.trivialSenders
	}
	return peaks
}

// Rows of the scenarios measured at every sender count.
const (
	distinctScenario  = "distinct alerts"
	duplicateScenario = "duplicate alerts"
	batchScenario     = "100-alert batches"
)

// peakScenarios have a peak: the closed-loop scenarios.
var peakScenarios = []string{distinctScenario, duplicateScenario, batchScenario}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

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
	return "http://" + ln.Addr().String() + "/integrations/alertmanager", func() { srv.Close() }, nil
}

// benchDatabase starts a server on dsn (rate limits off) and runs the
// scenarios against it and the trivial handler.
func benchDatabase(ctx context.Context, cfg benchConfig, dsn, trivial string) ([]benchRow, error) {
	dir, err := os.MkdirTemp("", "fireline-bench-policy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	pol := strings.Replace(string(policy.DefaultYAML()), "rate_limit: { per_second: 200, burst: 1000 }", "rate_limit: { per_second: 0, burst: 0 }", 1)
	polPath := filepath.Join(dir, "fireline.yaml")
	if err := os.WriteFile(polPath, []byte(pol), 0o600); err != nil {
		return nil, err
	}
	if strings.HasPrefix(dsn, "postgres") {
		fresh, drop, err := freshSchema(ctx, dsn)
		if err != nil {
			return nil, err
		}
		defer drop()
		dsn = fresh
	}
	admin := fireline.TokenPrefix + rand.Text()
	urls, stop, err := startBenchServers(ctx, cfg.replicas, dsn, polPath, admin)
	if err != nil {
		return nil, err
	}
	defer stop()
	ci, err := web.NewClient(strings.TrimSuffix(urls[0], "/integrations/alertmanager"), admin).CreateIntegration(ctx, fireline.IntegrationInput{
		Type: fireline.IntegrationAlertmanager, Service: "api-gateway", Name: "bench-" + strings.ToLower(rand.Text()[:8])})
	if err != nil {
		return nil, err
	}
	name := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		name = "postgres"
	}
	if cfg.replicas > 1 {
		name += " x" + strconv.Itoa(cfg.replicas)
	}
	b := &bencher{cfg: cfg, key: ci.Key, url: urls[0], urls: urls, client: benchHTTPClient(slices.Max(cfg.senders))}
	var rows []benchRow
	var stored int64 // new alerts the database took so far
	run := func(scenario, url string, senders, perReq int, body func(int64) []byte, pace float64) benchRow {
		var ceiling float64
		if url != trivial {
			ceiling = b.run(ctx, trivial, senders, 1, b.distinct, 0).alertsPerSec
		}
		r := b.run(ctx, url, senders, perReq, body, pace)
		r.trivialPerSec = ceiling
		r.db, r.scenario, r.senders, r.storedBefore = name, scenario, senders, -1
		if url != trivial {
			r.storedBefore = stored
			if scenario == duplicateScenario {
				stored += min(r.alerts, duplicateKeys) // the first round's
			} else {
				stored += r.alerts
			}
		}
		rows = append(rows, r)
		return r
	}
	want := func(sc string) bool { return len(cfg.scenarios) == 0 || slices.Contains(cfg.scenarios, sc) }
	var peak benchRow // distinct alerts at their highest rate
	for _, n := range cfg.senders {
		run(trivialScenario, trivial, n, 1, b.distinct, 0)
		if want("distinct") {
			if r := run(distinctScenario, b.url, n, 1, b.distinct, 0); r.alertsPerSec > peak.alertsPerSec {
				peak = r
			}
		}
		if want("duplicate") {
			run(duplicateScenario, b.url, n, 1, b.duplicate, 0)
		}
		if want("batch") {
			run(batchScenario, b.url, n, 100, b.batch, 0)
		}
	}
	// Paced at half of distinct's peak, and sustained again, with the
	// sender count that reached the peak.
	if want("half-peak") {
		run("distinct at half peak", b.url, peak.senders, 1, b.distinct, peak.alertsPerSec/2)
	}
	if want("sustained") {
		n := peak.senders
		if n == 0 { // distinct was not run
			n = cfg.senders[0]
		}
		run("distinct, sustained again", b.url, n, 1, b.distinct, 0)
	}
	return rows, nil
}

// startBenchServers starts n servers (at least one) on dsn, the first
// migrating it, and returns their intake URLs and a function that stops
// them all.
func startBenchServers(ctx context.Context, n int, dsn, polPath, admin string) ([]string, func(), error) {
	n = max(n, 1)
	var (
		urls    []string
		servers []*server
	)
	stop := func() {
		for _, s := range servers {
			s.Close(context.Background())
		}
	}
	for range n {
		var srv *server
		var err error
		pprof.Do(ctx, pprof.Labels("bench", "fireline"), func(ctx context.Context) {
			srv, err = startServer(ctx, serveConfig{Addr: "127.0.0.1:0", DB: dsn, PolicyPath: polPath, BootstrapToken: admin},
				slog.New(slog.DiscardHandler), io.Discard)
		})
		if err != nil {
			stop()
			return nil, nil, err
		}
		servers = append(servers, srv)
		urls = append(urls, srv.URL()+"/integrations/alertmanager")
	}
	return urls, stop, nil
}

// freshSchema makes an empty schema in the PostgreSQL database and returns
// a DSN that uses it, and a function that drops it.
func freshSchema(ctx context.Context, dsn string) (string, func(), error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	schema := "fl_bench_" + strings.ToLower(rand.Text()[:12])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	}, nil
}

func benchHTTPClient(senders int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = senders*2, senders*2
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// bencher runs scenarios: N senders in a closed loop, or paced.
type bencher struct {
	cfg benchConfig
	key string
	url string
	// urls are the intake URLs of every replica; a sender posting to url
	// posts to the one its number picks.
	urls   []string
	client *http.Client
	seq    atomic.Int64
}

const benchAlert = `{"status":"%s","labels":{"alertname":"BenchLoad","instance":"host-%d","severity":"warning"},` +
	`"annotations":{"summary":"Load on host %d"},"startsAt":"2026-12-01T15:00:00Z","endsAt":"0001-01-01T00:00:00Z",` +
	`"generatorURL":"http://prometheus:9090/graph","fingerprint":"%016x"}`

func amBody(alerts []string) []byte {
	return []byte(`{"version":"4","groupKey":"{}:{alertname=\"BenchLoad\"}","truncatedAlerts":0,"status":"firing","receiver":"fireline",` +
		`"groupLabels":{"alertname":"BenchLoad"},"commonLabels":{"alertname":"BenchLoad"},"commonAnnotations":{},` +
		`"externalURL":"http://alertmanager:9093","alerts":[` + strings.Join(alerts, ",") + `]}`)
}

// benchFingerprint is the fingerprint Alertmanager would send for the
// bench alert of host n: like Alertmanager's, a 64-bit FNV-1a hash of the
// sorted label names and values, so the keys of a storm are as scattered
// as real ones (a counter would insert them in index order, which costs
// a database far less; docs/adr/0042).
func benchFingerprint(n int64) uint64 {
	h := fnv.New64a()
	for _, kv := range [][2]string{{"alertname", "BenchLoad"}, {"instance", "host-" + strconv.FormatInt(n, 10)}, {"severity", "warning"}} {
		h.Write([]byte(kv[0]))
		h.Write([]byte{0xff})
		h.Write([]byte(kv[1]))
		h.Write([]byte{0xff})
	}
	return h.Sum64()
}

func (b *bencher) distinct(int64) []byte {
	n := b.seq.Add(1)
	return amBody([]string{fmt.Sprintf(benchAlert, "firing", n, n, benchFingerprint(n))})
}

// duplicateKeys is how many alerts the duplicates scenario repeats.
const duplicateKeys = 64

func (b *bencher) duplicate(i int64) []byte {
	n := 1 + i%duplicateKeys // after the first round, all deduplicated
	return amBody([]string{fmt.Sprintf(benchAlert, "firing", n, n, benchFingerprint(n))})
}

func (b *bencher) batch(int64) []byte {
	alerts := make([]string, 100)
	for i := range alerts {
		n := b.seq.Add(1)
		alerts[i] = fmt.Sprintf(benchAlert, "firing", n, n, benchFingerprint(n))
	}
	return amBody(alerts)
}

// run measures one scenario. pace > 0 sends at that many alerts a second
// in total (open loop); 0 sends as fast as the senders can.
func (b *bencher) run(ctx context.Context, url string, senders, perReq int, body func(int64) []byte, pace float64) benchRow {
	deadline := time.Now().Add(b.cfg.duration)
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
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	return benchRow{alerts: count.Load(), alertsPerSec: float64(count.Load()) / elapsed.Seconds(),
		p50: pct(0.50), p99: pct(0.99), rssMB: residentMB(), errors: errs.Load(), cpuPerAlert: perAlert(cpu, count.Load())}
}

// target is where sender s posts what is meant for url: its replica when
// url is Fireline's.
func (b *bencher) target(url string, s int) string {
	if url != b.url || len(b.urls) < 2 {
		return url
	}
	return b.urls[s%len(b.urls)]
}

func (b *bencher) post(ctx context.Context, url string, body []byte) bool {
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

// perAlert divides CPU time by a count of alerts; 0 when there are none.
func perAlert(cpu time.Duration, alerts int64) time.Duration {
	if alerts == 0 {
		return 0
	}
	return cpu / time.Duration(alerts)
}

// residentMB reads this process's resident memory in MB (Linux); 0
// elsewhere.
func residentMB() float64 {
	rss, _ := pageBenchMemory()
	return rss
}

// prepareBench gives a bench its default database (a SQLite file in a new
// temporary directory) and starts the CPU profile when asked; the returned
// function undoes both.
func prepareBench(dsns *[]string, cpuProfile string) (func(), error) {
	var undo []func()
	done := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if len(*dsns) == 0 {
		dir, err := os.MkdirTemp("", "fireline-bench-")
		if err != nil {
			return nil, err
		}
		undo = append(undo, func() { os.RemoveAll(dir) })
		*dsns = []string{filepath.Join(dir, "bench.db")}
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			done()
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			done()
			return nil, err
		}
		undo = append(undo, func() { pprof.StopCPUProfile(); f.Close() })
	}
	return done, nil
}
