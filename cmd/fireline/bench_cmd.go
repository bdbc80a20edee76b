package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline/bench"
	"github.com/fireline-dev/fireline/sqlstore"
)

// newBenchCommand wires `fireline bench`: the benches live in package
// bench, which starts this binary's own server (benchServer) in-process.
func newBenchCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure Fireline on this machine"}
	cmd.AddCommand(newBenchIngestCommand(g))
	cmd.AddCommand(newBenchPageCommand(g))  // bench_page_cmd.go
	cmd.AddCommand(newBenchScaleCommand(g)) // bench_scale_cmd.go
	return cmd
}

func newBenchIngestCommand(g *globals) *cobra.Command {
	var cfg bench.IngestConfig
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Drive alert intake over loopback HTTP and report alerts/s and acknowledgement latency",
		Long: "Starts a Fireline server on each database (a fresh SQLite file in a temporary directory by default,\n" +
			"or --db, repeatable, for PostgreSQL) and a trivial JSON handler beside it, then runs N concurrent\n" +
			"senders posting Alertmanager webhooks: distinct single alerts, duplicate alerts and 100-alert\n" +
			"batches at each sender count, then distinct alerts paced at half the peak rate and sustained\n" +
			"again. The trivial handler is the machine's ceiling for the same HTTP work; it is measured\n" +
			"again just before each scenario, which is reported as a share of that measurement (other\n" +
			"work on the machine comes and goes). The closing lines compare peaks: each scenario's highest\n" +
			"rate over the sender counts against the trivial handler's highest (docs/adr/0039).\n\n" +
			"--groups N spreads the alerts over N alert groups (alertnames), each an incident of its own;\n" +
			"--replicas 1,2 measures each database with one server, then two sharing it, and compares their\n" +
			"peaks (docs/adr/0068).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Check(); err != nil {
				return err
			}
			done, err := bench.Prepare(&cfg.DSNs, cfg.CPUProfile)
			if err != nil {
				return err
			}
			defer done()
			tuneGC(g.env.Getenv) // as fireline serve does
			cfg.Start = startBenchServer
			return bench.Ingest(cmd.Context(), cfg, g.env.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&cfg.DSNs, "db", nil, "database to measure: SQLite path or postgres:// URL (repeatable; default a temporary SQLite file)")
	f.IntSliceVar(&cfg.Senders, "senders", []int{32, 128}, "concurrent senders; several counts measure each rate at each")
	f.DurationVar(&cfg.Duration, "duration", 5*time.Second, "how long each scenario runs")
	f.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (-tagfocus bench=fireline keeps Fireline's server, bench=trivial the ceiling's, bench=sender the senders)")
	f.IntSliceVar(&cfg.Replicas, "replicas", []int{1}, "servers sharing each database, the senders spread over them (PostgreSQL); several counts measure each database with each in turn")
	f.IntVar(&cfg.Groups, "groups", 1, "alert groups the alerts are spread over, each its own incident (1: every alert joins one incident)")
	f.StringSliceVar(&cfg.Scenarios, "scenario", nil, "run only these scenarios ("+strings.Join(bench.IngestScenarios, ", ")+"; default all)")
	return cmd
}

// startBenchServer starts a server as `fireline serve` would, on a
// loopback port, its logs discarded: the benches' StartFunc.
func startBenchServer(ctx context.Context, c bench.ServerConfig) (bench.Server, error) {
	srv, err := startServer(ctx, serveConfig{Addr: "127.0.0.1:0", DB: c.DB, PolicyPath: c.PolicyPath, BootstrapToken: c.BootstrapToken,
		Paging: pagingConfig{AllowOutbound: c.AllowOutbound, Getenv: c.Getenv, NoJobRunner: c.NoJobRunner}},
		slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		return nil, err
	}
	return benchServer{srv}, nil
}

// benchServer is a server as package bench sees it.
type benchServer struct{ *server }

func (s benchServer) Store() *sqlstore.DB { return s.db }
