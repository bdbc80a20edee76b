// Package web is all of Fireline's HTTP: the routes (declared in one file,
// each with the role it needs), the JSON API under /api/v1 with its OpenAPI
// 3.1 document generated from the code, bearer-token authentication,
// RFC 9457 problem+json errors, request-rate limits per token, session and
// address (ratelimit.go), health and readiness probes, Prometheus metrics,
// request logging, and Client, the API over HTTP that the CLI uses.
//
// It also serves the web console (console*.go): server-rendered pages from
// embedded html/template files (templates/), our own small stylesheet and
// script (static/), session-cookie sign-in (password or one-time link),
// form handlers that call the same services as the API, and server-sent
// event streams fed by a fireline.ChangeFeed.
//
// And the status pages: the public page at /status with its history feeds
// and Atlassian Statuspage v2 JSON under /api/v2/ (status_public.go,
// statuspage.go, status_feeds.go), rendered from a StatusService's public
// record and kept in a StatusCache that committed changes invalidate;
// the internal status page and the public updates API (comms.go).
//
// And the audit log for admins (audit.go, console_audit.go): its API, its
// export, its console page; every request carries its peer address into
// the services (fireline.NewContextWithAddress) for the log's entries.
//
// It speaks only the root package's service interfaces (IncidentService,
// TokenService, Authenticator, HealthChecker, OnCallService, IntakeService,
// UserService and the rest, wired in web.Config) and never imports
// sqlstore, engine, policy or cmd. It sets no http.Server options: the
// binary owns the server.
package web
