package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newOnCallCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "oncall", Short: "Who is on call; overrides; readiness"}
	cmd.AddCommand(newOnCallNowCommand(g), newOverrideCommand(g), newOverridesCommand(g), newOnCallCheckCommand(g))
	cmd.AddCommand(newOnCallFeedCommand(g), newOnCallSwapCommand(g)) // oncall_feed_cmd.go
	return cmd
}

func newNotifyCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "notify", Short: "Test notifications"}
	var person string
	test := &cobra.Command{
		Use:   "test",
		Short: "Send a test page to a person on each of their contact methods now and show each outcome; exit 1 if any failed (admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			results, err := c.TestPage(cmd.Context(), person)
			if err != nil {
				return err
			}
			err = g.print(results, func(w io.Writer) { printTestResults(w, person, results) })
			if err == nil && failed(results) > 0 {
				return exitError{code: 1}
			}
			return err
		},
	}
	test.Flags().StringVar(&person, "person", "", "the person in the directory (required)")
	cmd.AddCommand(test)
	return cmd
}

// printTestResults writes one row per contact method, with the error and
// the fix under a failed one.
func printTestResults(w io.Writer, person string, results []fireline.TestResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tTYPE\tADDRESS\tRESULT")
	for _, r := range results {
		if r.Delivered {
			fmt.Fprintf(tw, "%d\t%s\t%s\tdelivered (%s)\n", r.Method, r.Type, r.Address, r.MessageID)
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\tFAILED: %s\n", r.Method, r.Type, r.Address, r.Error)
		if r.Fix != "" {
			fmt.Fprintf(tw, "\t\t\tfix: %s\n", r.Fix)
		}
	}
	tw.Flush()
	if n := failed(results); n > 0 {
		fmt.Fprintf(w, "Test page to %s: %d of %d contact methods failed.\n", person, n, len(results))
	} else {
		fmt.Fprintf(w, "Test page to %s: delivered on every contact method.\n", person)
	}
}

func failed(results []fireline.TestResult) int {
	n := 0
	for _, r := range results {
		if !r.Delivered {
			n++
		}
	}
	return n
}

// parseInstantFlag reads an RFC 3339 time or a duration from now ("2h").
func parseInstantFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := fireline.ParseDeadline(v)
	if err != nil || d.Kind != fireline.DeadlineAfter {
		return time.Time{}, &fireline.Error{Code: fireline.EInvalid, Message: "--" + name + " must be an RFC 3339 time or a duration from now such as 2h"}
	}
	return time.Now().Add(d.After), nil
}

func newOnCallNowCommand(g *globals) *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use:   "now",
		Short: "Who is primary and secondary on every schedule (now, or --at)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			t, err := parseInstantFlag("at", at)
			if err != nil {
				return err
			}
			list, err := c.WhoIsOnCall(cmd.Context(), t)
			if err != nil {
				return err
			}
			return g.print(list, func(w io.Writer) {
				if len(list) > 0 {
					fmt.Fprintf(w, "On call at %s\n", g.times(cmd.Context(), c).format(list[0].At))
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SCHEDULE\tPRIMARY\tSECONDARY")
				for _, o := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", o.Schedule, orDash(o.Primary), orDash(o.Secondary))
				}
				tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "an RFC 3339 instant or a duration from now (default now)")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newOverrideCommand(g *globals) *cobra.Command {
	var in fireline.OverrideInput
	var role, from, to string
	cmd := &cobra.Command{
		Use:   "override",
		Short: "Put someone on call for a while (a swap is two overrides; a cover is one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			in.Role = fireline.OnCallRole(role)
			if in.From, err = parseInstantFlag("from", from); err != nil {
				return err
			}
			if in.To, err = parseInstantFlag("to", to); err != nil {
				return err
			}
			o, err := c.CreateOverride(cmd.Context(), in)
			if err != nil {
				return err
			}
			return g.print(o, func(w io.Writer) { printOverride(w, g.times(cmd.Context(), c), o) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Schedule, "schedule", "", "schedule id (required)")
	f.StringVar(&in.Person, "user", "", "the person who covers (required)")
	f.StringVar(&role, "role", "primary", "primary or secondary")
	f.StringVar(&from, "from", "", "start: RFC 3339 or a duration from now (required)")
	f.StringVar(&to, "to", "", "end: RFC 3339 or a duration from now (required)")
	return cmd
}

func newOverridesCommand(g *globals) *cobra.Command {
	var del string
	cmd := &cobra.Command{
		Use:   "overrides",
		Short: "List the overrides of the coming week, or --delete one",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if del != "" {
				return c.DeleteOverride(cmd.Context(), del)
			}
			now := time.Now()
			list, err := c.ListOverrides(cmd.Context(), now, now.Add(7*24*time.Hour))
			if err != nil {
				return err
			}
			return g.print(list, func(w io.Writer) {
				tf := g.times(cmd.Context(), c)
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSCHEDULE\tROLE\tPERSON\tFROM\tTO")
				for _, o := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Schedule, o.Role, o.Person, tf.format(o.From), tf.format(o.To))
				}
				tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&del, "delete", "", "remove the override with this id")
	return cmd
}

// printOverride says who covers whom, and when.
func printOverride(w io.Writer, tf *timeFormat, o *fireline.Override) {
	fmt.Fprintf(w, "Override %s: %s is %s on %s from %s to %s\n", o.ID, o.Person, o.Role, o.Schedule, tf.format(o.From), tf.format(o.To))
}

func newOnCallCheckCommand(g *globals) *cobra.Command {
	var days int
	cmd := &cobra.Command{
		Use:   "check",
		Short: "List contact methods this server cannot deliver by (and the setting that fixes each), gaps, people on call without a working contact method, and chain steps that resolve to no one; exit 2 if any",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			problems, err := c.Readiness(cmd.Context(), time.Time{}, time.Duration(days)*24*time.Hour)
			if err != nil {
				return err
			}
			err = g.print(problems, func(w io.Writer) {
				if len(problems) == 0 {
					fmt.Fprintf(w, "Ready: every contact method can be delivered, no gaps, everyone on call is reachable, every chain step reaches someone (next %d days).\n", days)
				}
				for _, p := range problems {
					fmt.Fprintf(w, "%s: %s\n", p.Kind, p.Message)
				}
			})
			if err == nil && len(problems) > 0 {
				return exitError{code: 2}
			}
			return err
		},
	}
	cmd.Flags().IntVar(&days, "days", 7, "how many days ahead to check")
	return cmd
}
