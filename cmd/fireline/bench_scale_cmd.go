package main

import (
	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline/bench"
)

func newBenchScaleCommand(g *globals) *cobra.Command {
	var cfg bench.ScaleConfig
	cmd := &cobra.Command{
		Use:   "scale",
		Short: "Measure how reads cost as incidents grow: p50/p99 of each at 1k, 10k and 100k incidents",
		Long: "Seeds a database (a fresh SQLite file in a temporary directory by default, or --db, repeatable, for\n" +
			"PostgreSQL, in a schema of its own) through the store's own code: one incident with a --timeline\n" +
			"event timeline, then incidents up to each --sizes count (95% resolved, the newest 5% open, 1%\n" +
			"restricted, titles from a small vocabulary). At each size it starts a server and times, one request\n" +
			"after another, search (a common and a rare word), /metrics, incident-counts, the dashboard, the closed\n" +
			"list with limit=10 (the dashboard's recently resolved) and the open list, the timeline's API page and\n" +
			"the console's incident page, the reports page (console, API and CSV: the last 90 days of incidents),\n" +
			"beside GET /api/v1/incidents/{id}, as a viewer who is a member of no\n" +
			"restricted incident. It reports p50 and p99 and the p50 as a ratio to the same request at the first size\n" +
			"and to GET incident at the same size (docs/adr/0054).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Check(); err != nil {
				return err
			}
			done, err := bench.Prepare(&cfg.DSNs, "")
			if err != nil {
				return err
			}
			defer done()
			tuneGC(g.env.Getenv)
			cfg.Start = startBenchServer
			return bench.Scale(cmd.Context(), cfg, g.env.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&cfg.DSNs, "db", nil, "database to measure: SQLite path or postgres:// URL (repeatable; default a temporary SQLite file)")
	f.IntSliceVar(&cfg.Sizes, "sizes", []int{1000, 10000, 100000}, "incident counts to measure at, increasing")
	f.IntVar(&cfg.Requests, "requests", 200, "timed requests of each kind at each size")
	f.IntVar(&cfg.Timeline, "timeline", 10000, "events on the long timeline")
	f.Float64Var(&cfg.OpenShare, "open", 0.05, "share of the incidents added at each size left open (the newest)")
	return cmd
}
