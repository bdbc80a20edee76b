package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// peak is one scenario's highest rate and the trivial handler's.
type peak struct {
	db, scenario            string
	rate, trivialRate       float64
	senders, trivialSenders int
}

// peakScenarios have a peak: the closed-loop scenarios.
var peakScenarios = []string{distinctScenario, duplicateScenario, batchScenario}

// peaks finds, per database, the highest rate of each closed-loop
// scenario measured at several sender counts, and the trivial handler's
// highest over every measurement of it (its own rows and those taken just
// before each scenario), in the order the scenarios first appear.
func peaks(rows []ingestRow) []peak {
	var out []peak
	trivial := trivialPeaks(rows)
	for _, r := range rows {
		if !slices.Contains(peakScenarios, r.scenario) {
			continue
		}
		i := slices.IndexFunc(out, func(p peak) bool { return p.db == r.db && p.scenario == r.scenario })
		if i < 0 {
			out = append(out, peak{db: r.db, scenario: r.scenario})
			i = len(out) - 1
		}
		if r.alertsPerSec > out[i].rate {
			out[i].rate, out[i].senders = r.alertsPerSec, r.senders
		}
	}
	for i := range out {
		t := trivial[out[i].db]
		out[i].trivialRate, out[i].trivialSenders = t.trivialRate, t.trivialSenders
	}
	return out
}

// trivialPeaks is the trivial handler's highest rate per database.
func trivialPeaks(rows []ingestRow) map[string]peak {
	trivial := map[string]peak{}
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
	return trivial
}

func printPeaks(out io.Writer, peaks []peak) error {
	if len(peaks) == 0 {
		return nil
	}
	fmt.Fprintln(out, "\npeaks: each scenario's highest rate over the sender counts, against the trivial handler's highest in the same database's run")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, p := range peaks {
		fmt.Fprintf(tw, "%s\t%s\t%.0f/s with %d senders\t%.0f%% of %.0f/s with %d\t\n", p.db, p.scenario, p.rate, p.senders,
			100*p.rate/p.trivialRate, p.trivialRate, p.trivialSenders)
	}
	return tw.Flush()
}

// printReplicaRatios compares, for each scenario, the peak of several
// replicas on a database with one replica's on the same database in the
// same run ("postgres x2" against "postgres").
func printReplicaRatios(out io.Writer, peaks []peak) error {
	var lines []string
	for _, p := range peaks {
		base, _, ok := strings.Cut(p.db, " x")
		if !ok {
			continue
		}
		i := slices.IndexFunc(peaks, func(q peak) bool { return q.db == base && q.scenario == p.scenario })
		if i < 0 || peaks[i].rate == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s\t%s\t%.2fx %s's %.0f/s\t", p.db, p.scenario, p.rate/peaks[i].rate, base, peaks[i].rate))
	}
	if len(lines) == 0 {
		return nil
	}
	fmt.Fprintln(out, "\nreplicas: each scenario's peak against one replica's on the same database in this run")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	return tw.Flush()
}
