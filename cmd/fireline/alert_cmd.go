package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newAlertCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "alert", Aliases: []string{"alerts"}, Short: "Alert history"}
	cmd.AddCommand(newAlertListCommand(g))
	return cmd
}

func newAlertListCommand(g *globals) *cobra.Command {
	var f fireline.AlertFilter
	var status []string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List alerts, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			for _, s := range status {
				f.Status = append(f.Status, fireline.AlertStatus(s))
			}
			page, err := c.FindAlerts(cmd.Context(), f)
			if err != nil {
				return err
			}
			return g.print(page, func(w io.Writer) {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tSERVICE\tINCIDENT\tCOUNT\tLAST SEEN\tSUMMARY")
				for _, a := range page.Alerts {
					inc := a.Incident
					if a.Suppressed {
						inc = "(maintenance)"
					} else if inc == "" {
						inc = "-"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, a.Status, a.Severity, a.Service, inc, a.Count,
						g.times(cmd.Context(), c).format(a.LastSeenAt), a.Summary)
				}
				tw.Flush()
				if page.NextCursor != "" {
					fmt.Fprintf(w, "\nMore: --cursor %s\n", page.NextCursor)
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Service, "service", "", "only alerts of this service")
	fl.StringVar(&f.Integration, "integration", "", "only alerts of this integration (id or name)")
	fl.StringVar(&f.Incident, "incident", "", "only alerts of this incident")
	fl.StringSliceVar(&status, "status", nil, "firing, acknowledged, resolved")
	fl.IntVar(&f.Limit, "limit", 0, "page size (default 50)")
	fl.StringVar(&f.Cursor, "cursor", "", "continue from a previous page")
	return cmd
}
