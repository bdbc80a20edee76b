package bench

import (
	"context"
	"slices"
)

// scenarios runs the configured scenarios at each sender count, each
// after a measurement of the trivial handler, and returns their rows.
func (b *sender) scenarios(ctx context.Context, name, trivial string) []ingestRow {
	var rows []ingestRow
	var stored int64 // new alerts the database took so far
	run := func(scenario, url string, senders, perReq int, body func(int64) []byte, pace float64) ingestRow {
		var ceiling float64
		if url != trivial {
			ceiling = b.run(ctx, trivial, senders, 1, b.distinct, 0).alertsPerSec
		}
		r := b.run(ctx, url, senders, perReq, body, pace)
		r.trivialPerSec = ceiling
		r.db, r.scenario, r.senders, r.storedBefore = name, scenario, senders, -1
		if url != trivial {
			r.storedBefore = stored
			stored += newAlerts(scenario, r.alerts)
		}
		rows = append(rows, r)
		return r
	}
	want := func(sc string) bool { return len(b.cfg.Scenarios) == 0 || slices.Contains(b.cfg.Scenarios, sc) }
	var peak ingestRow // distinct alerts at their highest rate
	for _, n := range b.cfg.Senders {
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
			n = b.cfg.Senders[0]
		}
		run("distinct, sustained again", b.url, n, 1, b.distinct, 0)
	}
	return rows
}

// newAlerts is how many new alerts a scenario's row stored: all it sent,
// but for the duplicates, whose first round's only.
func newAlerts(scenario string, alerts int64) int64 {
	if scenario == duplicateScenario {
		return min(alerts, duplicateKeys)
	}
	return alerts
}
