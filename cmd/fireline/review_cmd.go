package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// newReviewCommand is `fireline review`: the post-incident review.
func newReviewCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "review", Short: "Post-incident reviews: the document, the meeting, approval"}
	cmd.AddCommand(newReviewShowCommand(g), newReviewScheduleCommand(g), newReviewEditCommand(g), newReviewExportCommand(g),
		actionCommand(g, "request INC-ID", "Ask for a review of an incident whose severity gets one on request (the incident commander)", 0,
			func(c *cobra.Command, a *fireline.Action) { c.Flags().StringVar(&a.Reason, "reason", "", "why") },
			func(a *fireline.Action, _ []string) error { a.Kind = fireline.ActRequestReview; return nil }),
		actionCommand(g, "owner INC-ID PERSON", "Give the review to another owner", 1, nil,
			func(a *fireline.Action, args []string) error {
				a.Kind, a.Review = fireline.ActReviewOwner, &fireline.ReviewInput{Owner: args[0]}
				return nil
			}),
		newReviewStarCommand(g), newReviewApproveCommand(g), newReviewUnscheduleCommand(g), newReviewPublishCommand(g)) // review_publish_cmd.go
	return cmd
}

func newReviewShowCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show INC-ID",
		Short: "Show the review: status, owner, due date, meeting, response times, key events, action items, blameless hints",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			r, err := c.Review(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(r, func(w io.Writer) { printReview(w, g.times(cmd.Context(), c), r) })
		},
	}
}

func printReview(w io.Writer, tf *timeFormat, r *web.ReviewView) {
	rv := r.Review
	status := string(rv.Status)
	if status == "" {
		status = "not opened"
	}
	fmt.Fprintf(w, "%s [%s] %s: review %s, version %d\n", r.Incident, r.Severity, r.Title, status, rv.Version)
	if rv.Owner != "" {
		fmt.Fprintf(w, "owner %s, due %s\n", rv.Owner, tf.optional(rv.Due))
	}
	if m := rv.Meeting; m != nil {
		fmt.Fprintf(w, "meeting %s to %s (invitation sequence %d) with %s\n", tf.format(m.Start), tf.format(m.End), m.Sequence, strings.Join(rv.Participants, ", "))
	} else {
		fmt.Fprintf(w, "meeting not scheduled; would invite %s\n", strings.Join(r.Participants, ", "))
	}
	if rv.Status == fireline.ReviewApproved {
		fmt.Fprintf(w, "approved by %s at %s, digest %s\n", rv.ApprovedBy, tf.optional(rv.ApprovedAt), rv.Digest)
	}
	printReviewMore(w, tf, r) // review_publish_cmd.go
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tFROM\tTO\tTOOK\tTARGET\tMET")
	for _, t := range r.Times {
		took, met := "-", "-"
		if t.From != nil && t.To != nil {
			took = fireline.FormatDuration(t.Took.Round(time.Second))
		}
		if t.Note != "" {
			took += " (" + t.Note + ")"
		}
		if t.Met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*t.Met]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, tf.optional(t.From), tf.optional(t.To), took, orHyphen(t.Target), met)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nkey events:")
	for _, e := range r.Timeline {
		star := " "
		if e.Starred {
			star = "*"
		}
		fmt.Fprintf(w, " %s%3d  %s  %s (%s)\n", star, e.Seq, tf.format(e.At), e.Text, e.Actor)
	}
	if len(r.ActionItems) > 0 {
		fmt.Fprintln(w, "\naction items:")
		printItems(w, tf, r.ActionItems, time.Time{})
	}
	for _, h := range r.Hints {
		fmt.Fprintf(w, "\nblameless: %s: %q: %s\n", h.Field, h.Sentence, h.Advice)
	}
}

func orHyphen(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newReviewScheduleCommand(g *globals) *cobra.Command {
	var at, end string
	var people, drop []string
	cmd := &cobra.Command{
		Use:   "schedule INC-ID --at TIME",
		Short: "Schedule (or reschedule) the review meeting: an iCalendar invitation by email to the participants, reminders before it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			start, err := parseInstantFlag("at", at)
			if err != nil {
				return err
			}
			in := &fireline.ReviewInput{Start: &start, Participants: people, Drop: drop}
			if end != "" {
				t, err := parseInstantFlag("end", end)
				if err != nil {
					return err
				}
				in.End = &t
			}
			return actAndPrintReview(cmd, g, args[0], fireline.Action{Kind: fireline.ActScheduleReview, Review: in})
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "when the meeting starts (RFC 3339, such as 2026-12-08T15:00:00-05:00)")
	cmd.Flags().StringVar(&end, "end", "", "when it ends (default: the policy's meeting length later)")
	cmd.Flags().StringSliceVar(&people, "participant", nil, "a person to invite beyond the owner, the role holders and everyone who acted (repeatable)")
	cmd.Flags().StringSliceVar(&drop, "drop", nil, "a person to leave out, invited by default or before: sent an iCalendar CANCEL if invited (repeatable)")
	cmd.MarkFlagRequired("at")
	return cmd
}

// actAndPrintReview acts, then shows the review.
func actAndPrintReview(cmd *cobra.Command, g *globals, id string, a fireline.Action) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	if _, err := c.Act(cmd.Context(), id, a); err != nil {
		return err
	}
	r, err := c.Review(cmd.Context(), id)
	if err != nil {
		return err
	}
	return g.print(r, func(w io.Writer) { printReview(w, g.times(cmd.Context(), c), r) })
}

func newReviewEditCommand(g *globals) *cobra.Command {
	var summary, impact, technical, process, wentWell, improve, public string
	var whys []string
	cmd := &cobra.Command{
		Use:   "edit INC-ID",
		Short: "Edit the review document (each edit is a version on the timeline); flags left out keep their text",
		Long: "Edit the review document. --why takes \"WHY | BECAUSE | EVIDENCE, EVIDENCE\" and replaces the 5 Whys chain " +
			"with the ones given, in order. The edit is made on the version read just before; one made meanwhile by someone else is refused.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			r, err := c.Review(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			doc := r.Review.Doc
			set := func(name string, dst *string, v string) {
				if cmd.Flags().Changed(name) {
					*dst = v
				}
			}
			set("summary", &doc.Summary, summary)
			set("impact", &doc.Impact, impact)
			set("technical", &doc.TechnicalFailures, technical)
			set("process", &doc.ProcessFailures, process)
			set("went-well", &doc.WentWell, wentWell)
			set("improve", &doc.Improve, improve)
			set("public-summary", &doc.PublicSummary, public)
			if cmd.Flags().Changed("why") {
				doc.Whys = nil
				for _, s := range whys {
					parts := strings.SplitN(s, "|", 3)
					w := fireline.Why{Why: strings.TrimSpace(parts[0])}
					if len(parts) > 1 {
						w.Because = strings.TrimSpace(parts[1])
					}
					if len(parts) > 2 {
						for _, e := range strings.Split(parts[2], ",") {
							w.Evidence = append(w.Evidence, strings.TrimSpace(e))
						}
					}
					doc.Whys = append(doc.Whys, w)
				}
			}
			return actAndPrintReview(cmd, g, args[0], fireline.Action{Kind: fireline.ActEditReview,
				Review: &fireline.ReviewInput{Doc: &doc, BaseVersion: r.Review.Version}})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&summary, "summary", "", "the summary")
	fl.StringVar(&impact, "impact", "", "impact and scope")
	fl.StringVar(&technical, "technical", "", "technical failures")
	fl.StringVar(&process, "process", "", "process failures")
	fl.StringVar(&wentWell, "went-well", "", "what went well")
	fl.StringVar(&improve, "improve", "", "what to improve")
	fl.StringVar(&public, "public-summary", "", "what a public postmortem says (default: the summary and impact); names nobody")
	fl.StringArrayVar(&whys, "why", nil, `a link of the 5 Whys: "WHY | BECAUSE | EVIDENCE, EVIDENCE" (repeatable, in order)`)
	return cmd
}

func newReviewStarCommand(g *globals) *cobra.Command {
	var unstar bool
	cmd := &cobra.Command{
		Use:   "star INC-ID SEQ",
		Short: "Star a timeline event (its number in incident log) as a key event of the review; --unstar takes it back",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			seq, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil {
				return &fireline.Error{Code: fireline.EInvalid, Message: "SEQ must be an event's number"}
			}
			return actAndPrintReview(cmd, g, args[0], fireline.Action{Kind: fireline.ActStarEvent, Review: &fireline.ReviewInput{Seq: seq, Unstar: unstar}})
		},
	}
	cmd.Flags().BoolVar(&unstar, "unstar", false, "unstar it")
	return cmd
}

func newReviewApproveCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "approve INC-ID",
		Short: "Approve the review as it reads now: frozen onto the timeline with its digest (the owner, the incident commander or an admin)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			r, err := c.Review(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return actAndPrintReview(cmd, g, args[0], fireline.Action{Kind: fireline.ActApproveReview, Review: &fireline.ReviewInput{BaseVersion: r.Review.Version}})
		},
	}
}

func newReviewExportCommand(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "export INC-ID",
		Short: "Write the review as Markdown (the console's /incidents/INC-ID/review/print is the print-ready HTML)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			r, err := c.Review(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if file == "" {
				_, err = io.WriteString(g.env.Stdout, r.Markdown)
				return err
			}
			return os.WriteFile(file, []byte(r.Markdown), 0o644)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "write to this file (default: standard output)")
	return cmd
}

// newActionItemCommand is `fireline action`: action items.
func newActionItemCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "action", Short: "Action items: add, update, close, and the board of open items"}
	cmd.AddCommand(newActionAddCommand(g), newActionListCommand(g),
		newActionUpdateCommand(g, "update A-ID", "Change an action item's title, owner, deadline, kind or link", ""),
		newActionUpdateCommand(g, "done A-ID", "Close an action item as done (--note says how)", fireline.ItemDone),
		newActionUpdateCommand(g, "reopen A-ID", "Reopen a closed action item", fireline.ItemOpen),
		newActionPushCommand(g))
	return cmd
}

// itemFlags are the flags of an action item's fields.
type itemFlags struct {
	title, owner, deadline, kind, link, note, playbook string
}

func (f *itemFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.title, "title", "", "what is to be done")
	fl.StringVar(&f.owner, "owner", "", "who owns it (a person of the directory)")
	fl.StringVar(&f.deadline, "deadline", "", "when it is due (RFC 3339, or a duration from now such as 14d)")
	fl.StringVar(&f.kind, "kind", "", "fix, monitoring, runbook or process")
	fl.StringVar(&f.link, "link", "", "where it is tracked (an issue's URL)")
	fl.StringVar(&f.note, "note", "", "a note (closing it, how)")
}

// registerPlaybook adds --playbook, which only adding takes.
func (f *itemFlags) registerPlaybook(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.playbook, "playbook", "", "a runbook item's playbook (fireline playbook list): the item closes when the playbook changes")
}

func (f *itemFlags) input(cmd *cobra.Command) (*fireline.ActionItemInput, error) {
	in := &fireline.ActionItemInput{Note: f.note}
	str := func(name, v string) *string {
		if cmd.Flags().Changed(name) {
			return &v
		}
		return nil
	}
	in.Title, in.Owner, in.Link = str("title", f.title), str("owner", f.owner), str("link", f.link)
	in.Playbook = str("playbook", f.playbook)
	if k := str("kind", f.kind); k != nil {
		kind := fireline.ActionItemKind(*k)
		in.Kind = &kind
	}
	if cmd.Flags().Changed("deadline") {
		t, err := parseInstantFlag("deadline", f.deadline)
		if err != nil {
			return nil, err
		}
		in.Deadline = &t
	}
	return in, nil
}

func newActionAddCommand(g *globals) *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   "add INC-ID --title TEXT --owner PERSON --deadline TIME --kind KIND",
		Short: "Add an action item to an incident (its owner is reminded before the deadline; overdue, it escalates)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			in, err := f.input(cmd)
			if err != nil {
				return err
			}
			inc, err := c.Act(cmd.Context(), args[0], fireline.Action{Kind: fireline.ActAddActionItem, Item: in})
			if err != nil {
				return err
			}
			it := inc.ActionItems[len(inc.ActionItems)-1]
			return g.print(it, func(w io.Writer) {
				fmt.Fprintf(w, "%s added to %s: %q, %s, owner %s, due %s\n", it.ID, inc.ID, it.Title, it.Kind, it.Owner, g.times(cmd.Context(), c).format(it.Deadline))
			})
		},
	}
	f.register(cmd)
	f.registerPlaybook(cmd)
	for _, name := range []string{"title", "owner", "deadline", "kind"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

func newActionUpdateCommand(g *globals, use, short string, status fireline.ActionItemStatus) *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
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
			in, err := f.input(cmd)
			if err != nil {
				return err
			}
			in.Number, in.Status = n, status
			// The item's incident: the board finds it (visibility applies).
			list, err := c.ActionItems(cmd.Context(), fireline.ActionItemFilter{})
			if err != nil {
				return err
			}
			i := slices.IndexFunc(list.Items, func(it fireline.ActionItem) bool { return it.Number == n })
			if i < 0 {
				return fireline.Errorf(fireline.ENotFound, "action item %q not found", args[0])
			}
			inc, err := c.Act(cmd.Context(), list.Items[i].Incident, fireline.Action{Kind: fireline.ActUpdateActionItem, Item: in})
			if err != nil {
				return err
			}
			it := inc.ActionItem(n)
			return g.print(it, func(w io.Writer) {
				fmt.Fprintf(w, "%s of %s: %q, %s, owner %s, due %s, %s\n", it.ID, inc.ID, it.Title, it.Kind, it.Owner, g.times(cmd.Context(), c).format(it.Deadline), it.Status)
			})
		},
	}
	if status != fireline.ItemDone {
		f.register(cmd)
	} else {
		cmd.Flags().StringVar(&f.note, "note", "", "how it was done")
	}
	return cmd
}

func newActionListCommand(g *globals) *cobra.Command {
	var f fireline.ActionItemFilter
	var all bool
	var by string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "The board of open action items by owner and age (--overdue: past their deadline only; --all: done ones too; --by team: counts by team)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkGrouping(by); err != nil { // action_board.go
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			if !all && !f.Overdue {
				f.Status = fireline.ItemOpen
			}
			list, err := c.ActionItems(cmd.Context(), f)
			if err != nil {
				return err
			}
			items := slices.Clone(list.Items)
			slices.SortStableFunc(items, func(a, b fireline.ActionItem) int {
				if c := strings.Compare(a.Owner, b.Owner); c != 0 {
					return c
				}
				return a.CreatedAt.Compare(b.CreatedAt)
			})
			if by != "" {
				return g.print(list, func(w io.Writer) { printBoard(w, list, by) })
			}
			return g.print(list, func(w io.Writer) { printItems(w, g.times(cmd.Context(), c), items, list.At) })
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.Overdue, "overdue", false, "only open items past their deadline")
	fl.BoolVar(&all, "all", false, "done items too")
	fl.StringVar(&f.Owner, "owner", "", "only this person's items")
	fl.StringVar(&f.Incident, "incident", "", "only this incident's items")
	fl.StringVar(&f.Service, "service", "", "only items on this service")
	fl.StringVar(&f.Team, "team", "", "only items whose owner is in this team of the directory")
	fl.StringVar(&by, "by", "", "print counts (open, overdue, done) by team, owner or age instead of the items")
	return cmd
}

// printItems prints action items one a line; with now, their age and
// how overdue they are.
func printItems(w io.Writer, tf *timeFormat, items []fireline.ActionItem, now time.Time) {
	if len(items) == 0 {
		fmt.Fprintln(w, "no action items")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	tracked := slices.ContainsFunc(items, func(it fireline.ActionItem) bool { return it.Tracked != nil })
	fmt.Fprint(tw, "OWNER\tID\tINCIDENT\tKIND\tDEADLINE\tAGE\tSTATUS\tTITLE")
	if tracked {
		fmt.Fprint(tw, "\tISSUE")
	}
	fmt.Fprintln(tw)
	for _, it := range items {
		age, status := "-", string(it.Status)
		if !now.IsZero() {
			age = fireline.FormatDuration(now.Sub(it.CreatedAt).Truncate(time.Hour))
			if it.Overdue(now) {
				status = "overdue " + fireline.FormatDuration(now.Sub(it.Deadline).Truncate(time.Hour))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", it.Owner, it.ID, it.Incident, it.Kind, tf.format(it.Deadline), age, status, it.Title)
		if tracked {
			fmt.Fprint(tw, "\t"+issueColumn(it.Tracked))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}
