package web

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fireline-dev/fireline"
)

// publicRoutes are the only routes that need no token. Every other route
// names its role below; router.declare panics on one that does not.
var publicRoutes = []string{
	"GET /healthz",
	"GET /readyz",
	"GET /api/v1/openapi.json",
	// Signed inbound webhooks: no API token, but each request must carry
	// an integration key (bearer, X-Fireline-Key, basic-auth password,
	// PagerDuty routing_key, or the heartbeat path) and, when the
	// integration is set to, an HMAC signature. web/intake.go checks them.
	"POST /integrations/alertmanager",
	"POST /integrations/grafana",
	"PUT /integrations/grafana",
	"POST /integrations/generic",
	"POST /v2/enqueue",
	"POST /v2/change/enqueue",
	"GET /heartbeat/{key}",
	"POST /heartbeat/{key}",
	// Slack (web/slack.go): no token, but each request must carry Slack's
	// v0 signature, made with the app's signing secret within 5 minutes.
	"POST /integrations/slack/events",
	"POST /integrations/slack/commands",
	"POST /integrations/slack/interactions",
	// GitHub's webhook (web/tracker.go): no token, but each delivery must
	// carry X-Hub-Signature-256 made with the tracker's webhook secret.
	"POST /hooks/github",
	// Web console sign-in: the forms and what they post to (POST /login
	// checks the password, POST /login/link redeems a one-time link; GET
	// /login/link only shows a button, so that link scanners cannot use
	// it), logout (ends the cookie's session, if any), and the console's
	// own CSS and script. All are behind http.CrossOriginProtection.
	"GET /login",
	"POST /login",
	"GET /login/link",
	"POST /login/link",
	"POST /logout",
	"GET /static/{file}",
	// Acknowledge links in pages (web/paging.go): no token, but the path
	// carries an HMAC-signed, expiring token naming the incident and the
	// person. GET only shows a confirmation; the POST acknowledges.
	"GET /ack/{token}",
	"POST /ack/{token}",
	// Calendar feeds of on-call shifts (web/paging.go): the path carries
	// an HMAC-signed token naming the schedule or person.
	"GET /feeds/{token}",
	// The public status page, its history feeds and Atlassian
	// Statuspage-compatible JSON (web/status_public.go): built only from
	// published updates of unrestricted incidents and public maintenance.
	"GET /status",
	"GET /status/history",
	"GET /status/incidents/{id}",
	"GET /status/incidents/{id}/postmortem",
	"GET /history.atom",
	"GET /history.rss",
	"GET /api/v2/summary.json",
	"GET /api/v2/status.json",
	"GET /api/v2/components.json",
	"GET /api/v2/incidents.json",
	"GET /api/v2/incidents/unresolved.json",
	"GET /api/v2/scheduled-maintenances.json",
	"GET /api/v2/scheduled-maintenances/upcoming.json",
	"GET /api/v2/scheduled-maintenances/active.json",
	// Customer email (web/status_subscribe.go): a subscription form, and
	// signed links that confirm (double opt-in) and unsubscribe (RFC 8058
	// one-click: the POST needs no cookie). GET only shows a button, so
	// that link scanners change nothing.
	"POST /status/subscribe",
	"GET /status/subscribe/{token}",
	"POST /status/subscribe/{token}",
	"GET /status/unsubscribe/{token}",
	"POST /status/unsubscribe/{token}",
}

// Roles, short for the table below.
const (
	viewer    = fireline.RoleViewer    // reads
	responder = fireline.RoleResponder // works incidents
	admin     = fireline.RoleAdmin     // manages tokens
)

// routes declares every route: its method and pattern, the role it needs
// and its handler.
func (h *handler) routes() {
	rt := h.router
	rt.public("GET /healthz", h.healthz)
	rt.public("GET /readyz", h.readyz)
	rt.public("GET /api/v1/openapi.json", h.serveOpenAPI)
	rt.page("GET /metrics", viewer, h.serveMetrics)

	// Incidents.
	operation(h, viewer, get("/incidents", "list-incidents", "List incidents", "incidents"), h.listIncidents)
	operation(h, responder, post("/incidents", "declare-incident", "Declare an incident", "incidents", http.StatusCreated), h.declareIncident)
	operation(h, viewer, get("/incidents/{id}", "get-incident", "Get an incident", "incidents"), h.getIncident)
	operation(h, viewer, get("/incidents/{id}/timeline", "get-timeline", "Get an incident's timeline", "incidents"), h.getTimeline)
	operation(h, viewer, get("/incidents/{id}/export", "export-incident", "Export an incident with its verifiable timeline", "incidents"), h.exportIncident)
	operation(h, viewer, get("/incidents/{id}/verify", "verify-incident", "Check the stored timeline in place: hash chain and replayed state", "incidents"), h.verifyIncident)
	operation(h, viewer, get("/incident-counts", "count-incidents", "Count incidents by severity and status", "incidents"), h.countIncidents)

	// Actions on an incident.
	operation(h, responder, post("/incidents/{id}/acknowledge", "acknowledge-incident", "Acknowledge", "actions", 0), h.acknowledge)
	operation(h, responder, post("/incidents/{id}/severity", "change-severity", "Change severity", "actions", 0), h.changeSeverity)
	operation(h, responder, post("/incidents/{id}/roles", "assign-role", "Assign a response role", "actions", 0), h.assignRole)
	operation(h, responder, del("/incidents/{id}/roles/{role}/{person}", "unassign-role", "Unassign a response role", "actions", http.StatusOK), h.unassignRole)
	operation(h, responder, post("/incidents/{id}/stage", "change-stage", "Change stage", "actions", 0), h.changeStage)
	operation(h, responder, post("/incidents/{id}/notes", "add-note", "Add a note, finding, decision or mitigation step", "actions", 0), h.addNote)
	operation(h, responder, patch("/incidents/{id}", "update-incident", "Update title, description, impact, scope, services or ETA", "actions"), h.updateIncident)
	operation(h, responder, post("/incidents/{id}/escalate", "escalate-incident", "Escalate: page a person or a chain step", "actions", 0), h.escalate)
	operation(h, responder, post("/incidents/{id}/page", "page-incident", "Page again: a person, a step of the walk, or the primary on-call", "actions", 0), h.page)
	operation(h, responder, post("/incidents/{id}/resolve", "resolve-incident", "Resolve", "actions", 0), h.resolve)
	operation(h, responder, post("/incidents/{id}/reopen", "reopen-incident", "Reopen", "actions", 0), h.reopen)
	operation(h, responder, post("/incidents/{id}/members", "add-member", "Add a member", "actions", 0), h.addMember)

	// The checklist: playbooks attached, steps checked (web/checklist_api.go).
	h.checklistRoutes()

	// Post-incident reviews and action items (web/review_api.go).
	h.reviewRoutes()

	// Reports across incidents (web/report_api.go).
	h.reportRoutes()

	// The guide's own quarterly review (web/guide_review_api.go).
	h.guideReviewRoutes()

	// The policy and the caller.
	operation(h, viewer, get("/policy", "get-policy", "Get the policy", "policy"), h.getPolicy)
	operation(h, viewer, get("/people", "list-people", "List the people in the policy's directory", "policy"), h.listPeople)
	operation(h, viewer, get("/services", "list-services", "List the policy's services", "policy"), h.listServices)
	operation(h, viewer, get("/me", "get-me", "Who the token acts as", "auth"), h.me)

	// API tokens.
	operation(h, admin, post("/tokens", "create-token", "Create an API token", "tokens", http.StatusCreated), h.createToken)
	operation(h, admin, get("/tokens", "list-tokens", "List API tokens", "tokens"), h.listTokens)
	operation(h, admin, del("/tokens/{id}", "revoke-token", "Revoke an API token", "tokens", http.StatusNoContent), h.revokeToken)

	// Detection: webhook intake, integrations, alerts, maintenance (web/intake.go, web/alerts_api.go).
	h.intakeRoutes()

	// Console users (web/users_api.go).
	operation(h, admin, post("/users", "create-user", "Create a console user; returns a one-time login link", "users", http.StatusCreated), h.createUser)
	operation(h, admin, get("/users", "list-users", "List console users", "users"), h.listUsers)
	operation(h, admin, post("/users/{id}/role", "set-user-role", "Set a console user's role (id or email)", "users", 0), h.setUserRole)
	operation(h, admin, post("/users/{id}/person", "set-user-person", "Change the person a console user acts as (id or email)", "users", 0), h.setUserPerson)
	operation(h, admin, post("/users/{id}/disable", "disable-user", "Disable a console user and end their sessions", "users", 0), h.disableUser)
	operation(h, admin, post("/users/{id}/login-link", "create-login-link", "Issue a one-time login link", "users", http.StatusCreated), h.createLoginLink)

	// The audit log: admins only (web/audit.go).
	operation(h, admin, get("/audit", "list-audit", "List the audit log, newest first", "audit"), h.listAudit)
	operation(h, admin, get("/audit/export", "export-audit", "Export the whole audit log with its hash chain", "audit"), h.exportAudit)
	operation(h, admin, get("/audit/verify", "verify-audit", "Check the stored audit log in place: numbering, links and hashes up to the head", "audit"), h.verifyAudit)

	h.consoleRoutes(rt)

	// Paging: on-call, overrides, readiness, test pages, acknowledge links (web/paging.go).
	h.pagingRoutes(rt)

	// Communications: public updates, the internal status page (web/comms.go)
	// and the public status page (web/status_public.go).
	h.commsRoutes(rt)
	h.statusRoutes(rt)
	h.subscriberRoutes()

	// Slack's events, slash commands and interactions (web/slack.go).
	h.slackRoutes(rt)

	// Security incidents: evidence, the regulator told (web/evidence.go).
	h.securityRoutes(rt)

	// Action items tracked in GitHub Issues (web/tracker.go).
	h.trackerRoutes(rt)
}

// consoleRoutes declares the web console: server-rendered pages that sign
// in with a session cookie (web/console*.go). GET never changes anything;
// every change is a POST behind http.CrossOriginProtection.
func (h *handler) consoleRoutes(rt *router) {
	rt.console("GET /login", "", h.loginPage)
	rt.console("POST /login", "", h.login)
	rt.console("GET /login/link", "", h.loginLinkPage)
	rt.console("POST /login/link", "", h.redeemLoginLink)
	rt.console("POST /logout", "", h.logout)
	rt.console("GET /static/{file}", "", h.static)

	rt.console("GET /{$}", viewer, h.dashboard)
	rt.console("GET /incidents", viewer, h.incidentList)
	rt.console("GET /incidents/{id}", viewer, h.incidentPage)
	rt.console("GET /guide", viewer, h.guidePage)
	rt.console("GET /account", viewer, h.accountPage)
	rt.console("POST /account/password", viewer, h.setPassword)
	rt.console("GET /live/dashboard", viewer, h.liveDashboard)
	rt.console("GET /live/incidents/{id}", viewer, h.liveIncident)

	rt.console("GET /incidents/new", responder, h.declarePage)
	rt.console("POST /incidents", responder, h.declare)
	rt.console("POST /incidents/{id}/acknowledge", responder, h.formAcknowledge)
	rt.console("POST /incidents/{id}/severity", responder, h.formSeverity)
	rt.console("POST /incidents/{id}/stage", responder, h.formStage)
	rt.console("POST /incidents/{id}/roles", responder, h.formAssignRole)
	rt.console("POST /incidents/{id}/commander", responder, h.formTakeCommand)
	rt.console("POST /incidents/{id}/notes", responder, h.formNote)
	rt.console("POST /incidents/{id}/update", responder, h.formUpdate)
	rt.console("POST /incidents/{id}/escalate", responder, h.formEscalate)
	rt.console("POST /incidents/{id}/page", responder, h.formPageAgain)
	rt.console("POST /incidents/{id}/resolve", responder, h.formResolve)
	rt.console("POST /incidents/{id}/reopen", responder, h.formReopen)
	rt.console("POST /incidents/{id}/checklist/check", responder, h.formCheckStep)
	rt.console("POST /incidents/{id}/checklist/uncheck", responder, h.formUncheckStep)
	rt.console("POST /incidents/{id}/playbooks", responder, h.formAttachPlaybook)
	rt.console("POST /incidents/{id}/playbooks/{playbook}/detach", responder, h.formDetachPlaybook)

	// Post-incident reviews and action items (web/console_review.go).
	rt.console("GET /incidents/{id}/review", viewer, h.reviewPage)
	rt.console("GET /incidents/{id}/review.md", viewer, h.reviewMarkdown)
	rt.console("GET /incidents/{id}/review/print", viewer, h.reviewPrint)
	rt.console("GET /action-items", viewer, h.actionItemsPage)
	rt.console("GET /reports", viewer, h.reportsPage) // web/console_report.go
	rt.console("POST /incidents/{id}/review", responder, h.formEditReview)
	rt.console("POST /incidents/{id}/review/schedule", responder, h.formScheduleReview)
	rt.console("POST /incidents/{id}/review/owner", responder, h.formReviewOwner)
	rt.console("POST /incidents/{id}/review/star", responder, h.formStarEvent)
	rt.console("POST /incidents/{id}/review/approve", responder, h.formApproveReview)
	rt.console("POST /incidents/{id}/review/request", responder, h.formRequestReview)
	rt.console("POST /incidents/{id}/review/unschedule", responder, h.formUnscheduleReview)
	rt.console("POST /incidents/{id}/review/publish", responder, h.formPublishReview)
	rt.console("POST /incidents/{id}/action-items", responder, h.formAddActionItem)
	rt.console("POST /incidents/{id}/action-items/{item}", responder, h.formUpdateActionItem)

	rt.console("GET /admin/users", admin, h.usersPage)
	rt.console("POST /admin/users", admin, h.formCreateUser)
	rt.console("POST /admin/users/{id}/role", admin, h.formSetUserRole)
	rt.console("POST /admin/users/{id}/person", admin, h.formSetUserPerson)
	rt.console("POST /admin/users/{id}/disable", admin, h.formDisableUser)
	rt.console("GET /admin/integrations", admin, h.integrationsPage)
	rt.console("POST /admin/integrations", admin, h.formCreateIntegration)
	rt.console("POST /admin/integrations/{id}/rotate", admin, h.formRotateIntegration)
	rt.console("POST /admin/integrations/{id}/delete", admin, h.formDeleteIntegration)
	rt.console("GET /admin/audit", admin, h.auditPage)
}

func get(path, id, summary, tag string) huma.Operation {
	return huma.Operation{Method: http.MethodGet, Path: path, OperationID: id, Summary: summary, Tags: []string{tag}}
}

func post(path, id, summary, tag string, status int) huma.Operation {
	return huma.Operation{Method: http.MethodPost, Path: path, OperationID: id, Summary: summary, Tags: []string{tag}, DefaultStatus: status}
}

func patch(path, id, summary, tag string) huma.Operation {
	return huma.Operation{Method: http.MethodPatch, Path: path, OperationID: id, Summary: summary, Tags: []string{tag}}
}

func put(path, id, summary, tag string) huma.Operation {
	return huma.Operation{Method: http.MethodPut, Path: path, OperationID: id, Summary: summary, Tags: []string{tag}}
}

func del(path, id, summary, tag string, status int) huma.Operation {
	return huma.Operation{Method: http.MethodDelete, Path: path, OperationID: id, Summary: summary, Tags: []string{tag}, DefaultStatus: status}
}
