package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline/bench"
)

func newBenchPageCommand(g *globals) *cobra.Command {
	var cfg bench.PageConfig
	cmd := &cobra.Command{
		Use:   "page",
		Short: "Measure alert-to-page latency (idle and under load) and the lateness of due steps among many pending timers",
		Long: "Starts a Fireline server on each database (a fresh SQLite file by default; --db, repeatable, for\n" +
			"PostgreSQL, measured in a schema of its own that is dropped afterwards) with every person paged by a\n" +
			"signed webhook to a loopback sink, then measures:\n\n" +
			"  - from the start of an alert's POST (/integrations/generic, P2, a new incident each) to its page's\n" +
			"    arrival at the sink, idle and under background alert load (--load alerts/s, batches of 50);\n" +
			"  - with --timers pending escalation steps (most due hours ahead), how late the --due ones run\n" +
			"    (spread over the next 10 s), and the resident memory of the process.\n\n" +
			"Targets: p50 < 5 ms and p99 < 20 ms idle, p99 < 50 ms under load, due steps late by < 100 ms at p99.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			done, err := bench.Prepare(&cfg.DSNs, cfg.CPUProfile)
			if err != nil {
				return err
			}
			defer done()
			tuneGC(g.env.Getenv) // as fireline serve does
			cfg.Start = startBenchServer
			return bench.Page(cmd.Context(), cfg, g.env.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&cfg.DSNs, "db", nil, "database to measure: SQLite path or postgres:// URL (repeatable; default a temporary SQLite file)")
	f.IntVar(&cfg.Probes, "probes", 200, "alerts timed to their page, per scenario")
	f.Float64Var(&cfg.Load, "load", 10000, "background alerts per second in the loaded scenario")
	f.DurationVar(&cfg.LoadFor, "load-duration", 8*time.Second, "how long the background load runs")
	f.IntVar(&cfg.Timers, "timers", 100000, "pending escalation steps in the timer scenario")
	f.IntVar(&cfg.DueTimers, "due", 2000, "of those, how many fall due during the measurement")
	f.DurationVar(&cfg.DueOver, "due-over", 10*time.Second, "the stretch the due ones are spread over")
	f.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	return cmd
}
