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
	operation(h, viewer, get("/incident-counts", "count-incidents", "Count incidents by severity and status", "incidents"), h.countIncidents)

	// Actions on an incident.
	operation(h, responder, post("/incidents/{id}/acknowledge", "acknowledge-incident", "Acknowledge", "actions", 0), h.acknowledge)
	operation(h, responder, post("/incidents/{id}/severity", "change-severity", "Change severity", "actions", 0), h.changeSeverity)
	operation(h, responder, post("/incidents/{id}/roles", "assign-role", "Assign a response role", "actions", 0), h.assignRole)
	operation(h, responder, del("/incidents/{id}/roles/{role}/{person}", "unassign-role", "Unassign a response role", "actions", http.StatusOK), h.unassignRole)
	operation(h, responder, post("/incidents/{id}/stage", "change-stage", "Change stage", "actions", 0), h.changeStage)
	operation(h, responder, post("/incidents/{id}/notes", "add-note", "Add a note, finding, decision or mitigation step", "actions", 0), h.addNote)
	operation(h, responder, patch("/incidents/{id}", "update-incident", "Update title, description, impact, scope, services or ETA", "actions"), h.updateIncident)
	operation(h, responder, post("/incidents/{id}/escalate", "escalate-incident", "Escalate", "actions", 0), h.escalate)
	operation(h, responder, post("/incidents/{id}/resolve", "resolve-incident", "Resolve", "actions", 0), h.resolve)
	operation(h, responder, post("/incidents/{id}/reopen", "reopen-incident", "Reopen", "actions", 0), h.reopen)
	operation(h, responder, post("/incidents/{id}/members", "add-member", "Add a member", "actions", 0), h.addMember)

	// The policy and the caller.
	operation(h, viewer, get("/policy", "get-policy", "Get the policy", "policy"), h.getPolicy)
	operation(h, viewer, get("/people", "list-people", "List the people in the policy's directory", "policy"), h.listPeople)
	operation(h, viewer, get("/services", "list-services", "List the policy's services", "policy"), h.listServices)
	operation(h, viewer, get("/me", "get-me", "Who the token acts as", "auth"), h.me)

	// API tokens.
	operation(h, admin, post("/tokens", "create-token", "Create an API token", "tokens", http.StatusCreated), h.createToken)
	operation(h, admin, get("/tokens", "list-tokens", "List API tokens", "tokens"), h.listTokens)
	operation(h, admin, del("/tokens/{id}", "revoke-token", "Revoke an API token", "tokens", http.StatusNoContent), h.revokeToken)
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

func del(path, id, summary, tag string, status int) huma.Operation {
	return huma.Operation{Method: http.MethodDelete, Path: path, OperationID: id, Summary: summary, Tags: []string{tag}, DefaultStatus: status}
}
