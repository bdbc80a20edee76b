package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
)

// newPolicyDiffCommand is `fireline policy diff OLD NEW`: what changed
// between two policy files in the guide's terms (fireline.DiffPolicies).
func newPolicyDiffCommand(env Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show what changed between two policy files: severity targets, escalation chains, people, services, schedules, the review",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := loadPolicyFile(env, args[0])
			if err != nil {
				return err
			}
			new, err := loadPolicyFile(env, args[1])
			if err != nil {
				return err
			}
			changes := fireline.DiffPolicies(old, new)
			if asJSON {
				if changes == nil {
					changes = []fireline.PolicyChange{}
				}
				return json.NewEncoder(env.Stdout).Encode(changes)
			}
			fmt.Fprintf(env.Stdout, "policy %s → %s: %d change(s)\n", old.VersionID(), new.VersionID(), len(changes))
			for _, c := range changes {
				fmt.Fprintln(env.Stdout, c.String())
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the changes as JSON")
	return cmd
}

// loadPolicyFile reads and validates a policy file; its problems are
// printed as policy check prints them, and the command fails.
func loadPolicyFile(env Env, path string) (*fireline.Policy, error) {
	p, _, err := policy.CheckFile(path, env.Now())
	var problems policy.Problems
	if errors.As(err, &problems) {
		for _, pr := range problems {
			fmt.Fprintln(env.Stderr, pr.String())
		}
		fmt.Fprintf(env.Stderr, "%s: %d problem(s)\n", path, len(problems))
		return nil, exitError{code: 1}
	}
	return p, err
}

// newPolicyReviewCommand is `fireline policy review`: the guide's review
// cycle and agenda, or with --note the record that the review happened.
func newPolicyReviewCommand(g *globals) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   "review [--note TEXT]",
		Short: "Show the guide's review cycle and the agenda of the quarter's facts; with --note, record that the review happened (the next due date moves on)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("note") {
				rec, err := c.RecordGuideReview(cmd.Context(), note)
				if err != nil {
					return err
				}
				return g.print(rec, func(w io.Writer) {
					fmt.Fprintf(w, "guide review %d recorded by %s on policy %s; next due %s\n", rec.Number, rec.By, rec.PolicyVersion, rec.NextDue)
				})
			}
			st, err := c.GuideReview(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(st, func(w io.Writer) { printGuideReview(w, st) })
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "what the review found and changed")
	return cmd
}

func printGuideReview(w io.Writer, st *fireline.GuideReviewStatus) {
	overdue := ""
	if st.Overdue {
		overdue = " (overdue)"
	}
	fmt.Fprintf(w, "owner %s, every %d months; last reviewed %s, next due %s%s\n", st.Owner, st.EveryMonths, st.LastReviewed, st.NextDue, overdue)
	if a := st.Agenda; a != nil {
		fmt.Fprintf(w, "\nagenda, since %s:\n", a.From.Format("2006-01-02"))
		for _, s := range a.Severities {
			fmt.Fprintf(w, "  %s: %d incidents; missed respond %d, escalate %d, resolve %d\n", s.Key, s.Incidents, s.SLA[0].Missed, s.SLA[1].Missed, s.SLA[2].Missed)
		}
		fmt.Fprintf(w, "  %d open action items, %d overdue; %d reviews late\n", a.OpenActionItems, a.OverdueItems, a.ReviewsLate)
		if len(a.GoneOwners) > 0 {
			fmt.Fprintf(w, "  open action items owned by people no longer in the directory: %s\n", strings.Join(a.GoneOwners, ", "))
		}
		for _, pb := range a.Playbooks {
			fmt.Fprintf(w, "  playbook %s: %d incidents; steps done %d, skipped %d, open %d, added %d\n", pb.Playbook, pb.Incidents, pb.Done, pb.Skipped, pb.Open, pb.Added)
		}
	}
	for _, r := range st.History {
		fmt.Fprintf(w, "\n%s by %s (policy %s, next due %s): %s", r.At.Format(time.RFC3339), r.By, r.PolicyVersion, r.NextDue, r.Note)
	}
	if len(st.History) > 0 {
		fmt.Fprintln(w)
	}
}
