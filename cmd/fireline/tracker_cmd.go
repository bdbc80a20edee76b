package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

// newActionPushCommand is `fireline action push A-12`: the item is
// pushed to the policy's tracker (GitHub Issues) by a job; `fireline
// action list` shows its issue once created.
func newActionPushCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "push A-ID",
		Short: "Push an action item to the team's tracker (GitHub Issues, as the policy's reviews.action_items.tracker says); its state is synced back",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := fireline.ParseActionItemID(args[0])
			if err != nil {
				return err
			}
			inc, err := c.PushActionItem(cmd.Context(), fireline.ActionItemID(n))
			if err != nil {
				return err
			}
			it := inc.ActionItem(n)
			return g.print(it, func(w io.Writer) {
				fmt.Fprintf(w, "%s of %s: %q is being pushed to GitHub; `fireline action list` shows its issue once created\n", it.ID, inc.ID, it.Title)
			})
		},
	}
}

// issueColumn is the board's ISSUE cell: the tracked issue's number and
// the state last known of it.
func issueColumn(t *fireline.TrackedIssue) string {
	if t == nil {
		return "-"
	}
	return fmt.Sprintf("#%d %s", t.Number, t.State)
}
