package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
	"github.com/fireline-dev/fireline/web"
)

// scaleBenchConfig is what `bench scale` takes.
type scaleBenchConfig struct {
	dsns      []string
	sizes     []int
	requests  int
	timeline  int
	openShare float64
}

func newBenchScaleCommand(g *globals) *cobra.Command {
	var cfg scaleBenchConfig
	cmd := &cobra.Command{
		Use:   "scale",
		Short: "Measure how reads cost as incidents grow: p50/p99 of each at 1k, 10k and 100k incidents",
		Long: "Seeds a database (a fresh SQLite file in a temporary directory by default, or --db, repeatable, for\n" +
			"PostgreSQL, in a schema of its own) through the store's own code: one incident with a --timeline\n" +
			"event timeline, then incidents up to each --sizes count (95% resolved, the newest 5% open, 1%\n" +
			"restricted, titles from a small vocabulary). At each size it starts a server and times, one request\n" +
			"after another, search (a common and a rare word), /metrics, incident-counts, the dashboard, the closed\n" +
			"list with limit=10 (the dashboard's recently resolved) and the open list, the timeline's API page and\n" +
			"the console's incident page, the reports page (console, API and CSV: the last 90 days of incidents),\n" +
			"beside GET /api/v1/incidents/{id}, as a viewer who is a member of no\n" +
			"restricted incident. It reports p50 and p99 and the p50 as a ratio to the same request at the first size\n" +
			"and to GET incident at the same size (docs/adr/0054).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(cfg.sizes) == 0 || !slices.IsSorted(cfg.sizes) || cfg.sizes[0] < 2 {
				return fmt.Errorf("--sizes wants increasing counts of at least 2")
			}
			done, err := prepareBench(&cfg.dsns, "")
			if err != nil {
				return err
			}
			defer done()
			tuneGC(g.env.Getenv)
			return runScaleBench(cmd.Context(), cfg, g.env.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&cfg.dsns, "db", nil, "database to measure: SQLite path or postgres:// URL (repeatable; default a temporary SQLite file)")
	f.IntSliceVar(&cfg.sizes, "sizes", []int{1000, 10000, 100000}, "incident counts to measure at, increasing")
	f.IntVar(&cfg.requests, "requests", 200, "timed requests of each kind at each size")
	f.IntVar(&cfg.timeline, "timeline", 10000, "events on the long timeline")
	f.Float64Var(&cfg.openShare, "open", 0.05, "share of the incidents added at each size left open (the newest)")
	return cmd
}

// scaleRow is one request timed at one size.
type scaleRow struct {
	db, request string
	size        int
	p50, p99    time.Duration
	bytes       int
}

func runScaleBench(ctx context.Context, cfg scaleBenchConfig, out io.Writer) error {
	var rows []scaleRow
	for _, dsn := range cfg.dsns {
		r, err := scaleBenchDatabase(ctx, cfg, dsn, out)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	printScaleRows(out, rows)
	return nil
}

// printScaleRows writes each request's figures at every size, with its
// p50 against the first size's and against GET incident's at the same
// size.
func printScaleRows(out io.Writer, rows []scaleRow) {
	first := map[string]time.Duration{} // db/request -> p50 at the first size
	base := map[string]time.Duration{}  // db/size -> GET incident p50
	for _, r := range rows {
		if _, ok := first[r.db+"/"+r.request]; !ok {
			first[r.db+"/"+r.request] = r.p50
		}
		if r.request == scaleGetIncident {
			base[r.db+"/"+strconv.Itoa(r.size)] = r.p50
		}
	}
	fmt.Fprintf(out, "\nfireline bench scale: target each p50 within 2x of its figure at the first size\n\n")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "database\trequest\tincidents\tp50 ms\tp99 ms\tx first size\tx GET incident\tKB\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t\n", r.db, r.request, r.size, ms(r.p50), ms(r.p99),
			ratio(r.p50, first[r.db+"/"+r.request]), ratio(r.p50, base[r.db+"/"+strconv.Itoa(r.size)]), float64(r.bytes)/1024)
	}
	tw.Flush()
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

const (
	scaleGetIncident = "GET incident"
	scaleReportPage  = "reports page (console)"
)

// scaleBenchDatabase seeds one database size by size and times the reads
// at each.
func scaleBenchDatabase(ctx context.Context, cfg scaleBenchConfig, dsn string, log io.Writer) ([]scaleRow, error) {
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
	quiet := slog.New(slog.DiscardHandler)
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Logger: quiet, Planner: planNothing})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	s := &scaleSeeder{incidents: sqlstore.NewIncidentService(db, policy.Default()), rand: mrand.New(mrand.NewPCG(7, 11))}
	start := time.Now()
	if err := s.longTimeline(ctx, cfg.timeline); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "%s: a timeline of %d events in %s\n", name, cfg.timeline, time.Since(start).Round(time.Millisecond))
	admin := fireline.TokenPrefix + rand.Text() // the first server makes it the admin token
	var rows []scaleRow
	for _, size := range cfg.sizes {
		start := time.Now()
		if err := s.grow(ctx, size, cfg.openShare); err != nil {
			return nil, err
		}
		// What the periodic statistics job does within 10 minutes.
		if _, err := db.RefreshStatistics(ctx); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "%s: %d incidents (%d open) in %s\n", name, size, s.open, time.Since(start).Round(time.Millisecond))
		r, err := timeReads(ctx, cfg, name, dsn, admin, size, log)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// planNothing is the seeding store's planner: history pages no one.
func planNothing(*fireline.Policy, *fireline.Incident, []fireline.Change, fireline.Actor, time.Time) (fireline.Work, error) {
	return fireline.Work{}, nil
}

// scaleSeeder adds incidents through the store's own code, many to a
// transaction.
type scaleSeeder struct {
	incidents *sqlstore.IncidentService
	rand      *mrand.Rand
	total     int // incidents so far
	open      int
}

var (
	scaleServices   = []string{"Checkout", "Search", "Payments", "Login", "API gateway", "Billing", "Notifications", "Reports"}
	scaleServiceIDs = []string{"api-gateway", "agent-orchestrator", "auth-service", "planning-system"}
	scaleSymptoms   = []string{"latency", "errors", "timeouts", "outage", "degraded throughput", "disk full", "certificate expiry", "memory leak"}
	scaleSeverity   = []fireline.Severity{fireline.P1, fireline.P2, fireline.P2, fireline.P3, fireline.P3, fireline.P3, fireline.P3, fireline.P4, fireline.P4, fireline.P4}
)

// scaleCommonWord is in an eighth of the titles; scaleRareWord in one
// description (INC-500's), at every size: the search finds as many.
const (
	scaleCommonWord = "latency"
	scaleRareWord   = "zeppelin"
)

func seedActor() context.Context {
	return fireline.NewContextWithActor(context.Background(), fireline.Actor{Role: fireline.RoleAdmin, Automation: "bench-seed"})
}

// longTimeline declares INC-1 and records notes on it until it has n
// events, a thousand to a transaction.
func (s *scaleSeeder) longTimeline(ctx context.Context, n int) error {
	incs, err := s.incidents.SeedIncidents(seedActor(), []sqlstore.Seed{{Declare: fireline.DeclareInput{
		Title: "Checkout latency in eu-west-1, long-running", Severity: fireline.P2, Description: "the long timeline"}}})
	if err != nil {
		return err
	}
	s.total, s.open = 1, 1
	for have := 1; have < n; {
		k := min(1000, n-have)
		notes := make([]fireline.Action, k)
		for i := range notes {
			notes[i] = fireline.Action{Kind: fireline.ActAddNote, Text: "update " + strconv.Itoa(have+i) + ": still watching the checkout latency"}
		}
		if _, err := s.incidents.ActAll(seedActor(), incs[0].ID, notes); err != nil {
			return err
		}
		have += k
	}
	return ctx.Err()
}

// grow adds incidents until there are size: resolved ones first, then
// the open share, so that the newest incidents are open (the case that
// made the closed list walk them).
func (s *scaleSeeder) grow(ctx context.Context, size int, openShare float64) error {
	add := size - s.total
	open := int(float64(add) * openShare)
	for done := 0; done < add; {
		k := min(500, add-done)
		seeds := make([]sqlstore.Seed, k)
		for i := range seeds {
			seeds[i] = s.seed(s.total+done+i+1, done+i >= add-open)
		}
		if _, err := s.incidents.SeedIncidents(seedActor(), seeds); err != nil {
			return err
		}
		done += k
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	s.total, s.open = size, s.open+open
	return nil
}

// seed is incident n: open or resolved (half the open ones acknowledged),
// one in a hundred restricted.
func (s *scaleSeeder) seed(n int, open bool) sqlstore.Seed {
	r := s.rand
	in := fireline.DeclareInput{
		Title:       scaleServices[r.IntN(len(scaleServices))] + " " + scaleSymptoms[r.IntN(len(scaleSymptoms))] + " in eu-west-" + strconv.Itoa(r.IntN(9)+1),
		Severity:    scaleSeverity[r.IntN(len(scaleSeverity))],
		Description: "Reported by monitoring; ticket OPS-" + strconv.Itoa(n),
	}
	if n == 500 {
		in.Description += "; the " + scaleRareWord + " dashboard is red"
	}
	if n%4 == 0 { // a quarter name a service, for the report by service
		in.Services = []string{scaleServiceIDs[n/4%len(scaleServiceIDs)]}
	}
	if n%100 == 50 {
		in.Source = fireline.SourceSecurity
	}
	var actions []fireline.Action
	switch {
	case !open:
		actions = []fireline.Action{{Kind: fireline.ActResolve, Text: "fixed"}}
	case n%2 == 0:
		actions = []fireline.Action{{Kind: fireline.ActAcknowledge}}
	}
	return sqlstore.Seed{Declare: in, Actions: actions}
}

// scaleRequest is one kind of request the bench times.
type scaleRequest struct {
	name, path string
	console    bool // with the session cookie, else the bearer token
}

func scaleRequests(timeline int) []scaleRequest {
	events := strconv.Itoa(timeline/1000) + "k events"
	if timeline < 1000 {
		events = strconv.Itoa(timeline) + " events"
	}
	return []scaleRequest{
		{scaleGetIncident, "/api/v1/incidents/INC-2", false},
		{"search, common word (API)", "/api/v1/incidents?q=" + scaleCommonWord, false},
		{"search, rare word (API)", "/api/v1/incidents?q=" + scaleRareWord, false},
		{"search, common word (console)", "/incidents?q=" + scaleCommonWord, true},
		{"/metrics", "/metrics", false},
		{"incident-counts", "/api/v1/incident-counts", false},
		{"dashboard", "/", true},
		{"closed list, limit=10 (recently resolved)", "/api/v1/incidents?open=false&limit=10", false},
		{"open list", "/api/v1/incidents?open=true", false},
		{"API timeline page (" + events + ")", "/api/v1/incidents/INC-1/timeline", false},
		{"console incident page (" + events + ")", "/incidents/INC-1", true},
		{scaleReportPage, "/reports", true},
		{"report (API), P2 on api-gateway", "/api/v1/reports?severity=P2&service=api-gateway", false},
		{"report CSV (API), by day", "/api/v1/reports.csv?period=day", false},
	}
}

// timeReads starts a server on the database (no job runner: the seeded
// open incidents page no one) and times each request.
func timeReads(ctx context.Context, cfg scaleBenchConfig, name, dsn, admin string, size int, log io.Writer) ([]scaleRow, error) {
	srv, err := startServer(ctx, serveConfig{Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: admin, Paging: pagingConfig{NoJobRunner: true}},
		slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		return nil, err
	}
	defer srv.Close(context.Background())
	token, cookie, err := scaleViewer(ctx, srv.URL(), admin)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Minute}
	var rows []scaleRow
	for _, rq := range scaleRequests(cfg.timeline) {
		get := func() (int, error) { return scaleGet(ctx, client, srv.URL()+rq.path, token, cookie, rq.console) }
		for range 10 { // warm caches and connections
			if _, err := get(); err != nil {
				return nil, fmt.Errorf("%s: %w", rq.name, err)
			}
		}
		lat := make([]time.Duration, 0, cfg.requests)
		var size0 int
		for range cfg.requests {
			t0 := time.Now()
			n, err := get()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rq.name, err)
			}
			lat, size0 = append(lat, time.Since(t0)), n
		}
		r := scaleRow{db: name, request: rq.name, size: size, p50: pageBenchPct(lat, .5), p99: pageBenchPct(lat, .99), bytes: size0}
		fmt.Fprintf(log, "%s: %d incidents: %s: p50 %.2f ms, p99 %.2f ms, %d KB\n", name, size, rq.name, ms(r.p50), ms(r.p99), r.bytes/1024)
		rows = append(rows, r)
	}
	return rows, nil
}

// scaleViewer makes the viewer the requests act as: a token and a console
// session, for a person who is a member of no incident.
func scaleViewer(ctx context.Context, base, admin string) (token, cookie string, err error) {
	api := web.NewClient(base, admin)
	_, secret, err := api.CreateToken(ctx, fireline.TokenInput{Name: "bench viewer", Role: fireline.RoleViewer, PersonID: "jordan"})
	if err != nil {
		return "", "", err
	}
	suffix := strings.ToLower(rand.Text()[:8])
	_, link, err := api.CreateUser(ctx, fireline.UserInput{Email: "bench-" + suffix + "@example.com", Name: "Bench", Role: fireline.RoleViewer, PersonID: "jordan"})
	if err != nil {
		return "", "", err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login/link", url.Values{"token": {link.Secret}})
	if err != nil {
		return "", "", err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "fireline_session" {
			return secret, ck.Value, nil
		}
	}
	return "", "", fmt.Errorf("no session from the login link: %s", resp.Status)
}

// scaleGet makes one request and reads the whole answer; it returns its
// size.
func scaleGet(ctx context.Context, c *http.Client, u, token, cookie string, console bool) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	if console {
		req.AddCookie(&http.Cookie{Name: "fireline_session", Value: cookie})
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return int(n), err
}
