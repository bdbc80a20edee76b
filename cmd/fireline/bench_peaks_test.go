package main

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// The peaks compare each closed-loop scenario's best rate over the sender
// counts with the best the trivial handler reached in any measurement of
// the same database's run, never across databases, and leave the paced
// and sustained rows out.
func TestBenchPeaks(t *testing.T) {
	rows := []benchRow{
		{db: "sqlite", scenario: trivialScenario, senders: 32, alertsPerSec: 30000},
		{db: "sqlite", scenario: distinctScenario, senders: 32, alertsPerSec: 9000, trivialPerSec: 31000},
		{db: "sqlite", scenario: duplicateScenario, senders: 32, alertsPerSec: 28000, trivialPerSec: 30500},
		{db: "sqlite", scenario: trivialScenario, senders: 128, alertsPerSec: 32000},
		{db: "sqlite", scenario: distinctScenario, senders: 128, alertsPerSec: 16500, trivialPerSec: 33000},
		{db: "sqlite", scenario: duplicateScenario, senders: 128, alertsPerSec: 27000, trivialPerSec: 31500},
		{db: "sqlite", scenario: "distinct at half peak", senders: 128, alertsPerSec: 8250, trivialPerSec: 34000},
		{db: "postgres", scenario: trivialScenario, senders: 32, alertsPerSec: 20000},
		{db: "postgres", scenario: distinctScenario, senders: 32, alertsPerSec: 4000, trivialPerSec: 21000},
	}
	want := []benchPeak{
		// 34,000 was measured before the paced row, which has no peak of
		// its own but whose trivial measurement counts.
		{db: "sqlite", scenario: distinctScenario, rate: 16500, senders: 128, trivialRate: 34000, trivialSenders: 128},
		{db: "sqlite", scenario: duplicateScenario, rate: 28000, senders: 32, trivialRate: 34000, trivialSenders: 128},
		{db: "postgres", scenario: distinctScenario, rate: 4000, senders: 32, trivialRate: 21000, trivialSenders: 32},
	}
	if got := benchPeaks(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("benchPeaks:\n got %+v\nwant %+v", got, want)
	}
}

// TestProcessCPUCounts: the CPU column counts work the process does.
func TestProcessCPUCounts(t *testing.T) {
	before := processCPU()
	x := 0
	for i := 0; processCPU()-before < 20*time.Millisecond && i < 1e10; i++ {
		x += i % 7
	}
	if used := processCPU() - before; used < 20*time.Millisecond {
		t.Fatalf("busy loop counted %v of CPU", used)
	}
	if got := perAlert(time.Second, 1000); got != time.Millisecond {
		t.Fatalf("1 s over 1000 alerts: %v per alert", got)
	}
	if got := perAlert(time.Second, 0); got != 0 {
		t.Fatalf("no alerts: %v per alert, want 0", got)
	}
	_ = x
}

// TestBenchCountsStoredAlerts: each Fireline row says how many new alerts
// the database had taken before it (hashed keys make later rows insert
// into a larger index, docs/adr/0042); the duplicates scenario adds only
// the alerts its first round creates.
func TestBenchCountsStoredAlerts(t *testing.T) {
	var out strings.Builder
	cfg := benchConfig{dsns: []string{firelinetest.SQLiteDSN(t)}, senders: []int{2}, duration: 150 * time.Millisecond,
		scenarios: []string{"distinct", "duplicate", "batch"}}
	if err := runBench(context.Background(), cfg, &out); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		for _, sc := range []string{trivialScenario, distinctScenario, duplicateScenario, batchScenario} {
			if _, rest, ok := strings.Cut(line, sc); ok && rows[sc] == nil {
				rows[sc] = strings.Fields(rest) // senders, stored before, alerts, ...
			}
		}
	}
	distinct, dup, batch := rows[distinctScenario], rows[duplicateScenario], rows[batchScenario]
	if len(distinct) < 3 || len(dup) < 3 || len(batch) < 3 || rows[trivialScenario][1] != "-" {
		t.Fatalf("rows: %q\n%s", rows, out.String())
	}
	firstRound := min(atoi(t, dup[2]), duplicateKeys) // a slow machine may not finish one round
	if distinct[1] != "0" || dup[1] != distinct[2] || batch[1] != fmt.Sprint(atoi(t, distinct[2])+firstRound) || distinct[2] == "0" {
		t.Errorf("stored before: distinct %s, duplicates %s, batches %s; distinct stored %s\n%s", distinct[1], dup[1], batch[1], distinct[2], out.String())
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
