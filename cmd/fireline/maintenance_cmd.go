package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newMaintenanceCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "maintenance", Short: "Schedule, list and cancel maintenance windows"}
	cmd.AddCommand(newMaintenanceCreateCommand(g), newMaintenanceListCommand(g), newMaintenanceDeleteCommand(g))
	return cmd
}

func newMaintenanceCreateCommand(g *globals) *cobra.Command {
	var in fireline.MaintenanceInput
	var start, end string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Schedule a window: alerts inside it are recorded but open no incident",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if start != "now" { // now: the server's clock
				t, err := parseInstantFlag("start", start)
				if err != nil {
					return err
				}
				in.StartsAt = t
			}
			if t, err := time.Parse(time.RFC3339, end); err == nil {
				in.EndsAt = t
			} else if d, err := fireline.ParseInterval(end); err == nil && d > 0 {
				in.For = d
			} else {
				return fireline.Errorf(fireline.EInvalid, "--end must be an RFC 3339 time or a duration after the start, such as 2h")
			}
			w, err := c.CreateMaintenance(cmd.Context(), in)
			if err != nil {
				return err
			}
			return g.print(w, func(out io.Writer) {
				tf := g.times(cmd.Context(), c)
				fmt.Fprintf(out, "Scheduled maintenance %s of %s from %s to %s: %s\n", w.ID, w.Service, tf.format(w.StartsAt), tf.format(w.EndsAt), w.Reason)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Service, "service", "", "the service (required)")
	f.StringVar(&start, "start", "now", "RFC 3339 start, or a duration from now such as 30m")
	f.StringVar(&end, "end", "", "RFC 3339 end, or a duration after the start such as 2h (required)")
	f.StringVar(&in.Reason, "reason", "", "why (required)")
	f.BoolVar(&in.Public, "public", false, "show it on the public status page as scheduled maintenance, the reason as its name")
	cmd.MarkFlagRequired("service")
	cmd.MarkFlagRequired("end")
	cmd.MarkFlagRequired("reason")
	return cmd
}

func newMaintenanceListCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List windows that have not ended",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			list, err := c.ListMaintenance(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(map[string]any{"maintenance_windows": list}, func(w io.Writer) {
				tf := g.times(cmd.Context(), c)
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSERVICE\tSTART\tEND\tREASON")
				for _, m := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID, m.Service, tf.format(m.StartsAt), tf.format(m.EndsAt), m.Reason)
				}
				tw.Flush()
			})
		},
	}
}

func newMaintenanceDeleteCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Cancel a window",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.DeleteMaintenance(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "cancelled %s\n", args[0])
			return nil
		},
	}
}
