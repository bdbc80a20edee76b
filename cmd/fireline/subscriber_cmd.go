package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newSubscriberCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "subscriber", Short: "Customer subscribers of status email: import, list, remove"}
	cmd.AddCommand(newSubscriberImportCommand(g), newSubscriberListCommand(g), newSubscriberRemoveCommand(g))
	return cmd
}

func newSubscriberImportCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import customers (confirmed: you attest they asked); a bad row imports nothing",
		Long: "Import customers who get email about public components. Each CSV row is an address and,\n" +
			"optionally, the public components to follow separated by spaces or semicolons (none: all);\n" +
			"a first row \"email,components\" is a header. FILE - reads standard input.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, err := readSubscriberCSV(g, args[0])
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			res, err := c.ImportSubscribers(cmd.Context(), rows)
			if err != nil {
				return csvRowErrors(err)
			}
			return g.print(res, func(out io.Writer) {
				fmt.Fprintf(out, "Imported %d subscribers: %d new, %d updated.\n", res.Added+res.Updated, res.Added, res.Updated)
			})
		},
	}
}

// readSubscriberCSV reads the rows of a subscriber file.
func readSubscriberCSV(g *globals, name string) ([]fireline.SubscribeInput, error) {
	var r io.Reader = g.env.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fireline.Errorf(fireline.EInvalid, "%v", err)
		}
		defer f.Close()
		r = f
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord, cr.TrimLeadingSpace, cr.Comment = -1, true, '#'
	var rows []fireline.SubscribeInput
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fireline.Errorf(fireline.EInvalid, "%s: %v", name, err)
		}
		if len(rows) == 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "email") {
			continue
		}
		in := fireline.SubscribeInput{Email: rec[0]}
		for _, f := range rec[1:] {
			in.Components = append(in.Components, strings.FieldsFunc(f, func(r rune) bool { return r == ';' || r == ' ' || r == '|' })...)
		}
		rows = append(rows, in)
	}
}

// csvRowErrors says which rows are wrong in the terms of the file: the
// server names rows from 0, without the header.
func csvRowErrors(err error) error {
	var e *fireline.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	return fmt.Errorf("%w\n(subscribers[N] is the N+1th address in the file, not counting a header)", err)
}

func newSubscriberListCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List customer subscribers, confirmed or pending",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var all []*fireline.Subscriber
			for after := ""; ; {
				page, err := c.ListSubscribers(cmd.Context(), after, fireline.MaxPageSize)
				if err != nil {
					return err
				}
				all = append(all, page...)
				if len(page) < fireline.MaxPageSize {
					break
				}
				after = page[len(page)-1].ID
			}
			return g.print(all, func(out io.Writer) {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tEMAIL\tCOMPONENTS\tSTATE")
				for _, s := range all {
					state, comps := "confirmed", strings.Join(s.Components, " ")
					if s.ConfirmedAt == nil {
						state = "pending"
					}
					if comps == "" {
						comps = "(all)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, s.Email, comps, state)
				}
				tw.Flush()
			})
		},
	}
}

func newSubscriberRemoveCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID|EMAIL",
		Short: "Remove a customer subscriber",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.RemoveSubscriber(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "Removed subscriber %s.\n", args[0])
			return nil
		},
	}
}
