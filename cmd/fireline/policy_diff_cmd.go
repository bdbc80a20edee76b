package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
)

// newPolicyDiffCommand is `fireline policy diff OLD NEW`: what changed
// between two policy files in the guide's terms (fireline.DiffPolicies).
func newPolicyDiffCommand(env Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show what changed between two policy files: severity targets, escalation chains, people, services, schedules, the review",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := loadPolicyFile(env, args[0])
			if err != nil {
				return err
			}
			new, err := loadPolicyFile(env, args[1])
			if err != nil {
				return err
			}
			changes := fireline.DiffPolicies(old, new)
			if asJSON {
				if changes == nil {
					changes = []fireline.PolicyChange{}
				}
				return json.NewEncoder(env.Stdout).Encode(changes)
			}
			fmt.Fprintf(env.Stdout, "policy %s → %s: %d change(s)\n", old.VersionID(), new.VersionID(), len(changes))
			for _, c := range changes {
				fmt.Fprintln(env.Stdout, c.String())
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the changes as JSON")
	return cmd
}

// loadPolicyFile reads and validates a policy file; its problems are
// printed as policy check prints them, and the command fails.
func loadPolicyFile(env Env, path string) (*fireline.Policy, error) {
	p, _, err := policy.CheckFile(path, env.Now())
	var problems policy.Problems
	if errors.As(err, &problems) {
		for _, pr := range problems {
			fmt.Fprintln(env.Stderr, pr.String())
		}
		fmt.Fprintf(env.Stderr, "%s: %d problem(s)\n", path, len(problems))
		return nil, exitError{code: 1}
	}
	return p, err
}
