package soak

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Config is what one soak run is told.
type Config struct {
	// Binary is the fireline executable started as `serve`.
	Binary string
	// Short runs the cut CI runs: fewer alerts, kills and incidents, a
	// shorter outage.
	Short bool
	// Only names the scenarios to run; empty runs them all.
	Only []string
	// Postgres is a PostgreSQL server URL on which the replica scenario
	// creates (and drops) its own database; empty: the private server the
	// soak starts, if this machine has PostgreSQL's programs.
	Postgres string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// Result is one scenario's outcome: a row of the table.
type Result struct {
	Scenario string
	// Skipped says why the scenario did not run; a skip is not a failure.
	Skipped  string
	Failures []string
	// Counts are the figures that back the verdict, in order.
	Counts   []string
	Duration time.Duration
}

// Passed says the scenario ran or was skipped without a failure.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// fail records a failure; the scenario goes on, so that one run reports
// every failure it meets.
func (r *Result) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// count records a figure for the table.
func (r *Result) count(format string, args ...any) {
	r.Counts = append(r.Counts, fmt.Sprintf(format, args...))
}

// scenario is one named check of the run.
type scenario struct {
	name, about string
	run         func(ctx context.Context, r *run, res *Result)
}

// scenarios are the run's checks, in the order they run.
var scenarios = []scenario{
	{"kill-intake", "kill -9 under intake load, SQLite (and PostgreSQL): 0 acknowledged alerts lost", killIntake},
	{"db-outage", "a private PostgreSQL stopped under load: 503s, recovery, 0 acknowledged alerts lost", dbOutage},
	{"replicas", "two replicas on PostgreSQL killed during escalation walks: each step once", replicaWalks},
	{"sink-faults", "the webhook receiver answers 500, 429, slowly or closes: retried, recorded, never duplicated", sinkFaults},
	{"canary", "a restricted incident's canary hunted over every API and console route as viewer, responder and anonymous", canaryHunt},
}

// Scenarios lists the scenario names and what each checks.
func Scenarios() [][2]string {
	var out [][2]string
	for _, s := range scenarios {
		out = append(out, [2]string{s.name, s.about})
	}
	return out
}

// Run runs the chosen scenarios one after another and returns a result
// for each. Its error is about the run itself (an unknown scenario, no
// temporary directory), not a scenario's failure.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	chosen, err := choose(cfg.Only)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "fireline-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// The private PostgreSQL runs as the postgres user when the soak runs
	// as root: it must reach its directory inside this one.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	r := newRun(cfg, dir)
	defer r.close()
	var results []Result
	for _, s := range chosen {
		results = append(results, r.runOne(ctx, s))
	}
	return results, nil
}

// choose returns the scenarios named in only, all of them when empty.
func choose(only []string) ([]scenario, error) {
	if len(only) == 0 {
		return scenarios, nil
	}
	var out []scenario
	for _, name := range only {
		i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("unknown scenario %q: want one of %s", name, strings.Join(names(), ", "))
		}
		out = append(out, scenarios[i])
	}
	return out, nil
}

func names() []string {
	var out []string
	for _, s := range scenarios {
		out = append(out, s.name)
	}
	return out
}

// Passed says no result failed.
func Passed(results []Result) bool {
	for _, r := range results {
		if !r.Passed() {
			return false
		}
	}
	return true
}
