package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newIncidentCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "incident", Aliases: []string{"incidents", "inc"}, Short: "Declare, list and work incidents"}
	cmd.AddCommand(newDeclareCommand(g), newListCommand(g), newShowCommand(g), newLogCommand(g),
		newExportCommand(g), newVerifyCommand(g))
	for _, c := range actionCommands(g) {
		cmd.AddCommand(c)
	}
	cmd.AddCommand(checklistCommands(g)...) // checklist_cmd.go
	cmd.AddCommand(commsCommands(g)...)     // comms_cmd.go
	cmd.AddCommand(securityCommands(g)...)  // evidence_cmd.go
	return cmd
}

func newDeclareCommand(g *globals) *cobra.Command {
	var in fireline.DeclareInput
	var severity, source string
	var restricted bool
	cmd := &cobra.Command{
		Use:   "declare",
		Short: "Declare an incident",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			in.Severity, in.Source = fireline.Severity(strings.ToUpper(severity)), fireline.Source(source)
			if cmd.Flags().Changed("restricted") {
				in.Restricted = &restricted
			}
			inc, err := c.DeclareIncident(cmd.Context(), in)
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) { printIncident(w, g.times(cmd.Context(), c), inc) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Title, "title", "", "short title (required)")
	f.StringVar(&severity, "severity", "", "P1, P2, P3 or P4 (required)")
	f.StringVar(&source, "source", "on_call", "monitoring, user_report, support_ticket, on_call or security")
	f.StringSliceVar(&in.Services, "service", nil, "affected service id (repeatable)")
	f.StringVar(&in.Description, "description", "", "what is happening")
	f.BoolVar(&restricted, "restricted", false, "visible only to members and admins (default: true for security incidents)")
	return cmd
}

func newListCommand(g *globals) *cobra.Command {
	var f fireline.IncidentFilter
	var statuses, severities []string
	var open, closed bool
	var since, until string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			for _, s := range statuses {
				f.Status = append(f.Status, fireline.Status(s))
			}
			for _, s := range severities {
				f.Severity = append(f.Severity, fireline.Severity(strings.ToUpper(s)))
			}
			if open || closed {
				f.Open = &open
			}
			if f.Since, err = parseTimeFlag("since", since); err != nil {
				return err
			}
			if f.Until, err = parseTimeFlag("until", until); err != nil {
				return err
			}
			page, err := c.FindIncidents(cmd.Context(), f)
			if err != nil {
				return err
			}
			return g.print(page, func(w io.Writer) { printIncidentTable(w, g.times(cmd.Context(), c), page) })
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&statuses, "status", nil, "triggered, acknowledged, resolved, closed (repeatable)")
	fl.StringSliceVar(&severities, "severity", nil, "P1..P4 (repeatable)")
	fl.StringVar(&f.Service, "service", "", "affected service id")
	fl.BoolVar(&open, "open", false, "only open incidents")
	fl.BoolVar(&closed, "closed", false, "only resolved or closed incidents")
	fl.StringVarP(&f.Text, "query", "q", "", "text in title or description")
	fl.StringVar(&since, "since", "", "declared at or after (RFC 3339 or a duration ago, e.g. 24h)")
	fl.StringVar(&until, "until", "", "declared before (RFC 3339 or a duration ago)")
	fl.IntVar(&f.Limit, "limit", 0, "page size (default 50, at most 500)")
	fl.StringVar(&f.Cursor, "cursor", "", "continue from a previous page's next_cursor")
	cmd.MarkFlagsMutuallyExclusive("open", "closed")
	return cmd
}

// parseTimeFlag accepts RFC 3339 or a duration before now ("24h", "7d").
func parseTimeFlag(name, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	d, err := fireline.ParseDeadline(v)
	if err != nil || d.Kind != fireline.DeadlineAfter {
		return nil, fmt.Errorf("--%s: %q is neither an RFC 3339 time nor a duration such as 24h or 7d", name, v)
	}
	t := time.Now().Add(-d.After)
	return &t, nil
}

func newShowCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show INC-ID",
		Short: "Show one incident with its clocks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			inc, err := c.FindIncident(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) { printIncident(w, g.times(cmd.Context(), c), inc) })
		},
	}
}

func newLogCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "log INC-ID",
		Aliases: []string{"timeline"},
		Short:   "Show an incident's timeline: every event, who and when",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			events, err := c.Timeline(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(map[string]any{"events": events}, func(w io.Writer) { printTimeline(w, g.times(cmd.Context(), c), events) })
		},
	}
}

func newExportCommand(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "export INC-ID",
		Short: "Write an incident and its hash-chained timeline as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			x, err := c.Export(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			b, err := json.MarshalIndent(x, "", "  ")
			if err != nil {
				return err
			}
			b = append(b, '\n')
			if file == "" {
				_, err = g.env.Stdout.Write(b)
				return err
			}
			if err := os.WriteFile(file, b, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stderr, "wrote %s (%d events); check it later with: fireline incident verify %s\n", file, len(x.Events), file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "write to this file instead of standard output")
	return cmd
}

func newVerifyCommand(g *globals) *cobra.Command {
	var stored bool
	var evidence string
	cmd := &cobra.Command{
		Use:   "verify FILE [--evidence DIR] | --stored INC-ID",
		Short: "Check an exported incident for edits (works offline), and with --evidence its preserved files; or with --stored the timeline as stored on the server",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if stored {
				return verifyStored(cmd.Context(), g, args[0])
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var x fireline.Export
			if err := json.Unmarshal(b, &x); err != nil {
				return fmt.Errorf("%s: not an incident export: %v", args[0], err)
			}
			if err := fireline.VerifyExport(&x); err != nil {
				return fmt.Errorf("%s: TAMPERED: %v", args[0], err)
			}
			fmt.Fprintf(g.env.Stdout, "%s: ok: %s, %d events, chain intact, head %s\n", args[0], x.Incident.ID, len(x.Events), x.Incident.HeadHash)
			if evidence != "" {
				return verifyEvidence(g, &x, evidence)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&stored, "stored", false, "check the incident's timeline in place on the server (GET /api/v1/incidents/{id}/verify)")
	cmd.Flags().StringVar(&evidence, "evidence", "", "also check the incident's preserved files in this directory (under their names, or their SHA-256) against the hashes on its timeline")
	return cmd
}

// verifyStored asks the server to check an incident's stored timeline;
// a broken one exits 1.
func verifyStored(ctx context.Context, g *globals, id string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	v, err := c.VerifyIncident(ctx, id)
	if err != nil {
		return err
	}
	if !v.OK && g.output != "json" {
		return fmt.Errorf("%s: TAMPERED: %s", v.Incident, v.Problem)
	}
	err = g.print(v, func(w io.Writer) {
		fmt.Fprintf(w, "%s: ok: stored timeline, %d events, chain intact, head %s\n", v.Incident, v.Events, v.HeadHash)
	})
	if err == nil && !v.OK {
		return exitError{code: 1}
	}
	return err
}

func printIncidentTable(w io.Writer, tf *timeFormat, page *fireline.IncidentPage) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEV\tSTATUS\tSTAGE\tDECLARED\tRESPOND BY\tRESOLVE BY\tTITLE")
	for _, inc := range page.Incidents {
		title := inc.Title
		if inc.Restricted {
			title = "[restricted] " + title
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inc.ID, inc.Severity, inc.Status, inc.Stage,
			tf.format(inc.DeclaredAt), clock(tf, inc.RespondBy, inc.Breaches.Respond), clock(tf, inc.ResolveBy, inc.Breaches.Resolve), title)
	}
	tw.Flush()
	if page.NextCursor != "" {
		fmt.Fprintf(w, "more: --cursor %s\n", page.NextCursor)
	}
}

func printIncident(w io.Writer, tf *timeFormat, inc *fireline.Incident) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("ID", inc.ID)
	row("Title", inc.Title)
	row("Severity", string(inc.Severity))
	row("Status", string(inc.Status))
	row("Stage", string(inc.Stage))
	row("Source", string(inc.Source))
	row("Services", strings.Join(inc.Services, ", "))
	row("Restricted", fmt.Sprint(inc.Restricted))
	row("Declared", tf.format(inc.DeclaredAt)+" by "+inc.DeclaredBy)
	row("Respond by", clock(tf, inc.RespondBy, inc.Breaches.Respond))
	if inc.EscalateBy != nil {
		row("Escalate by", clock(tf, *inc.EscalateBy, inc.Breaches.Escalate))
	} else {
		row("Escalate by", "regular channels")
	}
	row("Resolve by", clock(tf, inc.ResolveBy, inc.Breaches.Resolve))
	for _, r := range inc.Roles {
		row("Role "+string(r.Role), r.Person)
	}
	for _, kv := range [][2]string{{"Description", inc.Description}, {"Impact", inc.Impact}, {"Scope", inc.Scope}} {
		if kv[1] != "" {
			row(kv[0], kv[1])
		}
	}
	if inc.ETA != nil {
		row("ETA", tf.format(*inc.ETA))
	}
	if r := inc.Review; r.Opened() {
		row("Review", string(r.Status)+", owner "+r.Owner+", due "+tf.optional(r.Due)+" (fireline review show "+inc.ID+")")
	}
	for _, it := range inc.ActionItems {
		row("Action item", it.ID+" "+string(it.Status)+", "+it.Owner+", due "+tf.format(it.Deadline)+": "+it.Title)
	}
	for _, r := range inc.Repeats {
		row("Repeat", r.Earlier+" had action item "+r.Item+" open ("+r.Title+", "+r.Service+")")
	}
	row("Policy", inc.PolicyVersion)
	tw.Flush()
}

func printTimeline(w io.Writer, tf *timeFormat, events []*fireline.Event) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tWHEN\tWHO\tWHAT\tDETAILS")
	for _, e := range events {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", e.Seq, tf.format(e.At), e.Actor, e.Type, eventDetails(e))
	}
	tw.Flush()
}

// eventDetails renders the event's data as key=value pairs on one line.
func eventDetails(e *fireline.Event) string {
	if e.Type == fireline.EventPlaybookAttached { // its steps are in the export; one line names it
		var d fireline.PlaybookAttachedData
		if json.Unmarshal(e.Data, &d) == nil {
			s := fmt.Sprintf("playbook=%s steps=%d digest=%s", d.Playbook.ID, len(d.Playbook.Steps), d.Playbook.Digest)
			if d.Matched != "" {
				s += " matched=" + d.Matched
			}
			return s
		}
	}
	var m map[string]any
	if json.Unmarshal(e.Data, &m) != nil || len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		v, _ := json.Marshal(m[k])
		fmt.Fprintf(&b, "%s=%s", k, strings.Trim(string(v), `"`))
	}
	return b.String()
}

// clock prints one of an incident's clocks, marked when it is breached.
func clock(tf *timeFormat, t time.Time, breached bool) string {
	if breached {
		return tf.format(t) + " BREACHED"
	}
	return tf.format(t)
}
