package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
)

func newIntegrationCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "integration", Aliases: []string{"integrations"}, Short: "Create, list, rotate and delete alert integrations (admin)"}
	cmd.AddCommand(newIntegrationCreateCommand(g), newIntegrationListCommand(g), newIntegrationRotateCommand(g), newIntegrationDeleteCommand(g))
	return cmd
}

// integrationURL is where a sender posts, against the CLI's server.
func (g *globals) integrationURL(in *fireline.Integration, key string) string {
	if in.Type == fireline.IntegrationProbe {
		return "" // nothing posts to a probe
	}
	return strings.TrimRight(g.server, "/") + in.Type.Path(key)
}

func (g *globals) printCreatedIntegration(tf *timeFormat, ci *fireline.CreatedIntegration, verb string) error {
	ci.URL = g.integrationURL(&ci.Integration, ci.Key)
	return g.print(ci, func(w io.Writer) {
		if ci.Type == fireline.IntegrationProbe {
			fmt.Fprintf(w, "%s probe %s (%s) for service %s: Fireline GETs %s every %s; %d failed checks in a row (not 2xx within %s) raise an alert, and the next passing check resolves it.\n",
				verb, ci.Name, ci.ID, ci.Service, ci.ProbeURL, fireline.FormatDuration(time.Duration(ci.ProbeInterval)),
				fireline.ProbeFailuresToAlert, fireline.FormatDuration(ci.ProbeTimeout()))
			return
		}
		fmt.Fprintf(w, "%s %s integration %s (%s) for service %s.\nIts key is shown once; store it now:\n\n    %s\n\n",
			verb, ci.Type, ci.Name, ci.ID, ci.Service, ci.Key)
		if ci.SigningSecret != "" {
			fmt.Fprintf(w, "Signing secret (HMAC-SHA256, header %s), shown once:\n\n    %s\n\n", ci.SignatureHeader, ci.SigningSecret)
		}
		fmt.Fprintln(w, senderHelp(ci, strings.TrimRight(g.server, "/")))
		if ci.PreviousKeyExpiresAt != nil {
			fmt.Fprintf(w, "The previous key keeps working until %s.\n", tf.format(*ci.PreviousKeyExpiresAt))
		}
	})
}

// lastCheck says how a heartbeat's or probe's last check went.
func lastCheck(tf *timeFormat, in *fireline.Integration) string {
	switch {
	case in.Type == fireline.IntegrationHeartbeat && in.LastPingAt != nil:
		return "ping " + tf.format(*in.LastPingAt)
	case in.Type != fireline.IntegrationProbe || in.LastProbeAt == nil:
		return "-"
	case in.ProbeFailing > 0:
		return fmt.Sprintf("%s FAILING (%d in a row): %s", tf.format(*in.LastProbeAt), in.ProbeFailing, in.LastProbeResult)
	}
	return tf.format(*in.LastProbeAt) + " " + in.LastProbeResult
}

// senderHelp says what to paste into the sender.
func senderHelp(ci *fireline.CreatedIntegration, base string) string {
	switch ci.Type {
	case fireline.IntegrationPagerDuty:
		return "Point the sender's PagerDuty events URL at " + base + "/v2/enqueue (change events: " +
			base + "/v2/change/enqueue; go-pagerduty: WithV2EventsAPIEndpoint(\"" + base + "\")) and use the key as routing key."
	case fireline.IntegrationHeartbeat:
		return "Ping " + ci.URL + " (GET or POST) at least every " + fireline.FormatDuration(time.Duration(ci.HeartbeatInterval)) + "."
	}
	return "Post to " + ci.URL + " with the header Authorization: Bearer <key>."
}

func newIntegrationCreateCommand(g *globals) *cobra.Command {
	var in fireline.IntegrationInput
	var typ, source, interval string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an integration; its key is printed once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			in.Type, in.Source = fireline.IntegrationType(typ), fireline.Source(source)
			if interval != "" {
				iv, err := fireline.ParseInterval(interval)
				if err != nil {
					return err
				}
				if in.Type == fireline.IntegrationProbe {
					in.ProbeInterval = iv
				} else {
					in.HeartbeatInterval = iv
				}
			}
			ci, err := c.CreateIntegration(cmd.Context(), in)
			if err != nil {
				return err
			}
			return g.printCreatedIntegration(g.times(cmd.Context(), c), ci, "Created")
		},
	}
	f := cmd.Flags()
	f.StringVar(&typ, "type", "", "alertmanager, pagerduty, grafana, generic, heartbeat or probe (required)")
	f.StringVar(&in.Service, "service", "", "the service its alerts are about (required)")
	f.StringVar(&in.Name, "name", "", "a unique name (default TYPE-SERVICE)")
	f.StringVar(&source, "source", "", "incident source: monitoring (default), user_report, support_ticket or security (restricted incidents)")
	f.BoolVar(&in.Sign, "sign", false, "require an HMAC-SHA256 signature (grafana, generic); a signing secret is printed once")
	f.StringVar(&in.SignatureHeader, "signature-header", "", "the signature's header (default X-Grafana-Alerting-Signature)")
	f.StringVar(&in.TimestampHeader, "timestamp-header", "", "a header with the signed unix timestamp, if the sender sends one")
	f.StringVar(&interval, "interval", "", "heartbeat: how often a ping is expected (default 5m); probe: how often to check (default 1m)")
	f.StringVar(&in.ProbeURL, "url", "", "probe: the health endpoint to GET (default the service's health_url in the policy)")
	cmd.MarkFlagRequired("type")
	cmd.MarkFlagRequired("service")
	return cmd
}

func newIntegrationListCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List integrations (never their keys)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			list, err := c.ListIntegrations(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(map[string]any{"integrations": list}, func(w io.Writer) {
				tf := g.times(cmd.Context(), c)
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSERVICE\tSOURCE\tCREATED\tROTATED\tLAST CHECK")
				for _, in := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Name, in.Type, in.Service, in.Source,
						tf.format(in.CreatedAt), tf.optional(in.RotatedAt), lastCheck(tf, in))
				}
				tw.Flush()
			})
		},
	}
}

func newIntegrationRotateCommand(g *globals) *cobra.Command {
	var grace string
	cmd := &cobra.Command{
		Use:   "rotate ID",
		Short: "Issue a new key; the old one keeps working for --grace",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var d time.Duration
			if grace != "" {
				iv, err := fireline.ParseInterval(grace)
				if err != nil {
					return err
				}
				d = time.Duration(iv)
			}
			ci, err := c.RotateIntegrationKey(cmd.Context(), args[0], d)
			if err != nil {
				return err
			}
			return g.printCreatedIntegration(g.times(cmd.Context(), c), ci, "Rotated the key of")
		},
	}
	cmd.Flags().StringVar(&grace, "grace", "", "how long the old key keeps working (default 24h)")
	return cmd
}

func newIntegrationDeleteCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an integration; its keys stop working, its alerts stay in history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.DeleteIntegration(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "deleted %s\n", args[0])
			return nil
		},
	}
}
