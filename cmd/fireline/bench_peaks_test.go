package main

import (
	"reflect"
	"testing"
	"time"
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
