package soak

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints the results as the pass/fail table, then each
// failure and skip reason on its own line.
func WriteTable(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tRESULT\tCOUNTS\tDURATION")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Scenario, verdict(r), strings.Join(r.Counts, ", "), r.Duration.Round(100*time.Millisecond))
	}
	tw.Flush()
	for _, r := range results {
		for _, f := range r.Failures {
			fmt.Fprintf(w, "FAIL %s: %s\n", r.Scenario, f)
		}
		if r.Skipped != "" {
			fmt.Fprintf(w, "skip %s: %s\n", r.Scenario, r.Skipped)
		}
	}
}

func verdict(r Result) string {
	switch {
	case !r.Passed():
		return "FAIL"
	case r.Skipped != "":
		return "skip"
	}
	return "pass"
}
