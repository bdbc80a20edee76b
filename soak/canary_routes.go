package soak

// consoleGets are the console's and the public pages' GET routes
// (web/routes.go, web/comms.go and web/status_*.go declare them; the API
// under /api/v1 comes from the OpenAPI document instead). {id} is the
// restricted incident. The hunt also follows every link the pages show,
// so a page missing here is still found if anything links to it.
var consoleGets = []string{
	"/", "/incidents", "/incidents?q={word}", "/incidents?status=all&q={word}", "/incidents/{id}",
	"/incidents/{id}/review", "/incidents/{id}/review.md", "/incidents/{id}/review/print",
	"/live/dashboard", "/live/incidents/{id}", "/guide", "/account", "/action-items", "/incidents/new",
	"/admin/users", "/admin/integrations", "/metrics", "/status/internal",
	"/status", "/status/history", "/status/incidents/{id}", "/status/incidents/{id}/postmortem", "/history.atom", "/history.rss",
	"/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json", "/api/v2/incidents.json",
	"/api/v2/incidents/unresolved.json", "/api/v2/scheduled-maintenances.json",
	"/api/v2/scheduled-maintenances/upcoming.json", "/api/v2/scheduled-maintenances/active.json",
	"/login", "/healthz", "/readyz",
	"/reports", "/admin/audit", "/incidents/{id}/report", "/incidents/{id}/report.md", "/incidents/{id}/evidence/{ref}",
	"/playbooks/security-incident", "/playbooks/database-performance",
}

// consolePosts are the console's form posts to an incident ({number}
// and {item} are 1, {playbook} a playbook's id); the hunt sends each an
// empty form, which a viewer, a non-member or nobody must be refused
// without a word of the incident.
var consolePosts = []string{
	"/incidents", "/incidents/{id}/acknowledge", "/incidents/{id}/severity", "/incidents/{id}/stage",
	"/incidents/{id}/roles", "/incidents/{id}/commander", "/incidents/{id}/notes", "/incidents/{id}/update",
	"/incidents/{id}/escalate", "/incidents/{id}/page", "/incidents/{id}/resolve", "/incidents/{id}/reopen",
	"/incidents/{id}/checklist/check", "/incidents/{id}/checklist/uncheck", "/incidents/{id}/playbooks",
	"/incidents/{id}/review", "/incidents/{id}/review/schedule", "/incidents/{id}/review/owner",
	"/incidents/{id}/review/star", "/incidents/{id}/review/approve", "/incidents/{id}/review/request",
	"/incidents/{id}/review/unschedule", "/incidents/{id}/review/publish",
	"/incidents/{id}/action-items", "/incidents/{id}/public-updates",
	"/incidents/{id}/public-updates/{number}/approve", "/incidents/{id}/public-updates/{number}/reject",
	"/incidents/{id}/playbooks/{playbook}/detach", "/incidents/{id}/action-items/{item}", "/incidents/{id}/action-items/{item}/push",
	"/incidents/{id}/evidence", "/incidents/{id}/regulator", "/incidents/{id}/checklist/add",
}
