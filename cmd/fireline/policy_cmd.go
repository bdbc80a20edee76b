package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline/policy"
)

func newPolicyCommand(env Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Write, check and compare the policy file (the guide as YAML), and record its review"}
	cmd.AddCommand(newPolicyInitCommand(env), newPolicyCheckCommand(env), newPolicyDiffCommand(env), newPolicyReviewCommand(g))
	return cmd
}

func newPolicyInitCommand(env Env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write the default policy (the embedded guide) to FILE, or to standard output",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				_, err := env.Stdout.Write(policy.DefaultYAML())
				return err
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(args[0], flags, 0o644)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists; pass --force to overwrite it", args[0])
			} else if err != nil {
				return err
			}
			if _, err := f.Write(policy.DefaultYAML()); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "wrote %s; check your edits with: fireline policy check %s\n", args[0], args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite FILE if it exists")
	return cmd
}

func newPolicyCheckCommand(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a policy file; prints every problem as file:line: what is wrong, and warnings (exit 0) for what will probably not work on a server",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, warnings, err := policy.CheckFile(args[0], env.Now())
			var problems policy.Problems
			if errors.As(err, &problems) {
				for _, pr := range problems {
					fmt.Fprintln(env.Stderr, pr.String())
				}
				fmt.Fprintf(env.Stderr, "%s: %d problem(s)\n", args[0], len(problems))
				return exitError{code: 1}
			} else if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(env.Stderr, w.String())
			}
			fmt.Fprintf(env.Stdout, "%s: ok (policy %s: %d severities, %d services, %d people, %d escalation chains)%s\n",
				args[0], p.VersionID(), len(p.Severities), len(p.Services), len(p.People), len(p.EscalationChains), warningCount(warnings))
			return nil
		},
	}
}

// warningCount reads " with 1 warning and 1 note", or nothing.
func warningCount(ws policy.Problems) string {
	n := map[string]int{}
	for _, w := range ws {
		n[w.Level]++
	}
	var parts []string
	for _, level := range []string{policy.Warning, policy.Note} {
		switch n[level] {
		case 0:
		case 1:
			parts = append(parts, "1 "+level)
		default:
			parts = append(parts, fmt.Sprintf("%d %ss", n[level], level))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " with " + strings.Join(parts, " and ")
}
