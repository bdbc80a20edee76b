package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/sqlstore"
)

// The benches live in package bench; these run them through the CLI, as
// a user would, on this binary's own server (startBenchServer).

// benchCLI runs `fireline bench ARGS...` and returns its output; it fails
// the test on a non-zero exit.
func benchCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if code := Main(context.Background(), append([]string{"bench"}, args...), env); code != 0 {
		t.Fatalf("fireline bench %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
	return out.String()
}

// TestBenchCountsStoredAlerts: each Fireline row says how many new alerts
// the database had taken before it (hashed keys make later rows insert
// into a larger index, docs/adr/0042); the duplicates scenario adds only
// the alerts its first round creates.
func TestBenchCountsStoredAlerts(t *testing.T) {
	out := benchCLI(t, "ingest", "--db", firelinetest.SQLiteDSN(t), "--senders", "2", "--duration", "150ms", "--scenario", "distinct,duplicate,batch")
	const (
		trivial, distinct, duplicate, batch = "trivial handler (ceiling)", "distinct alerts", "duplicate alerts", "100-alert batches"
		duplicateKeys                       = 64 // the keys the duplicates scenario repeats
	)
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		for _, sc := range []string{trivial, distinct, duplicate, batch} {
			if _, rest, ok := strings.Cut(line, sc); ok && rows[sc] == nil {
				rows[sc] = strings.Fields(rest) // senders, stored before, alerts, ...
			}
		}
	}
	d, dup, b := rows[distinct], rows[duplicate], rows[batch]
	if len(d) < 3 || len(dup) < 3 || len(b) < 3 || rows[trivial][1] != "-" {
		t.Fatalf("rows: %q\n%s", rows, out)
	}
	firstRound := min(atoi(t, dup[2]), duplicateKeys) // a slow machine may not finish one round
	if d[1] != "0" || dup[1] != d[2] || b[1] != fmt.Sprint(atoi(t, d[2])+firstRound) || d[2] == "0" {
		t.Errorf("stored before: distinct %s, duplicates %s, batches %s; distinct stored %s\n%s", d[1], dup[1], b[1], d[2], out)
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBenchScaleRuns runs `bench scale` small on each database, so that it
// keeps working: every request answers 200 at every size, and the table
// has a row for each (times are not asserted).
func TestBenchScaleRuns(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		out := benchCLI(t, "scale", "--db", dsn, "--sizes", "600,1200", "--requests", "2", "--timeline", "1500", "--open", "0.5")
		for _, want := range []string{"GET incident", "search, rare word (API)", "dashboard", "console incident page (1k events)", "reports page (console)"} {
			if n := strings.Count(out, want); n < 2 {
				t.Errorf("%q in %d rows:\n%s", want, n, out)
			}
		}
	})
}

// TestBenchGroupsOpenIncidentEach: `bench ingest --groups 4` spreads the
// alerts over four alert groups, and each is an incident of its own.
func TestBenchGroupsOpenIncidentEach(t *testing.T) {
	dsn := firelinetest.SQLiteDSN(t)
	out := benchCLI(t, "ingest", "--db", dsn, "--groups", "4", "--senders", "2", "--duration", "200ms", "--scenario", "distinct")
	if !strings.Contains(out, "alerts over 4 alert groups") {
		t.Errorf("the header does not name the groups:\n%s", out)
	}
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var incidents, groups int
	err = db.Writer().QueryRow("SELECT COUNT(*), COUNT(DISTINCT g.group_key) FROM incidents i JOIN alert_groups g ON g.incident_number = i.number").Scan(&incidents, &groups)
	if err != nil || incidents != 4 || groups != 4 {
		t.Errorf("%d incidents in %d alert groups, want 4 in 4 (err %v)\n%s", incidents, groups, err, out)
	}
}

// TestBenchReplicasInOneRun: `--replicas 1,2` measures the database with
// one server, then two, and compares their peaks in the same run.
func TestBenchReplicasInOneRun(t *testing.T) {
	dsn := firelinetest.PostgresDSN(t)
	out := benchCLI(t, "ingest", "--db", dsn, "--replicas", "1,2", "--groups", "4", "--senders", "4", "--duration", "200ms", "--scenario", "distinct")
	for _, want := range []string{`postgres +distinct alerts`, `postgres x2 +distinct alerts`, `(?m)^replicas: `, `x2 +distinct alerts +[0-9.]+x postgres's`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
