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

// newPlaybookListCommand lists the playbooks the server runs.
func newPlaybookListCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the playbooks the server runs, with what attaches each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			pbs, err := c.Playbooks(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(pbs, func(w io.Writer) {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTITLE\tOWNER\tREVIEWED\tSTEPS\tAPPLIES TO")
				for _, pb := range pbs {
					var rules []string
					for _, m := range pb.AppliesTo {
						rules = append(rules, m.String())
					}
					if len(rules) == 0 {
						rules = []string{"by hand"}
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", pb.ID, pb.Title, pb.Owner, pb.LastReviewed, len(pb.Steps), strings.Join(rules, " | "))
				}
				tw.Flush()
			})
		},
	}
}

// checklistCommands are the incident subcommands of the checklist.
func checklistCommands(g *globals) []*cobra.Command {
	playbook := &cobra.Command{Use: "playbook", Short: "Attach or detach a playbook by hand"}
	playbook.AddCommand(
		actionCommand(g, "attach INC-ID PLAYBOOK", "Attach a playbook (fireline playbook list names them)", 1, nil,
			func(a *fireline.Action, args []string) error {
				a.Kind, a.Playbook = fireline.ActAttachPlaybook, args[0]
				return nil
			}),
		actionCommand(g, "detach INC-ID PLAYBOOK", "Detach a playbook that does not apply", 1,
			func(c *cobra.Command, a *fireline.Action) {
				c.Flags().StringVar(&a.Reason, "reason", "", "why it does not apply")
			},
			func(a *fireline.Action, args []string) error {
				a.Kind, a.Playbook = fireline.ActDetachPlaybook, args[0]
				return nil
			}))
	step := func(use, short string, kind fireline.ActionKind) *cobra.Command {
		return checklistAction(g, use, short, kind)
	}
	return []*cobra.Command{playbook, newChecklistCommand(g),
		actionCommand(g, "add-step INC-ID PLAYBOOK TEXT", "Add a step the playbook lacks to the incident's checklist (the playbook's page lists it)", 2,
			func(c *cobra.Command, a *fireline.Action) {
				c.Flags().StringVar((*string)(&a.Stage), "stage", "", "the stage it belongs to (default: the incident's current stage)")
			},
			func(a *fireline.Action, args []string) error {
				a.Kind, a.Playbook, a.Text = fireline.ActAddStep, args[0], args[1]
				return nil
			}),
		step("check INC-ID STEP", "Check a step (STEP as the checklist names it: PLAYBOOK/N); who and when go on the timeline", fireline.ActCheckStep),
		step("uncheck INC-ID STEP", "Uncheck a step", fireline.ActUncheckStep)}
}

// checklistAction checks or unchecks a step, then prints the checklist.
func checklistAction(g *globals, use, short string, kind fireline.ActionKind) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if _, err := c.Act(cmd.Context(), args[0], fireline.Action{Kind: kind, StepKey: args[1], Text: note}); err != nil {
				return err
			}
			return showChecklist(cmd, g, c, args[0])
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "a note recorded with it")
	return cmd
}

func newChecklistCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "checklist INC-ID",
		Short: "Print an incident's checklist: its playbooks' steps by stage, who checked each and when",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			return showChecklist(cmd, g, c, args[0])
		},
	}
}

func showChecklist(cmd *cobra.Command, g *globals, c *web.Client, id string) error {
	cl, err := c.Checklist(cmd.Context(), id)
	if err != nil {
		return err
	}
	return g.print(cl, func(w io.Writer) { printChecklist(w, g.times(cmd.Context(), c), cl) })
}

// printChecklist prints the stages in workflow order, each with its
// progress, then its steps: [x] done (by whom, when), * required.
func printChecklist(w io.Writer, tf *timeFormat, cl *web.ChecklistView) {
	var pbs []string
	for _, pb := range cl.Playbooks {
		s := pb.ID
		if pb.Required {
			s += " (required)"
		}
		pbs = append(pbs, s)
	}
	fmt.Fprintf(w, "%s [%s] stage %s; playbooks: %s\n", cl.Incident, cl.Severity, cl.Stage, strings.Join(pbs, ", "))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, st := range cl.Stages {
		cur := ""
		if st.Current {
			cur = "  <- current stage"
		}
		fmt.Fprintf(tw, "\n%s %d/%d%s\n", strings.ReplaceAll(string(st.Stage), "_", " "), st.Done, st.Total, cur)
		for _, s := range st.Steps {
			box, req := "[ ]", " "
			if s.Checked {
				box = "[x]"
			}
			if s.Required {
				req = "*"
			}
			var more []string
			if s.Checked {
				done := s.CheckedBy
				if s.CheckedAt != nil {
					done += " " + tf.format(*s.CheckedAt)
				}
				if s.Auto != "" {
					done += " (auto)"
				}
				more = append(more, done)
			}
			if s.Note != "" {
				more = append(more, strconv.Quote(s.Note))
			}
			if s.Link != "" {
				more = append(more, s.Link)
			}
			if s.Command != "" {
				more = append(more, "$ "+s.Command)
			}
			fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\n", req, box, s.Key, s.Text, strings.Join(more, "  "))
		}
	}
	tw.Flush()
	if n := len(cl.OpenRequired); n > 0 {
		fmt.Fprintf(w, "\n* required before resolution: %d open (%s)\n", n, strings.Join(cl.OpenRequired, ", "))
	}
}
