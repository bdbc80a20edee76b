package main

// expectedStatuspage are the Statuspage v2 documents of the public
// scenario (startPublicScenario), written out by hand from Atlassian's
// documented format (docs/communications.md lists the fields): a page,
// components (groups with their members' ids), incidents with their
// updates and affected components, scheduled maintenances, and the
// status worded from the worst component. Templates fill in the ids the
// server chose, its URL and the scenario's instants.
var expectedStatuspage = func() map[string]string {
	defs := `
{{define "page"}}{"id":"berrysstatus","name":"Berrys.ai Status","url":"{{.Base}}","time_zone":"America/New_York","updated_at":"{{.T5}}"}{{end}}
{{define "member"}}"created_at":"{{.Since}}","start_date":null,"page_id":"berrysstatus","group":false,"only_show_if_degraded":false,"showcase":true{{end}}
{{define "api"}}{"id":"{{index .ID "API Gateway"}}","name":"API Gateway","status":"partial_outage","updated_at":"{{.T5}}","position":2,
  "description":"Entry point for all API traffic; authentication, routing and rate limiting.","group_id":"{{index .ID "Platform"}}",{{template "member" .}}}{{end}}
{{define "auth"}}{"id":"{{index .ID "Auth Service"}}","name":"Auth Service","status":"operational","updated_at":"{{.Since}}","position":3,
  "description":"User and service authentication, sessions and API keys.","group_id":"{{index .ID "Platform"}}",{{template "member" .}}}{{end}}
{{define "components"}}[
 {"id":"{{index .ID "Platform"}}","name":"Platform","status":"partial_outage","created_at":"{{.Since}}","updated_at":"{{.T5}}","position":1,
  "description":null,"showcase":false,"start_date":null,"group_id":null,"page_id":"berrysstatus","group":true,"only_show_if_degraded":false,
  "components":["{{index .ID "API Gateway"}}","{{index .ID "Auth Service"}}","{{index .ID "Web Dashboard"}}"]},
 {{template "api" .}},
 {{template "auth" .}},
 {"id":"{{index .ID "Web Dashboard"}}","name":"Web Dashboard","status":"operational","updated_at":"{{.Since}}","position":4,
  "description":"The browser interface for users and administrators.","group_id":"{{index .ID "Platform"}}",{{template "member" .}}},
 {"id":"{{index .ID "Agents"}}","name":"Agents","status":"operational","created_at":"{{.Since}}","updated_at":"{{.Since}}","position":5,
  "description":null,"showcase":false,"start_date":null,"group_id":null,"page_id":"berrysstatus","group":true,"only_show_if_degraded":false,
  "components":["{{index .ID "Agent Orchestrator"}}","{{index .ID "Model Orchestration"}}"]},
 {"id":"{{index .ID "Agent Orchestrator"}}","name":"Agent Orchestrator","status":"operational","updated_at":"{{.Since}}","position":6,
  "description":"Schedules agents, routes their work and tracks their state.","group_id":"{{index .ID "Agents"}}",{{template "member" .}}},
 {"id":"{{index .ID "Model Orchestration"}}","name":"Model Orchestration","status":"operational","updated_at":"{{.Since}}","position":7,
  "description":"Routes requests to language model providers and manages model fallbacks.","group_id":"{{index .ID "Agents"}}",{{template "member" .}}}
]{{end}}
{{define "incidents"}}[{"id":"{{.ID.incident}}","name":"Elevated API errors","status":"identified","created_at":"{{.T0}}","updated_at":"{{.T5}}",
  "monitoring_at":null,"resolved_at":null,"impact":"major","shortlink":"{{.Base}}/status/incidents/{{.ID.incident}}","started_at":"{{.T0}}",
  "page_id":"berrysstatus",
  "incident_updates":[{"id":"{{.ID.update}}","status":"identified","body":"We found the cause of elevated API errors and are rolling back.",
    "incident_id":"{{.ID.incident}}","created_at":"{{.T5}}","updated_at":"{{.T5}}","display_at":"{{.T5}}",
    "affected_components":[{"code":"{{index .ID "API Gateway"}}","name":"API Gateway","old_status":"operational","new_status":"partial_outage"}]}],
  "components":[{{template "api" .}}]}]{{end}}
{{define "maintenances"}}[{"id":"{{.ID.maintenance}}","name":"Auth database upgrade","status":"scheduled","created_at":"{{.T5}}","updated_at":"{{.T5}}",
  "monitoring_at":null,"resolved_at":null,"impact":"maintenance","shortlink":"{{.Base}}/status","started_at":"{{.M0}}","page_id":"berrysstatus",
  "scheduled_for":"{{.M0}}","scheduled_until":"{{.M1}}",
  "incident_updates":[{"id":"{{index .ID "maintenance-update"}}","status":"scheduled","body":"Auth database upgrade","incident_id":"{{.ID.maintenance}}",
    "created_at":"{{.T5}}","updated_at":"{{.T5}}","display_at":"{{.T5}}","affected_components":[]}],
  "components":[{{template "auth" .}}]}]{{end}}
{{define "status"}}{"indicator":"minor","description":"Minor Service Outage"}{{end}}
`
	docs := map[string]string{
		"summary.json": `{"page":{{template "page" .}},"components":{{template "components" .}},"incidents":{{template "incidents" .}},
			"scheduled_maintenances":{{template "maintenances" .}},"status":{{template "status" .}}}`,
		"status.json":                          `{"page":{{template "page" .}},"status":{{template "status" .}}}`,
		"components.json":                      `{"page":{{template "page" .}},"components":{{template "components" .}}}`,
		"incidents.json":                       `{"page":{{template "page" .}},"incidents":{{template "incidents" .}}}`,
		"incidents/unresolved.json":            `{"page":{{template "page" .}},"incidents":{{template "incidents" .}}}`,
		"scheduled-maintenances.json":          `{"page":{{template "page" .}},"scheduled_maintenances":{{template "maintenances" .}}}`,
		"scheduled-maintenances/upcoming.json": `{"page":{{template "page" .}},"scheduled_maintenances":{{template "maintenances" .}}}`,
		"scheduled-maintenances/active.json":   `{"page":{{template "page" .}},"scheduled_maintenances":[]}`,
	}
	for k, v := range docs {
		docs[k] = defs + v
	}
	return docs
}()
