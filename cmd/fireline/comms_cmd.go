package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// commsCommands are the incident subcommands of public updates.
func commsCommands(g *globals) []*cobra.Command {
	return []*cobra.Command{newDraftUpdateCommand(g), newPublicUpdatesCommand(g),
		updateAction(g, "approve-update INC-ID N", "Approve and publish a draft public update (the incident's commander or communications liaison)", fireline.ActApproveUpdate),
		updateAction(g, "reject-update INC-ID N", "Reject a draft public update (the incident's commander or communications liaison)", fireline.ActRejectUpdate)}
}

// updateAction approves or rejects update N, then lists the updates.
func updateAction(g *globals, use, short string, kind fireline.ActionKind) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 {
				return fireline.Errorf(fireline.EInvalid, "want an update number (fireline incident public-updates lists them), not %q", args[1])
			}
			inc, err := c.Act(cmd.Context(), args[0], fireline.Action{Kind: kind, UpdateNumber: n, Reason: reason})
			if err != nil {
				return err
			}
			if g.output == "json" {
				return g.print(inc, nil)
			}
			return printPublicUpdates(cmd, g, args[0])
		},
	}
	if kind == fireline.ActRejectUpdate {
		cmd.Flags().StringVar(&reason, "reason", "", "why")
	}
	return cmd
}

func newDraftUpdateCommand(g *globals) *cobra.Command {
	var in fireline.PublicUpdateInput
	var status string
	var components []string
	cmd := &cobra.Command{
		Use:   "public-update INC-ID",
		Short: "Draft a public update: a status, affected components and their state, and the text (default: the status's template filled in); P1/P2 wait for the commander's or liaison's approval",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			in.Status = fireline.PublicStatus(status)
			for _, s := range components {
				svc, st, ok := strings.Cut(s, "=")
				if !ok {
					return fireline.Errorf(fireline.EInvalid, "--component wants SERVICE=STATE (api-gateway=partial_outage), not %q", s)
				}
				in.Components = append(in.Components, fireline.ComponentImpact{Service: svc, State: fireline.ComponentState(st)})
			}
			inc, err := c.Act(cmd.Context(), args[0], fireline.Action{Kind: fireline.ActDraftUpdate, PublicUpdate: &in})
			if err != nil {
				return err
			}
			if g.output == "json" {
				return g.print(inc, nil)
			}
			return printPublicUpdates(cmd, g, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "investigating", "investigating, identified, monitoring or resolved")
	f.StringArrayVar(&components, "component", nil, "an affected public component and its state, SERVICE=STATE (operational, degraded_performance, partial_outage, major_outage, under_maintenance); repeat for more")
	f.StringVar(&in.Text, "text", "", "the update's text (default: the policy's template for the status, filled in)")
	f.StringVar(&in.Name, "name", "", "the incident's public name (default: its title)")
	return cmd
}

func newPublicUpdatesCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "public-updates INC-ID",
		Short: "List an incident's public updates (drafts too) and when the next is due",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return printPublicUpdates(cmd, g, args[0]) },
	}
}

func printPublicUpdates(cmd *cobra.Command, g *globals, id string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	pu, err := c.PublicUpdates(cmd.Context(), id)
	if err != nil {
		return err
	}
	return g.print(pu, func(w io.Writer) {
		tf := g.times(cmd.Context(), c)
		if pu.NextDue != nil {
			fmt.Fprintf(w, "%s: next public update due %s\n", pu.Incident, tf.format(*pu.NextDue))
		} else {
			fmt.Fprintf(w, "%s: no public update due\n", pu.Incident)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "N\tSTATE\tSTATUS\tBY\tAPPROVED\tPUBLISHED\tTEXT")
		for _, u := range pu.Updates {
			published := "-"
			if u.PublishedAt != nil {
				published = tf.format(*u.PublishedAt)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Number, u.State, u.Status, u.DraftedBy, or(u.ApprovedBy, "-"), published, clip(u.Text, 60))
		}
		tw.Flush()
		for _, o := range pu.Obligations {
			fmt.Fprintf(w, "obligation due %s: %s\n", tf.format(o.Due), strings.ReplaceAll(string(o.Outcome), "_", " "))
		}
	})
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// newStatusCommand shows the internal status page and the cadence's
// compliance.
func newStatusCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "status", Short: "The internal status page and public update compliance"}
	var days int
	internal := &cobra.Command{
		Use:   "internal",
		Short: "Open incidents with severity, stage, status, ETA, commander, liaison and latest update; recently resolved",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			s, err := c.InternalStatus(cmd.Context(), days)
			if err != nil {
				return err
			}
			return g.print(s, func(w io.Writer) { printInternal(w, g.times(cmd.Context(), c), s, days) })
		},
	}
	internal.Flags().IntVar(&days, "days", 7, "list incidents resolved in the past days (1-90)")
	compliance := &cobra.Command{
		Use:   "compliance",
		Short: "Public update obligations by severity: on time, late, overdue, missed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			cs, err := c.UpdateCompliance(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(web.ComplianceReport{Severities: cs}, func(w io.Writer) {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SEVERITY\tON TIME\tLATE\tOVERDUE\tMISSED\tON-TIME SHARE")
				for _, s := range cs {
					share := "-"
					if s.Total > 0 {
						share = strconv.FormatFloat(100*s.OnTime, 'f', 0, 64) + "%"
					}
					fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", s.Severity, s.Outcomes[fireline.OutcomeOnTime], s.Outcomes[fireline.OutcomeLate],
						s.Outcomes[fireline.OutcomeOverdue], s.Outcomes[fireline.OutcomeMissed], share)
				}
				tw.Flush()
			})
		},
	}
	cmd.AddCommand(internal, compliance)
	return cmd
}

func printInternal(w io.Writer, tf *timeFormat, s *fireline.InternalStatus, days int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEV\tSTAGE\tSTATUS\tETA\tCOMMANDER\tLIAISON\tNEXT PUBLIC UPDATE\tLATEST UPDATE")
	for _, i := range s.Open {
		eta, next := "-", "-"
		if i.ETA != nil {
			eta = tf.format(*i.ETA)
		}
		if i.NextPublicUpdate != nil {
			next = tf.format(*i.NextPublicUpdate)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i.ID, i.Severity, i.Stage, i.Status, eta, or(i.Commander, "-"),
			or(i.Liaison, "-"), next, clip(or(i.Latest, "-"), 50))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nresolved in the past %d days: %d\n", days, len(s.Resolved))
	for _, i := range s.Resolved {
		fmt.Fprintf(w, "  %s [%s] %s (resolved %s)\n", i.ID, i.Severity, i.Title, tf.format(*i.ResolvedAt))
	}
}
