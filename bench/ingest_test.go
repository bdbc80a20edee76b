package bench

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// The peaks compare each closed-loop scenario's best rate over the sender
// counts with the best the trivial handler reached in any measurement of
// the same database's run, never across databases, and leave the paced
// and sustained rows out.
func TestPeaks(t *testing.T) {
	rows := []ingestRow{
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
	want := []peak{
		// 34,000 was measured before the paced row, which has no peak of
		// its own but whose trivial measurement counts.
		{db: "sqlite", scenario: distinctScenario, rate: 16500, senders: 128, trivialRate: 34000, trivialSenders: 128},
		{db: "sqlite", scenario: duplicateScenario, rate: 28000, senders: 32, trivialRate: 34000, trivialSenders: 128},
		{db: "postgres", scenario: distinctScenario, rate: 4000, senders: 32, trivialRate: 21000, trivialSenders: 32},
	}
	if got := peaks(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("peaks:\n got %+v\nwant %+v", got, want)
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

// TestIngestCheck: a configuration the bench cannot run is refused
// before anything starts, naming the flag.
func TestIngestCheck(t *testing.T) {
	ok := IngestConfig{Senders: []int{32}, Replicas: []int{1}, Groups: 1}
	for _, tc := range []struct {
		name string
		edit func(*IngestConfig)
		want string
	}{
		{"unknown scenario", func(c *IngestConfig) { c.Scenarios = []string{"storm"} }, `unknown scenario "storm"`},
		{"no senders", func(c *IngestConfig) { c.Senders = nil }, "--senders"},
		{"zero senders", func(c *IngestConfig) { c.Senders = []int{32, 0} }, "--senders"},
		{"no replica", func(c *IngestConfig) { c.Replicas = []int{1, 0} }, "--replicas"},
		{"half-peak alone", func(c *IngestConfig) { c.Scenarios = []string{"half-peak"} }, "needs distinct"},
	} {
		cfg := ok
		tc.edit(&cfg)
		if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := ok.Check(); err != nil {
		t.Errorf("a good configuration: %v", err)
	}
}
