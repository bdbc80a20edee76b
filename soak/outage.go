package soak

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// dbOutage is C3: the soak's private PostgreSQL is stopped (fast
// shutdown: every session ended) under intake load and started again
// after a while. While it is down the intake must answer 503 (or 429,
// when the integration's rate limit refuses first; never 2xx, never
// another 5xx) and /readyz must fail; once it is up the intake
// recovers on its own; and every acknowledged alert is stored.
func dbOutage(ctx context.Context, r *run, res *Result) {
	pg, err := r.privatePostgres(ctx)
	if err != nil {
		res.Skipped = err.Error()
		return
	}
	dsn, drop, err := createDatabase(ctx, pg.adminURL(), "outage")
	if err != nil {
		res.fail("%v", err)
		return
	}
	f, err := r.newFixture("outage", dsn)
	if err != nil {
		drop()
		res.fail("%v", err)
		return
	}
	f.cleanups = append(f.cleanups, drop)
	defer f.close()
	outageUnderLoad(ctx, r, f, pg, res)
}

func outageUnderLoad(ctx context.Context, r *run, f *fixture, pg *cluster, res *Result) {
	p, err := r.serve(ctx, f)
	if err != nil {
		res.fail("%v", err)
		return
	}
	name, key, err := alertmanagerIntegration(ctx, p, "soak-outage")
	if err != nil {
		res.fail("%v", err)
		return
	}
	load := startLoad(p.URL, key, senders)
	load.waitAcked(200, 10*time.Second)
	// Walks whose next steps fall due while the database is down.
	declareSpread(ctx, []*proc{p}, 2, 0)
	if err := pg.stop(ctx); err != nil {
		load.stop()
		res.fail("stopping PostgreSQL: %v", err)
		return
	}
	down := time.Now()
	r.logf("PostgreSQL stopped for %s", r.size.outage)
	time.Sleep(r.size.outage)
	ready := status(p.URL + "/readyz")
	startAt := time.Now()
	if err := pg.start(ctx); err != nil {
		load.stop()
		res.fail("starting PostgreSQL again: %v", err)
		return
	}
	up := time.Now()
	recovered := load.waitFor(http.StatusOK, up, 60*time.Second)
	load.waitAcked(100, 5*time.Second)
	load.stop()
	during := load.codes(down, startAt)
	judgeOutage(res, during, ready, recovered.Sub(up))
	v, err := load.check(ctx, admin(p), name)
	if err != nil {
		res.fail("reading the alerts back: %v", err)
		return
	}
	v.judge(res, "")
	walks, err := awaitWalks(ctx, p, f.rc)
	if err != nil {
		res.fail("reading the walks back: %v", err)
		return
	}
	walks.judge(res)
}

// judgeOutage checks the answers while the database was down, /readyz
// then, and the recovery time.
func judgeOutage(res *Result, during map[int]int, ready int, recovery time.Duration) {
	res.count("down: %s", codeList(during))
	if during[http.StatusServiceUnavailable] == 0 {
		res.fail("no 503 while the database was down (%s)", codeList(during))
	}
	for code, n := range during {
		if code != http.StatusServiceUnavailable && code != http.StatusTooManyRequests && code != 0 {
			res.fail("%d answers %d while the database was down, want 503 (or 429)", n, code)
		}
	}
	if ready != http.StatusServiceUnavailable {
		res.fail("/readyz answered %d while the database was down, want 503", ready)
	}
	if recovery < 0 {
		res.fail("the intake did not answer 200 within 60 s of the database's return")
		return
	}
	res.count("recovered in %s", recovery.Round(10*time.Millisecond))
}

// codeList prints status counts as "503×120 none×4", none for no answer.
func codeList(codes map[int]int) string {
	var keys []int
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		name := fmt.Sprint(k)
		if k == 0 {
			name = "none"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, codes[k]))
	}
	if len(parts) == 0 {
		return "no requests"
	}
	return strings.Join(parts, " ")
}

// status is a GET's status code, 0 when nothing answered.
func status(url string) int {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
