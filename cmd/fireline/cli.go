package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// Env is the process environment a command runs in, injected so tests can
// run the CLI in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Now is the clock of offline commands (policy check); time.Now when
	// nil.
	Now func() time.Time
}

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs the fireline command line and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	root := newRootCommand(env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(env.Stderr, "fireline: "+cliMessage(err))
	return 1
}

// cliMessage is what the user reads: the server's message for Fireline
// errors, the error text otherwise.
func cliMessage(err error) string {
	var fe *fireline.Error
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return err.Error()
}

// globals are the flags every API command shares.
type globals struct {
	env    Env
	server string
	token  string
	output string
	utc    bool

	timeFmt *timeFormat // made by times, on first use
}

func newRootCommand(env Env) *cobra.Command {
	g := &globals{env: env}
	root := &cobra.Command{
		Use:           "fireline",
		Short:         "Fireline: incident response from your guide, in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.server, "server", envOr(env, "FIRELINE_SERVER", "http://127.0.0.1:8080"), "Fireline server URL (env FIRELINE_SERVER)")
	// FIRELINE_TOKEN is read when a command needs it (client), not made
	// the default, which help would print.
	pf.StringVar(&g.token, "token", "", "API token (env FIRELINE_TOKEN)")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")
	pf.BoolVar(&g.utc, "utc", envBool(env, "FIRELINE_UTC"), "print times in UTC, not the policy's time zone (env FIRELINE_UTC=1)")
	root.AddCommand(newServeCommand(env), newMigrateCommand(env), newPolicyCommand(env, g), newPlaybookCommand(g),
		newIncidentCommand(g), newTokenCommand(g))
	root.AddCommand(newIntegrationCommand(g), newAlertCommand(g), newMaintenanceCommand(g), newBenchCommand(g)) // detection
	root.AddCommand(newOnCallCommand(g), newNotifyCommand(g))                                                   // paging
	root.AddCommand(newReviewCommand(g), newActionItemCommand(g), newReportCommand(g))                          // after the incident
	root.AddCommand(newStatusCommand(g), newSubscriberCommand(g))                                               // communications: internal status, compliance, customer subscribers
	root.AddCommand(newUserCommand(g), newAuditCommand(g))                                                      // web console users, the audit log
	root.AddCommand(newSlackCommand(env))                                                                       // Slack (slack_cmd.go)
	root.AddCommand(newSoakCommand(g))                                                                          // the outside scenarios
	return root
}

func envOr(env Env, key, def string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return def
}

// envBool reads a boolean variable: 1, t, true and the like are true;
// unset or anything else is false.
func envBool(env Env, key string) bool {
	b, _ := strconv.ParseBool(env.Getenv(key))
	return b
}

// client returns the API client after checking the output flag.
func (g *globals) client() (*web.Client, error) {
	if g.output != "table" && g.output != "json" {
		return nil, fmt.Errorf("unknown output format %q: want table or json", g.output)
	}
	if g.token == "" {
		g.token = g.env.Getenv("FIRELINE_TOKEN")
	}
	if g.token == "" {
		return nil, errors.New("no API token: pass --token or set FIRELINE_TOKEN")
	}
	return web.NewClient(strings.TrimRight(g.server, "/"), g.token), nil
}

// print writes v as indented JSON with -o json, else calls table.
func (g *globals) print(v any, table func(w io.Writer)) error {
	if g.output == "json" {
		enc := json.NewEncoder(g.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	table(g.env.Stdout)
	return nil
}
