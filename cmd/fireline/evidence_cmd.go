package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

// securityCommands are the incident subcommands of security incidents:
// evidence and the regulator told.
func securityCommands(g *globals) []*cobra.Command {
	evidence := &cobra.Command{Use: "evidence", Short: "Preserve and read a security incident's evidence (members and admins only; every read is on the timeline)"}
	evidence.AddCommand(newEvidenceAddCommand(g), newEvidenceListCommand(g), newEvidenceGetCommand(g))
	regulator := actionCommand(g, "notify-regulator INC-ID REGULATOR", "Record the regulator notified (stops the regulatory clock)", 1,
		func(c *cobra.Command, a *fireline.Action) {
			a.Regulator = &fireline.RegulatorInput{}
			c.Flags().StringVar(&a.Regulator.Reference, "reference", "", "the regulator's case or report reference")
			c.Flags().StringVar(&a.Regulator.Note, "note", "", "what was reported")
		},
		func(a *fireline.Action, args []string) error {
			a.Kind, a.Regulator.Regulator = fireline.ActNotifyRegulator, args[0]
			return nil
		})
	return []*cobra.Command{evidence, regulator, newIncidentReportCommand(g)}
}

func newIncidentReportCommand(g *globals) *cobra.Command {
	var format, file string
	cmd := &cobra.Command{
		Use:   "report INC-ID",
		Short: "The incident report for regulatory compliance: what happened, systems and data affected, timeline, actions, evidence with hashes, who was notified when",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			body, err := c.IncidentReport(cmd.Context(), args[0], format)
			if err != nil {
				return err
			}
			if file == "" {
				_, err = g.env.Stdout.Write(body)
				return err
			}
			if err := os.WriteFile(file, body, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stderr, "wrote %s\n", file)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "markdown", "markdown, html (print-ready) or json")
	cmd.Flags().StringVarP(&file, "file", "f", "", "write the report here instead of standard output")
	return cmd
}

func newEvidenceAddCommand(g *globals) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   "add INC-ID FILE",
		Short: "Preserve a file: stored by its SHA-256, which goes on the hash-chained timeline",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			content, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			ev, err := c.AddEvidence(cmd.Context(), args[0], fireline.EvidenceInput{Name: filepath.Base(args[1]), Note: note}, content)
			if err != nil {
				return err
			}
			return g.print(ev, func(w io.Writer) {
				fmt.Fprintf(w, "%s: preserved %s (%d bytes) sha256 %s\n", args[0], ev.Name, ev.Size, ev.SHA256)
			})
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "where the file comes from and why it matters")
	return cmd
}

func newEvidenceListCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list INC-ID",
		Short: "List an incident's evidence with its hashes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			list, err := c.ListEvidence(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			tf := g.times(cmd.Context(), c)
			return g.print(map[string]any{"incident": args[0], "evidence": list}, func(w io.Writer) {
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tSIZE\tSHA-256\tADDED BY\tADDED\tNOTE")
				for _, ev := range list {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", ev.Name, ev.Size, ev.SHA256, ev.AddedBy, tf.format(ev.AddedAt), ev.Note)
				}
				tw.Flush()
			})
		},
	}
}

func newEvidenceGetCommand(g *globals) *cobra.Command {
	var file, all string
	cmd := &cobra.Command{
		Use:   "get INC-ID [SHA256|NAME]",
		Short: "Download a file (to standard output, --file, or every file into --all DIR); each read goes on the timeline",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var refs []string
			switch {
			case all != "" && len(args) == 1:
				list, err := c.ListEvidence(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				for _, ev := range list {
					refs = append(refs, ev.SHA256)
				}
			case all == "" && len(args) == 2:
				refs = []string{args[1]}
			default:
				return fmt.Errorf("name one file (SHA256 or NAME), or give --all DIR")
			}
			for _, ref := range refs {
				ev, content, err := c.ReadEvidence(cmd.Context(), args[0], ref)
				if err != nil {
					return err
				}
				if err := writeEvidence(g, ev, content, file, all); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "write the file here instead of standard output")
	cmd.Flags().StringVar(&all, "all", "", "download every file of the incident into this directory, under its name")
	return cmd
}

// writeEvidence writes a downloaded file where the flags say.
func writeEvidence(g *globals, ev *fireline.Evidence, content []byte, file, dir string) error {
	switch {
	case dir != "":
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		file = filepath.Join(dir, fireline.EvidenceName(ev.Name))
	case file == "":
		_, err := g.env.Stdout.Write(content)
		return err
	}
	if err := os.WriteFile(file, content, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(g.env.Stderr, "wrote %s (%d bytes, sha256 %s)\n", file, len(content), ev.SHA256)
	return nil
}

// verifyEvidenceFiles checks the files an export's timeline says were
// preserved against those in dir (under their name, or their SHA-256):
// every one must be there with its hash.
func verifyEvidenceFiles(x *fireline.Export, dir string) ([]string, error) {
	var problems []string
	for _, ev := range fireline.EvidenceOf(x.Events) {
		sum, err := hashFile(filepath.Join(dir, fireline.EvidenceName(ev.Name)))
		if errors.Is(err, fs.ErrNotExist) {
			sum, err = hashFile(filepath.Join(dir, ev.SHA256))
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems = append(problems, fmt.Sprintf("%s: MISSING (want sha256 %s)", ev.Name, ev.SHA256))
		case err != nil:
			return nil, err
		case sum != ev.SHA256:
			problems = append(problems, fmt.Sprintf("%s: TAMPERED: sha256 %s, the timeline preserved %s", ev.Name, sum, ev.SHA256))
		}
	}
	return problems, nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// verifyEvidence prints the check of an export's files in dir; a file
// missing or changed exits 1.
func verifyEvidence(g *globals, x *fireline.Export, dir string) error {
	problems, err := verifyEvidenceFiles(x, dir)
	if err != nil {
		return err
	}
	n := len(fireline.EvidenceOf(x.Events))
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(g.env.Stderr, p)
		}
		return fmt.Errorf("%s: %d of %d evidence files do not match the timeline", dir, len(problems), n)
	}
	fmt.Fprintf(g.env.Stdout, "%s: ok: %d evidence files match their SHA-256 on the timeline\n", dir, n)
	return nil
}
