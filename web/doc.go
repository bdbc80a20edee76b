// Package web is all of Fireline's HTTP: the routes (declared in one file,
// each with the role it needs), the JSON API under /api/v1 with its OpenAPI
// 3.1 document generated from the code, bearer-token authentication,
// RFC 9457 problem+json errors, health and readiness probes, Prometheus
// metrics, request logging, and Client, the API over HTTP that the CLI uses.
//
// It speaks only the root package's service interfaces (fireline.IncidentService,
// fireline.TokenService, fireline.Authenticator, fireline.HealthChecker) and
// never imports sqlstore, engine, policy or cmd. It sets no http.Server
// options: the binary owns the server.
package web
