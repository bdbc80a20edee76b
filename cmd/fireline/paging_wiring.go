package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/engine"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
	"github.com/fireline-dev/fireline/notify/email"
	"github.com/fireline-dev/fireline/notify/webhook"
	"github.com/fireline-dev/fireline/sqlstore"
)

// pagingConfig is how `fireline serve` delivers pages (docs/adr/0022).
// Secrets come from the environment only.
type pagingConfig struct {
	PublicURL     string
	SMTP          email.Config
	AllowOutbound string
	Getenv        func(string) string
	// NoJobRunner leaves the job runner stopped; tests call RunDue with a
	// manual clock instead.
	NoJobRunner bool
	// RunnerOwner names this replica in job leases (tests).
	RunnerOwner string
	// JobLease is how long a claimed job is this replica's before another
	// may take it over (after a crash): the bound on how late a killed
	// replica's work resumes.
	JobLease time.Duration
}

func addPagingFlags(cmd *cobra.Command, env Env, pc *pagingConfig) {
	f := cmd.Flags()
	port, _ := strconv.Atoi(envOr(env, "FIRELINE_SMTP_PORT", "587"))
	f.StringVar(&pc.PublicURL, "public-url", env.Getenv("FIRELINE_PUBLIC_URL"), "the server's URL as pagees reach it, for links in pages (env FIRELINE_PUBLIC_URL; default http://ADDR)")
	f.StringVar(&pc.SMTP.Host, "smtp-host", env.Getenv("FIRELINE_SMTP_HOST"), "SMTP relay for email pages (env FIRELINE_SMTP_HOST; none: no email)")
	f.IntVar(&pc.SMTP.Port, "smtp-port", port, "SMTP port (env FIRELINE_SMTP_PORT)")
	f.StringVar(&pc.SMTP.TLS, "smtp-tls", envOr(env, "FIRELINE_SMTP_TLS", email.TLSMandatory), "mandatory (STARTTLS), opportunistic, implicit (465) or none (env FIRELINE_SMTP_TLS)")
	f.StringVar(&pc.SMTP.Username, "smtp-username", env.Getenv("FIRELINE_SMTP_USERNAME"), "SMTP user; the password is read from FIRELINE_SMTP_PASSWORD")
	f.StringVar(&pc.SMTP.From, "smtp-from", env.Getenv("FIRELINE_SMTP_FROM"), "From address of email pages (env FIRELINE_SMTP_FROM)")
	f.StringVar(&pc.AllowOutbound, "allow-outbound", env.Getenv("FIRELINE_ALLOW_OUTBOUND"), "private CIDRs that pages and health probes may reach, e.g. 10.0.0.0/8 (env FIRELINE_ALLOW_OUTBOUND; default none)")
	lease, err := time.ParseDuration(envOr(env, "FIRELINE_JOB_LEASE", "30s"))
	if err != nil {
		lease = 30 * time.Second
	}
	f.DurationVar(&pc.JobLease, "job-lease", lease, "how long a claimed page or step is a replica's before another may take it over after a crash (env FIRELINE_JOB_LEASE)")
	pc.Getenv = env.Getenv
}

// paging is the running engine and job runner of a server.
type paging struct {
	engine *engine.Engine
	runner *jobs.Runner
	guard  *notify.Guard // outbound requests to user-configured URLs
	db     *sqlstore.DB
	dsn    string
	cfg    pagingConfig
	stop   context.CancelFunc
	done   chan struct{}
}

// newPaging builds the engine and its job runner, which joins the store
// through handoff (given to the store when it was opened); start runs it.
func newPaging(ctx context.Context, db *sqlstore.DB, handoff *jobs.Handoff, pol *fireline.Policy, cfg serveConfig, logger *slog.Logger) (*paging, error) {
	pc := cfg.Paging
	if pc.Getenv == nil {
		pc.Getenv = func(string) string { return "" }
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	key, err := linkKey(ctx, db, pc.Getenv("FIRELINE_SECRET_KEY"))
	if err != nil {
		return nil, err
	}
	allow, err := notify.ParseAllow(pc.AllowOutbound)
	if err != nil {
		return nil, fmt.Errorf("--allow-outbound: %w", err)
	}
	guard := &notify.Guard{Allow: allow}
	channels := map[fireline.ContactMethodType]notify.Channel{
		fireline.MethodWebhook: &webhook.Sender{Client: guard.HTTPClient(20 * time.Second), Now: now, Guard: guard, Secret: func(name string) (string, error) {
			if name == "" {
				name = fireline.DefaultWebhookSecretEnv
			}
			if s := pc.Getenv(name); s != "" {
				return s, nil
			}
			return "", fmt.Errorf("the webhook signing secret %s is not set", name)
		}},
	}
	if pc.SMTP.Host != "" {
		pc.SMTP.Password, pc.SMTP.Dial = pc.Getenv("FIRELINE_SMTP_PASSWORD"), guard.DialContext
		if err := pc.SMTP.Validate(); err != nil {
			return nil, err
		}
		channels[fireline.MethodEmail] = &email.Sender{Config: pc.SMTP, Guard: guard}
	}
	metrics := engine.NewMetrics()
	eng := &engine.Engine{Policy: pol, Store: pagingStore{sqlstore.NewPagingStore(db, pol)}, Channels: channels,
		Links: fireline.LinkSigner{Key: key}, BaseURL: pc.PublicURL, Now: now, Logger: logger, Metrics: metrics,
		GuideReviews: sqlstore.NewGuideReviewService(db, pol)}
	runner := jobs.NewRunner(db.Writer(), db.Dialect(), jobs.Options{Now: now, Logger: logger, Owner: pc.RunnerOwner, Lease: pc.JobLease,
		Reader: db.Reader(), OnFinish: metrics.JobFinished, Handoff: handoff, ClockOK: db.CheckClock})
	metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "fireline_clock_skew_seconds",
		Help: "How far the database's clock was ahead of this replica's at the last check (PostgreSQL; negative: behind)."},
		func() float64 { return db.LastClockSkew().Seconds() }))
	eng.Register(runner)
	// Customer email: confirmations, and public updates to subscribers.
	pageName := pol.Comms.Page.Name
	if pageName == "" {
		pageName = pol.Organization + " Status"
	}
	(&engine.Customers{Engine: eng, Subscribers: sqlstore.NewSubscriberService(db, pol), PageName: pageName}).Register(runner)
	return &paging{engine: eng, runner: runner, guard: guard, db: db, dsn: cfg.DB, cfg: pc}, nil
}

// pagingStore is sqlstore's paging store as the engine's Store: the same
// methods, with the transaction types the engine declares.
type pagingStore struct{ *sqlstore.PagingStore }

func (s pagingStore) IncidentTx(ctx context.Context, n int64, fn func(engine.IncidentTx, *fireline.Incident) error) error {
	return s.PagingStore.IncidentTx(ctx, n, func(tx *sqlstore.PageTx, inc *fireline.Incident) error { return fn(tx, inc) })
}

func (s pagingStore) JobTx(ctx context.Context, fn func(engine.JobTx) error) error {
	return s.PagingStore.JobTx(ctx, func(tx *sqlstore.Tx) error { return fn(tx) })
}

// RefreshStatistics makes the store an engine.StatisticsKeeper.
func (s pagingStore) RefreshStatistics(ctx context.Context) ([]string, error) {
	return s.DB().RefreshStatistics(ctx)
}

var _ engine.StatisticsKeeper = pagingStore{}

// integrationStore is intake's probe and heartbeat methods and the
// paging store's job transactions, as the prober's and the heartbeat
// checks' stores.
type integrationStore struct {
	*sqlstore.IntakeService
	jobs pagingStore
}

func (s integrationStore) JobTx(ctx context.Context, fn func(engine.JobTx) error) error {
	return s.jobs.JobTx(ctx, fn)
}

// runIntegrationChecks has the job runner run probe integrations' health
// checks (through intake and the outbound guard) and heartbeat
// integrations' checks for missed pings, and makes sure every heartbeat
// has its check pending.
func (p *paging) runIntegrationChecks(ctx context.Context, intake *sqlstore.IntakeService, logger *slog.Logger) error {
	store := integrationStore{intake, pagingStore{sqlstore.NewPagingStore(p.db, p.engine.Policy)}}
	pr := &engine.Prober{Store: store, Client: p.guard.HTTPClient(fireline.MaxProbeTimeout), Logger: logger,
		Metrics: p.engine.Metrics}
	pr.Register(p.runner)
	hb := &engine.Heartbeats{Store: store, Logger: logger}
	hb.Register(p.runner)
	return intake.ScheduleHeartbeats(ctx)
}

// linkKey is the key that signs acknowledge links and feed URLs:
// FIRELINE_SECRET_KEY when set (shared by replicas through their
// configuration), else one generated once and kept in the database.
func linkKey(ctx context.Context, db *sqlstore.DB, configured string) ([]byte, error) {
	if configured == "" {
		return db.ServerSecret(ctx, "link-signing-key")
	}
	if len(configured) < 32 {
		return nil, fmt.Errorf("FIRELINE_SECRET_KEY must be at least 32 characters")
	}
	if b, err := hex.DecodeString(configured); err == nil && len(b) >= 32 {
		return b, nil
	}
	sum := sha256.Sum256([]byte(configured))
	return sum[:], nil
}

// start runs the job runner (unless disabled) with baseURL as the default
// public URL.
func (p *paging) start(baseURL string) error {
	if p.engine.BaseURL == "" {
		p.engine.BaseURL = baseURL
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.stop, p.done = cancel, make(chan struct{})
	if p.cfg.NoJobRunner {
		close(p.done)
		return nil
	}
	if err := p.engine.StartPeriodic(ctx); err != nil {
		cancel()
		return err
	}
	go func() {
		defer close(p.done)
		go p.db.Listen(ctx, p.dsn, func() { p.runner.Wake(time.Time{}) })
		p.runner.Run(ctx)
	}()
	return nil
}

// reportReadiness logs, at start, what would stop a page reaching anyone
// (each problem naming its fix) and sets fireline_oncall_gaps. A server
// that cannot page still serves: intake, the console and oncall check are
// how the operator finds and fixes the problem, and /readyz stays about
// the database.
func (p *paging) reportReadiness(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := p.engine.ReportReadiness(ctx); err != nil {
		p.engine.Logger.Error("paging readiness could not be checked", "err", err)
	}
}

// Close stops the runner and waits for the jobs in flight.
func (p *paging) Close() {
	if p.stop != nil {
		p.stop()
		<-p.done
	}
}
