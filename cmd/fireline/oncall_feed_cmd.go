package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newOnCallFeedCommand(g *globals) *cobra.Command {
	var schedule, person string
	cmd := &cobra.Command{
		Use:   "feed",
		Short: "Print the secret iCalendar URL of a schedule's or a person's shifts, for calendar apps to subscribe to",
		Long: "Prints a URL that serves the shifts (overrides included) from a week ago to 90 days ahead as an\n" +
			"iCalendar (RFC 5545) feed. Anyone with the URL can read the feed: share it like a password. It\n" +
			"never expires: it stays valid until the server's link key (FIRELINE_SECRET_KEY) changes, and\n" +
			"changing it (then restarting every replica) is how feeds are revoked, all at once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (schedule == "") == (person == "") {
				return &fireline.Error{Code: fireline.EInvalid, Message: "give exactly one of --schedule and --person"}
			}
			ref := fireline.FeedRef{Kind: fireline.FeedSchedule, ID: schedule}
			if person != "" {
				ref = fireline.FeedRef{Kind: fireline.FeedPerson, ID: person}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			u, err := c.FeedURL(cmd.Context(), ref)
			if err != nil {
				return err
			}
			return g.print(map[string]string{"kind": string(ref.Kind), "id": ref.ID, "url": u}, func(w io.Writer) { fmt.Fprintln(w, u) })
		},
	}
	cmd.Flags().StringVar(&schedule, "schedule", "", "a schedule id")
	cmd.Flags().StringVar(&person, "person", "", "a person id")
	return cmd
}

// newOnCallSwapCommand makes a swap out of two overrides: --with covers
// --user's stretch [from, to), and --user covers --with's stretch
// [back-from, back-to).
func newOnCallSwapCommand(g *globals) *cobra.Command {
	var schedule, user, with, role, from, to, backFrom, backTo string
	cmd := &cobra.Command{
		Use:   "swap",
		Short: "Swap shifts: two overrides (--with covers --user from --from to --to; --user covers --with from --back-from to --back-to)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var times [4]time.Time
			for i, f := range []struct{ name, v string }{{"from", from}, {"to", to}, {"back-from", backFrom}, {"back-to", backTo}} {
				if f.v == "" {
					return &fireline.Error{Code: fireline.EInvalid, Message: "--" + f.name + " is required"}
				}
				if times[i], err = parseInstantFlag(f.name, f.v); err != nil {
					return err
				}
			}
			r := fireline.OnCallRole(role)
			first, err := c.CreateOverride(cmd.Context(), fireline.OverrideInput{Schedule: schedule, Role: r, Person: with, From: times[0], To: times[1]})
			if err != nil {
				return err
			}
			second, err := c.CreateOverride(cmd.Context(), fireline.OverrideInput{Schedule: schedule, Role: r, Person: user, From: times[2], To: times[3]})
			if err != nil {
				// Half a swap is a cover nobody asked for: take it back.
				return errors.Join(err, c.DeleteOverride(cmd.Context(), first.ID))
			}
			list := []*fireline.Override{first, second}
			return g.print(list, func(w io.Writer) {
				for _, o := range list {
					printOverride(w, g.times(cmd.Context(), c), o)
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&schedule, "schedule", "", "schedule id (required)")
	f.StringVar(&user, "user", "", "the person giving away [from, to) (required)")
	f.StringVar(&with, "with", "", "the person taking it, who gives away [back-from, back-to) (required)")
	f.StringVar(&role, "role", "primary", "primary or secondary")
	f.StringVar(&from, "from", "", "start of --user's stretch: RFC 3339 or a duration from now")
	f.StringVar(&to, "to", "", "end of --user's stretch")
	f.StringVar(&backFrom, "back-from", "", "start of --with's stretch that --user takes")
	f.StringVar(&backTo, "back-to", "", "end of --with's stretch")
	return cmd
}
