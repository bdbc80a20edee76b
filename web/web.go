package web

import (
	"context"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fireline-dev/fireline"
)

// Config is what the HTTP handler needs. Policy, Incidents, Tokens, Auth and
// Health are required.
type Config struct {
	Policy    *fireline.Policy
	Incidents fireline.IncidentService
	// Reviews reads post-incident reviews and action items; optional:
	// without it their read routes answer 503.
	Reviews fireline.ReviewService
	// Reports reads reports across incidents; optional: without it the
	// report routes answer 503.
	Reports fireline.ReportService
	// GuideReviews records the guide's own reviews; optional.
	GuideReviews fireline.GuideReviewService
	Tokens       fireline.TokenService
	Auth         fireline.Authenticator
	Health       fireline.HealthChecker
	Logger       *slog.Logger
	Now          func() time.Time // defaults to time.Now
	Version      string           // binary version, shown in OpenAPI info
	// Detection (web/intake.go); optional: without them intake answers 503.
	Integrations fireline.IntegrationService
	Alerts       fireline.AlertService
	Intake       fireline.IntakeService
	Maintenance  fireline.MaintenanceService
	// Outbound says whether the server's outbound guard refuses host (a
	// name or an address), so that a probe it would refuse is refused when
	// saved; optional: without it, only the probe's checks find out.
	Outbound func(ctx context.Context, host string) *fireline.OutboundRefusal
	// Paging (web/paging.go); optional: without OnCall its routes are absent.
	OnCall fireline.OnCallService
	Links  fireline.LinkSigner
	// Feeds serves calendar feeds of shifts; optional.
	Feeds fireline.FeedService
	// Metrics are further metrics served on /metrics (the paging engine's).
	Metrics prometheus.Gatherer
	// Web console (web/console*.go); optional: without Sessions nobody can
	// sign in, without Live the pages do not update by themselves.
	Users    fireline.UserService
	Sessions fireline.SessionService
	Live     fireline.ChangeFeed
	// Throttle keeps failed-login counts where every replica sees them;
	// optional: without it each process counts its own (ADR 0034).
	Throttle fireline.LoginThrottleStore
	// LiveRecheck is how often an open live stream checks its session and
	// what it may show again (default 10 s): a user disabled, logged out,
	// given another role or person stops getting what they may no longer
	// see within it.
	LiveRecheck time.Duration
	// Status reads what the status pages show (web/status_public.go,
	// web/comms.go); optional: without it they answer 503.
	Status fireline.StatusService
	// StatusCache keeps the public page's documents until the store
	// publishes a change; optional: without it the handler keeps its own,
	// which only time invalidates.
	StatusCache *StatusCache
	// Subscribers keeps customers' email subscriptions (web/status_subscribe.go);
	// optional: without it the public page offers none.
	Subscribers fireline.SubscriberService
	// SubscriberAdmin imports, lists and removes subscribers for
	// administrators (web/subscribers_api.go); optional: without it those
	// routes answer 503.
	SubscriberAdmin fireline.SubscriberAdmin
	// PublicURL is the server's public URL, for the status page's links
	// when the policy names none; optional: the request's host.
	PublicURL string
	// Audit reads the audit log (web/audit.go); optional: without it
	// its routes answer 503.
	Audit fireline.AuditService
	// Slack serves Slack's requests (slackapp.Inbound); optional: without
	// it they answer 401 (nothing can verify them).
	Slack SlackInbound
	// Evidence keeps security incidents' evidence (web/evidence.go);
	// optional: without it its routes answer 503. MaxEvidenceBytes caps
	// one file (fireline.DefaultMaxEvidenceBytes when 0).
	Evidence         fireline.EvidenceService
	MaxEvidenceBytes int64
	// PlaybookUsage reads how playbooks were used (web/playbooks.go);
	// optional: without it playbook pages answer 503.
	PlaybookUsage fireline.PlaybookUsageService
	// Tracker pushes action items to GitHub Issues and takes its webhook
	// (web/tracker.go); TrackerSecret verifies the webhook's deliveries.
	// Optional: without them pushing answers 503 and the webhook 401.
	Tracker       fireline.TrackerService
	TrackerSecret string
	// Limits cap the request rate of each API token, console session and
	// client address (web/ratelimit.go); the zero value limits nothing.
	Limits RequestLimits
}

// handler serves every route. It holds no state beyond its configuration,
// its routes and its metrics.
type handler struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	router  *router
	api     huma.API
	metrics *httpMetrics
	root    http.Handler
	openapi []byte
	intake  *intakeState // web/intake.go
	views   *views       // web/console_views.go
	// throttle counts failed console logins (web/console_throttle.go).
	throttle *loginThrottle
	// limiter limits request rates (web/ratelimit.go).
	limiter *requestLimiter
	// The public status page (web/status_public.go).
	publicViews *publicViews
	statusCache *StatusCache
	// reportDoc is the incident report's print-ready page (web/report.go).
	reportDoc *template.Template
	// reportCache keeps the report the metrics' gauges show (web/metrics_report.go).
	reportCache reportCache
}

// NewHandler returns the handler for every route: the JSON API, the OpenAPI
// document, health, readiness and metrics. It panics when a required
// service is missing or a route is declared without a role.
func NewHandler(cfg Config) http.Handler {
	if cfg.Policy == nil || cfg.Incidents == nil || cfg.Tokens == nil || cfg.Auth == nil || cfg.Health == nil {
		panic("web: Config needs Policy, Incidents, Tokens, Auth and Health")
	}
	h := &handler{cfg: cfg, log: cfg.Logger, now: cfg.Now, metrics: newHTTPMetrics(), throttle: newLoginThrottle(cfg.Throttle)}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.limiter = newRequestLimiter(cfg.Limits, h.metrics.registry)
	h.router = newRouter(h.authorize)
	h.router.sessionAuth, h.router.limit, h.views = h.authorizeSession, h.limitRoute, mustParseViews(cfg.Policy)
	h.router.refuse = h.refuse
	h.reportDoc = mustParseReport(cfg.Policy)
	h.api = humago.New(h.router, apiConfig(cfg.Version))
	h.routes()
	spec, err := json.Marshal(h.api.OpenAPI())
	if err != nil {
		panic("web: cannot marshal the OpenAPI document: " + err.Error())
	}
	h.openapi = spec
	h.root = h.instrument(h.router)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.root.ServeHTTP(w, r) }

// Routes lists every route of a handler made by NewHandler, in the order
// routes.go declares them, with the role each needs. It returns nil for any
// other handler.
func Routes(h http.Handler) []Route {
	if wh, ok := h.(*handler); ok {
		return slices.Clone(wh.router.routes)
	}
	return nil
}

// apiConfig configures huma: OpenAPI 3.1, JSON only, bearer auth, and none
// of huma's own routes or response rewriting ($schema links), so that every
// route goes through routes.go and bodies carry exactly the domain's fields.
func apiConfig(version string) huma.Config {
	if version == "" {
		version = "dev"
	}
	return huma.Config{
		OpenAPI: &huma.OpenAPI{
			OpenAPI: "3.1.0",
			Info: &huma.Info{
				Title:   "Fireline API",
				Version: version,
				Description: "Fireline's incident response API. Every operation needs an API token " +
					"(`Authorization: Bearer fl_...`) whose role includes the operation's " +
					"`x-fireline-role` (viewer < responder < admin). Errors are RFC 9457 " +
					"`application/problem+json`. Incidents are addressed by their human id, e.g. `INC-42`. " +
					"Each token may make a number of requests a second (the server's `--api-rate` and `--api-burst`); " +
					"more are answered 429 with `Retry-After` in seconds.",
			},
			Components: &huma.Components{
				Schemas: huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer),
				SecuritySchemes: map[string]*huma.SecurityScheme{
					"bearer": {Type: "http", Scheme: "bearer", Description: "An API token, fl_ followed by random characters."},
				},
			},
		},
		Formats: map[string]huma.Format{
			"application/json": huma.DefaultJSONFormat,
			"json":             huma.DefaultJSONFormat,
		},
		DefaultFormat: "application/json",
	}
}

// serveOpenAPI writes the OpenAPI document, generated once at start.
func (h *handler) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/openapi+json")
	w.Write(h.openapi)
}
