package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/engine"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/live"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/slackapp"
	"github.com/fireline-dev/fireline/sqlstore"
	"github.com/fireline-dev/fireline/web"
)

// version is the binary's version, set at build time with -ldflags.
var version = "dev"

// serveConfig is everything `fireline serve` takes from flags and env.
type serveConfig struct {
	Addr string
	// StatusAddr, when set, serves the public status page alone on an
	// address of its own (status_listener.go).
	StatusAddr     string
	DB             string
	PolicyPath     string
	PlaybooksPath  string
	BootstrapToken string
	// Now is the clock; tests inject a manual one.
	Now func() time.Time
	// Paging is how pages are delivered (paging_wiring.go).
	Paging pagingConfig
	// LiveRecheck is web.Config's; tests shorten it.
	LiveRecheck time.Duration
	// MaxClockSkew is how far this replica's clock may differ from
	// PostgreSQL's before it stops claiming jobs and is not ready
	// (docs/adr/0052); 0 (tests with a manual clock) turns the check off.
	MaxClockSkew time.Duration
	// Limits are the request-rate limits (limits_wiring.go).
	Limits web.RequestLimits
	// Slack connects a workspace (slack_wiring.go).
	Slack slackConfig
	// MaxEvidenceBytes caps one evidence file (0: the default).
	MaxEvidenceBytes int64
}

func newServeCommand(env Env) *cobra.Command {
	var cfg serveConfig
	var checkLimits func() error
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Fireline server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkLimits(); err != nil {
				return err
			}
			cfg.BootstrapToken = env.Getenv("FIRELINE_BOOTSTRAP_TOKEN")
			tuneGC(env.Getenv)
			logger := slog.New(slog.NewJSONHandler(env.Stderr, nil))
			srv, err := startServer(cmd.Context(), cfg, logger, env.Stdout)
			if err != nil {
				return err
			}
			<-cmd.Context().Done()
			logger.Info("shutting down")
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			return srv.Close(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", envOr(env, "FIRELINE_ADDR", "127.0.0.1:8080"), "listen address (env FIRELINE_ADDR)")
	f.StringVar(&cfg.StatusAddr, "status-addr", env.Getenv("FIRELINE_STATUS_ADDR"), "also serve the public status page alone on this address, for its own domain (env FIRELINE_STATUS_ADDR; default: only under /status of --addr)")
	addDBFlag(cmd, env, &cfg.DB)
	f.StringVar(&cfg.PolicyPath, "policy", env.Getenv("FIRELINE_POLICY"), "policy file (env FIRELINE_POLICY; default: the embedded guide)")
	f.StringVar(&cfg.PlaybooksPath, "playbooks", env.Getenv("FIRELINE_PLAYBOOKS"), "directory of playbooks (*.md) (env FIRELINE_PLAYBOOKS; default: the embedded guide's)")
	addPagingFlags(cmd, env, &cfg.Paging)
	addSlackFlags(cmd, env, &cfg.Slack)
	skew, err := time.ParseDuration(envOr(env, "FIRELINE_MAX_CLOCK_SKEW", "2s"))
	if err != nil {
		skew = 2 * time.Second
	}
	f.DurationVar(&cfg.MaxClockSkew, "max-clock-skew", skew, "on PostgreSQL, how far this replica's clock may differ from the database's before it claims no due jobs and /readyz fails (env FIRELINE_MAX_CLOCK_SKEW; 0: off)")
	checkLimits = addLimitFlags(cmd, env, &cfg.Limits)
	f.Int64Var(&cfg.MaxEvidenceBytes, "evidence-max-bytes", fireline.DefaultMaxEvidenceBytes, "largest evidence file an upload may carry; a larger one is refused with 413")
	return cmd
}

func addDBFlag(cmd *cobra.Command, env Env, dst *string) {
	cmd.Flags().StringVar(dst, "db", "fireline.db", "SQLite file path or postgres:// URL (env FIRELINE_DB)")
	// FIRELINE_DB is read when the command runs rather than made the
	// flag's default, which help would print: a PostgreSQL URL may hold a
	// password.
	cmd.PreRun = func(c *cobra.Command, _ []string) {
		if v := env.Getenv("FIRELINE_DB"); v != "" && !c.Flags().Changed("db") {
			*dst = v
		}
	}
}

func newMigrateCommand(env Env) *cobra.Command {
	var dsn string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := sqlstore.Open(cmd.Context(), dsn, sqlstore.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.Migrate(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "database is up to date (%s)\n", db.Dialect())
			return nil
		},
	}
	addDBFlag(cmd, env, &dsn)
	return cmd
}

// loadPolicy reads the policy file, or returns the embedded guide.
func loadPolicy(path string) (*fireline.Policy, error) {
	if path == "" {
		return policy.Default(), nil
	}
	return policy.Load(path)
}

// server is a running Fireline: store, HTTP server and listener.
type server struct {
	db     *sqlstore.DB
	http   *http.Server
	ln     net.Listener
	done   chan error
	logger *slog.Logger
	intake *sqlstore.IntakeService // group-commit writer of alert intake
	paging *paging                 // job runner and paging engine
	status *statusListener         // the public status page's own address, if any
	slack  *slackapp.Inbound       // Slack's requests (nil: not connected)
}

// startServer loads the policy, opens and migrates the database, makes sure
// an admin token exists (printing a new one to out), and starts serving.
func startServer(ctx context.Context, cfg serveConfig, logger *slog.Logger, out io.Writer) (*server, error) {
	pol, err := loadPolicy(cfg.PolicyPath)
	if err != nil {
		return nil, err
	}
	if err := cfg.Slack.check(); err != nil {
		return nil, err
	}
	pol.Slack.Connected = cfg.Slack.BotToken != ""                                // before anything plans work
	if err := withPlaybooks(pol, cfg.PlaybooksPath, cfg.PolicyPath); err != nil { // playbook_cmd.go
		return nil, err
	}
	// The store tells the console's live hub of every commit and hands
	// the jobs a commit makes due to this process's runner: both are made
	// first and given to it, then to their other ends.
	// The status page's cache is told of every commit too, and drops
	// what it rendered.
	hub, handoff, status := live.NewHub(), jobs.NewHandoff(), web.NewStatusCache()
	db, err := sqlstore.Open(ctx, cfg.DB, sqlstore.Options{Now: cfg.Now, Logger: logger, Publisher: fireline.Publishers{hub, status}, Runner: handoff,
		MaxClockSkew: cfg.MaxClockSkew})
	if err != nil {
		return nil, err
	}
	srv, err := startOnDB(ctx, db, hub, handoff, status, pol, cfg, logger, out)
	if err != nil {
		db.Close()
		return nil, err
	}
	return srv, nil
}

func startOnDB(ctx context.Context, db *sqlstore.DB, hub *live.Hub, handoff *jobs.Handoff, status *web.StatusCache, pol *fireline.Policy, cfg serveConfig, logger *slog.Logger, out io.Writer) (*server, error) {
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	// Listen before creating the first admin token, so that a start that
	// cannot bind does not consume the one-time token.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	// A policy other than the one the audit log last recorded is a
	// change of policy, audited as the server's own act.
	audit := sqlstore.NewAuditService(db)
	if err := audit.RecordPolicy(ctx, pol); err != nil {
		ln.Close()
		return nil, err
	}
	// Runbook items whose playbook changed since they were added close
	// (the playbooks this server loads are the reload).
	if _, err := sqlstore.NewReviewService(db, pol).ClosePlaybookItems(ctx); err != nil {
		ln.Close()
		return nil, err
	}
	tokens := sqlstore.NewTokenService(db, pol)
	secret, err := tokens.EnsureAdminToken(ctx, cfg.BootstrapToken)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if secret != "" && cfg.BootstrapToken == "" {
		fmt.Fprintf(out, "No admin token existed, so one was created. It is shown once; store it now:\n\n    %s\n\n", secret)
	}
	pg, err := newPaging(ctx, db, handoff, pol, cfg, logger)
	if err != nil {
		ln.Close()
		return nil, err
	}
	slackClient := connectSlack(pg, db, pol, cfg.Slack) // slack_wiring.go
	trackerSecret := connectTracker(pg, pg.engine.Now)  // tracker_wiring.go
	intake := newIntake(db, pol, cfg)
	if err := pg.runIntegrationChecks(ctx, intake, logger); err != nil {
		ln.Close()
		intake.Close()
		return nil, err
	}
	// Console: users and sessions, and live updates from each commit of
	// every writer (on PostgreSQL, of every replica).
	incidents, users := sqlstore.NewIncidentService(db, pol), sqlstore.NewUserService(db, pol)
	subscribers := sqlstore.NewSubscriberService(db, pol)
	publicURL := cfg.Paging.PublicURL
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	slackIn := slackInbound(slackClient, db, pol, incidents, users, cfg.Slack, publicURL, logger)
	handler := web.NewHandler(web.Config{
		Users: users, Sessions: users, Live: hub, Throttle: sqlstore.NewLoginThrottle(db), LiveRecheck: cfg.LiveRecheck, Limits: cfg.Limits,
		Policy: pol, Incidents: incidents, Tokens: tokens, Auth: tokens, Reviews: sqlstore.NewReviewService(db, pol), Reports: sqlstore.NewReportService(db, pol), GuideReviews: sqlstore.NewGuideReviewService(db, pol),
		Health: db, Logger: logger, Now: cfg.Now, Version: version,
		Integrations: sqlstore.NewIntegrationService(db, pol), Outbound: pg.guard.Check, Alerts: sqlstore.NewAlertService(db),
		Intake: intake, Maintenance: sqlstore.NewMaintenanceService(db, pol),
		OnCall: engine.OnCall{Engine: pg.engine}, Feeds: engine.Feeds{Engine: pg.engine, Audit: audit}, Links: pg.engine.Links, Metrics: pg.engine.Metrics.Registry,
		Status: sqlstore.NewStatusService(db, pol), StatusCache: status, PublicURL: cfg.Paging.PublicURL,
		Subscribers: subscribers, SubscriberAdmin: subscribers, Audit: audit, Slack: slackHandler(slackIn),
		Evidence: sqlstore.NewEvidenceService(db, pol), MaxEvidenceBytes: cfg.MaxEvidenceBytes,
		PlaybookUsage: sqlstore.NewPlaybookUsageService(db, pol),
		Tracker:       sqlstore.NewTrackerService(db, pol), TrackerSecret: trackerSecret,
	})
	s := &server{db: db, ln: ln, intake: intake, paging: pg, slack: slackIn, done: make(chan error, 1), logger: logger, http: &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	s.http.RegisterOnShutdown(hub.Close) // ends open event streams, so shutdown need not wait for them
	if err := pg.start(s.URL()); err != nil {
		intake.Close()
		ln.Close()
		return nil, err
	}
	if s.status, err = startStatusListener(cfg.StatusAddr, handler, logger); err != nil {
		pg.Close()
		intake.Close()
		ln.Close()
		return nil, err
	}
	go func() { s.done <- s.http.Serve(ln) }()
	pg.reportReadiness(ctx)
	// Start-up's garbage (migrations, parsing the policy, playbooks and
	// templates: some 15 MB against 3 MB live) goes back to the OS now,
	// not when the scavenger gets to it minutes later: idle RSS is what an
	// operator sizes a small instance by.
	debug.FreeOSMemory()
	logger.Info("fireline serving", "addr", ln.Addr().String(), "database", db.Dialect(), "policy", pol.VersionID())
	return s, nil
}

// URL is the server's base URL.
func (s *server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops accepting requests, waits for those in flight (bounded by
// ctx), then closes the database.
func (s *server) Close(ctx context.Context) error {
	err := errors.Join(s.http.Shutdown(ctx), s.status.Close(ctx))
	if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	s.paging.Close()
	if s.slack != nil {
		s.slack.Close() // replies still being posted to Slack
	}
	return errors.Join(err, s.intake.Close(), s.db.Close())
}
