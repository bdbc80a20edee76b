package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newAuditCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read, export and verify the audit log of sign-ins and administrative acts (admin)"}
	cmd.AddCommand(newAuditListCommand(g), newAuditExportCommand(g), newAuditVerifyCommand(g))
	return cmd
}

func newAuditListCommand(g *globals) *cobra.Command {
	var f fireline.AuditFilter
	var since, until string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit entries, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if f.Since, err = parseTimeFlag("since", since); err != nil {
				return err
			}
			if f.Until, err = parseTimeFlag("until", until); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			page, err := c.ListAudit(cmd.Context(), f)
			if err != nil {
				return err
			}
			return g.print(page, func(w io.Writer) { printAudit(w, g.times(cmd.Context(), c), page) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Actor, "actor", "", "only entries by this actor (a person's id, automation:NAME, system or anonymous)")
	fl.StringVar(&f.Action, "action", "", "only this act (user.role_changed) or group of acts (login, user, token, integration, policy, maintenance, override, feed)")
	fl.StringVar(&since, "since", "", "at or after (RFC 3339 or a duration ago, e.g. 24h)")
	fl.StringVar(&until, "until", "", "before (RFC 3339 or a duration ago)")
	fl.IntVar(&f.Limit, "limit", 0, "at most this many entries, 1-1000 (default 100)")
	fl.Int64Var(&f.Before, "before", 0, "only entries numbered below this (the next page)")
	return cmd
}

func printAudit(w io.Writer, tf *timeFormat, page *fireline.AuditPage) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tAT\tACTOR\tADDRESS\tACTION\tSUBJECT\tDETAILS")
	for _, e := range page.Entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, tf.format(e.At), e.Actor, dash(e.Address), e.Action, e.Subject, details(e.Data))
	}
	tw.Flush()
	if page.Older > 0 {
		fmt.Fprintf(w, "older entries: --before %d\n", page.Older)
	}
}

// details is an entry's details as printed: "-" for none.
func details(data json.RawMessage) string {
	if s := string(data); s != "" && s != "null" {
		return s
	}
	return "-"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newAuditExportCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "export FILE",
		Short: "Write the whole audit log with its hash chain as JSON (- for standard output)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			x, err := c.ExportAudit(cmd.Context())
			if err != nil {
				return err
			}
			b, err := json.MarshalIndent(x, "", "  ")
			if err != nil {
				return err
			}
			b = append(b, '\n')
			if args[0] == "-" {
				_, err = g.env.Stdout.Write(b)
				return err
			}
			if err := os.WriteFile(args[0], b, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stderr, "wrote %s (%d entries); check it later with: fireline audit verify %s\n", args[0], len(x.Entries), args[0])
			return nil
		},
	}
}

func newAuditVerifyCommand(g *globals) *cobra.Command {
	var stored bool
	cmd := &cobra.Command{
		Use:   "verify FILE | --stored",
		Short: "Check an exported audit log for edits (works offline), or with --stored the log as stored on the server",
		Args: func(cmd *cobra.Command, args []string) error {
			if stored {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if stored {
				return verifyStoredAudit(cmd.Context(), g)
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var x fireline.AuditExport
			if err := json.Unmarshal(b, &x); err != nil {
				return fmt.Errorf("%s: not an audit export: %v", args[0], err)
			}
			if err := fireline.VerifyAuditExport(&x); err != nil {
				return fmt.Errorf("%s: TAMPERED: %v", args[0], err)
			}
			fmt.Fprintf(g.env.Stdout, "%s: ok: audit log, %d entries, chain intact, head %s\n", args[0], len(x.Entries), x.HeadHash)
			return nil
		},
	}
	cmd.Flags().BoolVar(&stored, "stored", false, "check the audit log in place on the server (GET /api/v1/audit/verify)")
	return cmd
}

// verifyStoredAudit asks the server to check the stored audit log; a
// broken one exits 1.
func verifyStoredAudit(ctx context.Context, g *globals) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	v, err := c.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !v.OK && g.output != "json" {
		return fmt.Errorf("audit log: TAMPERED: %s", v.Problem)
	}
	err = g.print(v, func(w io.Writer) {
		fmt.Fprintf(w, "audit log: ok: stored, %d entries, chain intact, head %s\n", v.Entries, v.HeadHash)
	})
	if err == nil && !v.OK {
		return exitError{code: 1}
	}
	return err
}
