package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/playbook"
	"github.com/fireline-dev/fireline/web"
)

func newPlaybookCommand(g *globals) *cobra.Command {
	env := g.env
	cmd := &cobra.Command{Use: "playbook", Aliases: []string{"playbooks"}, Short: "Write and check playbooks (Markdown checklists attached to incidents)"}
	cmd.AddCommand(newPlaybookInitCommand(env), newPlaybookLintCommand(env), newPlaybookListCommand(g), newPlaybookShowCommand(g))
	return cmd
}

func newPlaybookInitCommand(env Env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Write the default playbooks (the guide's four and its workflow checklist) into DIR",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			files := playbook.DefaultFiles()
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			for _, nf := range files {
				path := filepath.Join(dir, nf.Name)
				f, err := os.OpenFile(path, flags, 0o644)
				if errors.Is(err, os.ErrExist) {
					return fmt.Errorf("%s already exists; pass --force to overwrite it", path)
				} else if err != nil {
					return err
				}
				if _, err := f.Write(nf.Data); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "wrote %s\n", path)
			}
			fmt.Fprintf(env.Stdout, "check your edits with: fireline playbook lint %s\n", dir)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that exist")
	return cmd
}

func newPlaybookLintCommand(env Env) *cobra.Command {
	var policyPath string
	cmd := &cobra.Command{
		Use:   "lint DIR",
		Short: "Check the playbooks of DIR (*.md) against the policy; prints every problem as file:line: what is wrong",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pol, err := loadPolicy(policyPath)
			if err != nil {
				return err
			}
			files, err := playbook.LoadDir(args[0])
			var problems playbook.Problems
			if err == nil {
				problems = playbook.Check(files, pol, policyName(policyPath))
			} else if !errors.As(err, &problems) {
				return err
			}
			if len(problems) > 0 {
				for _, pr := range problems {
					fmt.Fprintln(env.Stderr, pr.String())
				}
				fmt.Fprintf(env.Stderr, "%s: %d problem(s)\n", args[0], len(problems))
				return exitError{code: 1}
			}
			steps := 0
			for _, f := range files {
				steps += len(f.Playbook.Steps)
			}
			// Warnings do not fail the check: a stale review is the
			// owner's to do, not a broken file.
			for _, w := range playbook.ReviewWarnings(files, pol, env.Now()) {
				fmt.Fprintln(env.Stderr, w.String())
			}
			fmt.Fprintf(env.Stdout, "%s: ok (%d playbooks, %d steps)\n", args[0], len(files), steps)
			return nil
		},
	}
	cmd.Flags().StringVar(&policyPath, "policy", env.Getenv("FIRELINE_POLICY"), "policy file the playbooks' owners, services and roles are checked against (env FIRELINE_POLICY; default: the embedded guide)")
	return cmd
}

func policyName(path string) string {
	if path == "" {
		return "the embedded policy"
	}
	return path
}

// withPlaybooks loads the playbooks of dir (the embedded defaults when
// empty) into the policy, refusing any that the policy cannot run with.
func withPlaybooks(pol *fireline.Policy, dir, policyPath string) error {
	var files []*playbook.File
	if dir == "" {
		var problems playbook.Problems
		if files, problems = playbook.ParseAll(playbook.DefaultFiles()); len(problems) > 0 {
			return problems
		}
	} else {
		var err error
		if files, err = playbook.LoadDir(dir); err != nil {
			return err
		}
	}
	if problems := playbook.Check(files, pol, policyName(policyPath)); len(problems) > 0 {
		return fmt.Errorf("playbooks do not fit the policy (fireline playbook lint):\n%w", problems)
	}
	pol.Playbooks = playbook.Playbooks(files)
	return nil
}

// newPlaybookShowCommand shows a playbook's record: the incidents it was
// used in, the steps they skipped and added.
func newPlaybookShowCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a playbook's record: incidents it was used in, steps skipped and added, whether its review is overdue",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			rec, err := c.PlaybookRecord(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(rec, func(w io.Writer) { printPlaybookRecord(w, rec) })
		},
	}
}

func printPlaybookRecord(w io.Writer, rec *web.PlaybookRecord) {
	pb, u := rec.Playbook, rec.Usage
	fmt.Fprintf(w, "%s (%s), owner %s, reviewed %s", pb.Title, pb.ID, pb.Owner, pb.LastReviewed)
	if u.ReviewOverdue {
		fmt.Fprintf(w, ": REVIEW OVERDUE (%d days)", u.ReviewAgeDays)
	}
	fmt.Fprintf(w, "\nused in %d incident(s)\n", len(u.Uses))
	for _, use := range u.Uses {
		fmt.Fprintf(w, "%s [%s] %s (%s): %d of %d steps done\n", use.Incident, use.Severity, use.Title, use.Status, use.Done, use.Total)
		for _, s := range use.Skipped {
			fmt.Fprintf(w, "  skipped %s\n", s)
		}
		for _, s := range use.Added {
			fmt.Fprintf(w, "  added   %s\n", s)
		}
	}
}
