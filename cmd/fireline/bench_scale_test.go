package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestBenchScaleRuns runs `bench scale` small on each database, so that it
// keeps working: every request answers 200 at every size, and the table
// has a row for each (times are not asserted).
func TestBenchScaleRuns(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		var out bytes.Buffer
		cfg := scaleBenchConfig{dsns: []string{dsn}, sizes: []int{600, 1200}, requests: 2, timeline: 1500, openShare: 0.5}
		if err := runScaleBench(context.Background(), cfg, &out); err != nil {
			t.Fatalf("bench scale: %v\n%s", err, out.String())
		}
		for _, want := range []string{"GET incident", "search, rare word (API)", "dashboard", "console incident page (1k events)", scaleReportPage} {
			if n := strings.Count(out.String(), want); n < 2 {
				t.Errorf("%q in %d rows:\n%s", want, n, out.String())
			}
		}
	})
}
