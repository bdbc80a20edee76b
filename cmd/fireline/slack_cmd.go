package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline/slackapp"
)

func newSlackCommand(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "slack", Short: "Connect a Slack workspace (docs/slack.md)"}
	cmd.AddCommand(newSlackCheckCommand(env))
	return cmd
}

// newSlackCheckCommand checks the Slack settings a server would start
// with: the bot token works, has the scopes, and every person of the
// directory resolves to a Slack user.
func newSlackCheckCommand(env Env) *cobra.Command {
	var sc slackConfig
	var policyPath string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the bot token (auth.test), its scopes, and that every person in the directory resolves to a Slack user (email or slack_id)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sc.BotToken == "" {
				return fmt.Errorf("no bot token: set FIRELINE_SLACK_BOT_TOKEN or --slack-bot-token")
			}
			if err := sc.check(); err != nil {
				return err
			}
			pol, err := loadPolicy(policyPath)
			if err != nil {
				return err
			}
			rep, err := slackapp.NewClient(sc.BotToken, slackapp.Options{APIURL: sc.APIURL}).Check(cmd.Context(), pol)
			if err != nil {
				return err
			}
			return printSlackReport(env, rep)
		},
	}
	addSlackFlags(cmd, env, &sc)
	cmd.Flags().StringVar(&policyPath, "policy", env.Getenv("FIRELINE_POLICY"), "policy file (env FIRELINE_POLICY; default: the embedded guide)")
	return cmd
}

func printSlackReport(env Env, rep *slackapp.Report) error {
	fmt.Fprintf(env.Stdout, "workspace %s, bot user %s, scopes %s\n", rep.Team, rep.BotUser, strings.Join(rep.Scopes, ","))
	for _, p := range rep.People {
		user := p.User
		if user == "" {
			user = "-"
		}
		fmt.Fprintf(env.Stdout, "%-12s %-12s %s\n", p.Person, user, p.By)
	}
	for _, pr := range rep.Problems {
		fmt.Fprintln(env.Stderr, "problem: "+pr)
	}
	if !rep.OK() {
		fmt.Fprintf(env.Stderr, "%d problem(s)\n", len(rep.Problems))
		return exitError{code: 1}
	}
	fmt.Fprintln(env.Stdout, "ok")
	return nil
}
