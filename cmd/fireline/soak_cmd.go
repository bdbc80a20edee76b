package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline/soak"
)

// newSoakCommand wires `fireline soak`: the outside scenarios (package
// soak) against this very binary, run as `serve` on loopback ports.
func newSoakCommand(g *globals) *cobra.Command {
	var cfg soak.Config
	var quiet bool
	cmd := &cobra.Command{
		Use:   "soak",
		Short: "Run the crash, outage, replica, receiver-fault and canary scenarios against real fireline processes",
		Long:  soakHelp(),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return fmt.Errorf("cannot find this binary to run as serve: %w", err)
			}
			cfg.Binary, cfg.Log = bin, g.env.Stderr
			if quiet {
				cfg.Log = io.Discard
			}
			results, err := soak.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			soak.WriteTable(g.env.Stdout, results)
			if !soak.Passed(results) {
				return exitError{1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&cfg.Short, "short", false, "the short cut CI runs (about a minute): fewer alerts, kills and incidents, a 3 s outage")
	f.StringSliceVar(&cfg.Only, "only", nil, "run only these scenarios (comma-separated)")
	f.StringVar(&cfg.Postgres, "postgres", "", "a PostgreSQL server URL where the PostgreSQL intake and replica scenarios create (and drop) their own database; default: the private server the soak starts")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the table, no progress lines")
	return cmd
}

// soakHelp lists the scenarios.
func soakHelp() string {
	var b strings.Builder
	b.WriteString("Runs the outside scenarios against real fireline processes on this machine (it starts this\n" +
		"binary as serve on loopback ports with temporary data) and prints a pass/fail table; the exit\n" +
		"code is 1 if any scenario failed. Scenarios:\n\n")
	for _, s := range soak.Scenarios() {
		fmt.Fprintf(&b, "  %-12s %s\n", s[0], s[1])
	}
	b.WriteString("\nThe database outage needs PostgreSQL's programs (initdb, pg_ctl); without them it is skipped.\n" +
		"See docs/soak.md.")
	return b.String()
}
