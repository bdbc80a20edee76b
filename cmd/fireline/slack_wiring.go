package main

import (
	"log/slog"

	"errors"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/engine"
	"github.com/fireline-dev/fireline/slackapp"
	"github.com/fireline-dev/fireline/sqlstore"
	"github.com/fireline-dev/fireline/web"
)

// slackConfig connects a Slack workspace (docs/slack.md).
type slackConfig struct {
	BotToken      string
	SigningSecret string
	// APIURL is Slack's Web API (tests: the fake's).
	APIURL string
	// ResponseURLs is the prefix response_url must have (tests: the
	// fake's); Slack's hooks by default.
	ResponseURLs string
}

func addSlackFlags(cmd *cobra.Command, env Env, sc *slackConfig) {
	f := cmd.Flags()
	f.StringVar(&sc.BotToken, "slack-bot-token", env.Getenv("FIRELINE_SLACK_BOT_TOKEN"), "Slack bot token, xoxb-... (env FIRELINE_SLACK_BOT_TOKEN; none: no Slack)")
	f.StringVar(&sc.SigningSecret, "slack-signing-secret", env.Getenv("FIRELINE_SLACK_SIGNING_SECRET"), "Slack app signing secret, which verifies Slack's requests (env FIRELINE_SLACK_SIGNING_SECRET)")
	f.StringVar(&sc.APIURL, "slack-api-url", envOr(env, "FIRELINE_SLACK_API_URL", slackapp.DefaultAPIURL), "Slack's Web API URL (env FIRELINE_SLACK_API_URL)")
	f.MarkHidden("slack-api-url")
}

// check refuses half a connection: a token without the signing secret
// would post to Slack but could not verify a single request from it.
func (sc slackConfig) check() error {
	if sc.BotToken != "" && sc.SigningSecret == "" {
		return errors.New("FIRELINE_SLACK_SIGNING_SECRET (--slack-signing-secret) is required with FIRELINE_SLACK_BOT_TOKEN: Slack's requests cannot be verified without it")
	}
	return nil
}

// connectSlack says in the policy whether Slack is connected, and
// registers the Slack job: with no token, it finishes the jobs an
// earlier, connected run left.
func connectSlack(pg *paging, db *sqlstore.DB, pol *fireline.Policy, sc slackConfig) *slackapp.Client {
	pol.Slack.Connected = sc.BotToken != ""
	job := &engine.Slack{Engine: pg.engine, Store: sqlstore.NewPagingStore(db, pol)}
	var client *slackapp.Client
	if pol.Slack.Connected {
		client = slackapp.NewClient(sc.BotToken, slackapp.Options{APIURL: sc.APIURL, Registry: pg.engine.Metrics.Registry, Now: pg.engine.Now})
		job.API = client
		pg.engine.Channels[fireline.MethodSlack] = &slackapp.DM{Client: client} // contact_methods: [{type: slack}]
	}
	job.Register(pg.runner)
	return client
}

// slackInbound is the handler of Slack's requests, nil when Slack is not
// connected.
func slackInbound(client *slackapp.Client, db *sqlstore.DB, pol *fireline.Policy, incidents fireline.IncidentService, users fireline.UserService,
	sc slackConfig, publicURL string, logger *slog.Logger) *slackapp.Inbound {
	if client == nil {
		return nil
	}
	return &slackapp.Inbound{Policy: pol, Secret: sc.SigningSecret, Incidents: incidents, Users: users,
		Channels: sqlstore.NewPagingStore(db, pol), Client: client, PublicURL: publicURL, ResponseURLs: sc.ResponseURLs, Logger: logger}
}

// slackHandler is in as web's, nil (not a typed nil) when in is, so that
// an unconnected server answers Slack's routes 503.
func slackHandler(in *slackapp.Inbound) web.SlackInbound {
	if in == nil {
		return nil
	}
	return in
}
