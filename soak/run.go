package soak

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// sizes are how hard a run pushes: the short cut CI runs, or the full
// run the README reports.
type sizes struct {
	intakeKills    int           // kill -9s under intake load, per database
	ackedPerKill   int64         // requests acknowledged between two kills
	killEvery      time.Duration // at most this long between kills
	outage         time.Duration // how long PostgreSQL stays stopped
	walks          int           // incidents walked by two replicas
	replicaKills   int           // kill -9s of a replica during the walks
	faultIncidents int           // incidents whose pages meet the faulty receiver
}

var (
	shortSizes = sizes{intakeKills: 2, ackedPerKill: 100, killEvery: 1500 * time.Millisecond, outage: 3 * time.Second, walks: 6, replicaKills: 3, faultIncidents: 4}
	fullSizes  = sizes{intakeKills: 6, ackedPerKill: 1500, killEvery: 20 * time.Second, outage: 60 * time.Second, walks: 60, replicaKills: 18, faultIncidents: 20}
)

// run is the state scenarios share: the configuration, a directory for
// data, and the private PostgreSQL once one was started.
type run struct {
	cfg  Config
	dir  string
	size sizes
	log  io.Writer

	pgOnce sync.Once
	pg     *cluster
	pgErr  error
	seq    int
}

func newRun(cfg Config, dir string) *run {
	r := &run{cfg: cfg, dir: dir, size: fullSizes, log: cfg.Log}
	if cfg.Short {
		r.size = shortSizes
	}
	if r.log == nil {
		r.log = io.Discard
	}
	return r
}

// logf prints a progress line.
func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(r.log, time.Now().UTC().Format("15:04:05")+" "+format+"\n", args...)
}

// runOne runs a scenario and times it; a panic is the scenario's failure,
// not the run's end.
func (r *run) runOne(ctx context.Context, s scenario) (res Result) {
	res.Scenario = s.name
	start := time.Now()
	r.logf("%s: %s", s.name, s.about)
	defer func() {
		if p := recover(); p != nil {
			res.fail("panic: %v", p)
		}
		res.Duration = time.Since(start)
		r.logf("%s: done in %s, %d failures", s.name, res.Duration.Round(time.Millisecond), len(res.Failures))
	}()
	s.run(ctx, r, &res)
	return res
}

// tempDir returns a new directory for one server's (or database's) data.
func (r *run) tempDir(name string) string {
	r.seq++
	d := filepath.Join(r.dir, fmt.Sprintf("%02d-%s", r.seq, name))
	if err := os.MkdirAll(d, 0o755); err != nil {
		panic(err)
	}
	return d
}

// privatePostgres starts the run's own PostgreSQL on first use.
func (r *run) privatePostgres(ctx context.Context) (*cluster, error) {
	r.pgOnce.Do(func() {
		r.pg, r.pgErr = startCluster(ctx, r.tempDir("postgres"))
		if r.pgErr == nil {
			r.logf("private PostgreSQL %s on %s", r.pg.version, r.pg.adminURL())
		}
	})
	return r.pg, r.pgErr
}

// postgresServer returns a PostgreSQL server URL on which scenarios may
// create databases: the configured one, else the private one; "" and why
// when there is neither.
func (r *run) postgresServer(ctx context.Context) (string, string) {
	if r.cfg.Postgres != "" {
		return r.cfg.Postgres, ""
	}
	pg, err := r.privatePostgres(ctx)
	if err != nil {
		return "", err.Error()
	}
	return pg.adminURL(), ""
}

func (r *run) close() {
	if r.pg != nil {
		r.pg.close()
	}
}
