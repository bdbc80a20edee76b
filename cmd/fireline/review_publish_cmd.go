package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// `fireline review unschedule` and `fireline review publish`: the
// meeting's cancellation and the public postmortem.

func newReviewUnscheduleCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "unschedule INC-ID",
		Short: "Cancel the review meeting: an iCalendar CANCEL by email to every participant",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return actAndPrintReview(cmd, g, args[0], fireline.Action{Kind: fireline.ActUnscheduleReview})
		},
	}
}

func newReviewPublishCommand(g *globals) *cobra.Command {
	var summary string
	var unpublish bool
	cmd := &cobra.Command{
		Use:   "publish INC-ID",
		Short: "Publish the approved review's postmortem on the public status page (--unpublish takes it down)",
		Long: "Publish the approved review's postmortem on the public status page: a public summary (--summary, else the document's " +
			"public summary, else its summary and impact; it may name nobody) and the titles of the fix and monitoring action items. " +
			"Refused before approval, for restricted incidents and for incidents the public page does not show.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := &fireline.ReviewInput{Unpublish: unpublish}
			if cmd.Flags().Changed("summary") {
				in.PublicSummary = &summary
			}
			return actAndPrintReview(cmd, g, args[0], fireline.Action{Kind: fireline.ActPublishReview, Review: in})
		},
	}
	cmd.Flags().StringVar(&summary, "summary", "", "the public summary (default: the document's public summary, else its summary and impact)")
	cmd.Flags().BoolVar(&unpublish, "unpublish", false, "take the postmortem down")
	return cmd
}

// printReviewMore prints a cancelled meeting, the public postmortem and
// the communication cadence's compliance.
func printReviewMore(w io.Writer, tf *timeFormat, r *web.ReviewView) {
	rv := r.Review
	if c := rv.Cancelled; c != nil && rv.Meeting == nil {
		fmt.Fprintf(w, "meeting of %s cancelled (sequence %d)\n", tf.format(c.Start), c.Sequence)
	}
	if p := rv.Published; p != nil {
		fmt.Fprintf(w, "postmortem published by %s at %s\n", p.By, tf.format(p.At))
	}
	if c := r.Comms; c != nil {
		fmt.Fprintf(w, "public updates: %d deadlines, %d sent, %d on time, %d late, %d missed; longest gap %s\n",
			c.Expected, c.Sent, c.OnTime, c.Late, c.Missed, fireline.FormatDuration(c.LongestGap.Round(time.Minute)))
	}
}
