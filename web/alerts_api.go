package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// alertAPIRoutes adds the API of integrations, alert history and
// maintenance windows.
func (h *handler) alertAPIRoutes() {
	operation(h, admin, post("/integrations", "create-integration", "Create an integration; its key is shown once", "integrations", http.StatusCreated), h.createIntegration)
	operation(h, admin, get("/integrations", "list-integrations", "List integrations", "integrations"), h.listIntegrations)
	operation(h, admin, post("/integrations/{id}/rotate", "rotate-integration-key", "Issue a new key; the old one works for a grace period", "integrations", 0), h.rotateIntegration)
	operation(h, admin, del("/integrations/{id}", "delete-integration", "Delete an integration", "integrations", http.StatusNoContent), h.deleteIntegration)
	operation(h, viewer, get("/alerts", "list-alerts", "List alerts, newest first", "alerts"), h.listAlerts)
	operation(h, viewer, get("/incidents/{id}/alerts", "list-incident-alerts", "List an incident's alerts with their state", "alerts"), h.listIncidentAlerts)
	operation(h, viewer, get("/maintenance-windows", "list-maintenance", "List maintenance windows that have not ended", "maintenance"), h.listMaintenance)
	operation(h, responder, post("/maintenance-windows", "create-maintenance", "Schedule a maintenance window", "maintenance", http.StatusCreated), h.createMaintenance)
	operation(h, responder, del("/maintenance-windows/{id}", "delete-maintenance", "Cancel a maintenance window", "maintenance", http.StatusNoContent), h.deleteMaintenance)
}

func unconfigured() error {
	return fireline.Errorf(fireline.EUnavailable, "alert intake is not configured on this server")
}

type integrationInput struct {
	jsonBody[fireline.IntegrationInput]
}

type createdIntegrationOutput struct {
	Body *fireline.CreatedIntegration
}

func (h *handler) createIntegration(ctx context.Context, in *integrationInput) (*createdIntegrationOutput, error) {
	if h.cfg.Integrations == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	ci, err := h.saveIntegration(ctx, body)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	ci.URL = ci.Type.Path(ci.Key)
	return &createdIntegrationOutput{Body: ci}, nil
}

// saveIntegration creates an integration, after refusing a probe whose
// URL (as validated: the service's health_url by default) the outbound
// guard refuses. An input invalid otherwise is left to the store, which
// lists all its problems.
func (h *handler) saveIntegration(ctx context.Context, in fireline.IntegrationInput) (*fireline.CreatedIntegration, error) {
	if in.Type == fireline.IntegrationProbe && h.cfg.Outbound != nil {
		if valid, err := in.Validate(h.cfg.Policy); err == nil {
			if u, err := url.Parse(valid.ProbeURL); err == nil {
				if r := h.cfg.Outbound(ctx, u.Hostname()); r != nil {
					return nil, fireline.ProbeRefused(r)
				}
			}
		}
	}
	return h.cfg.Integrations.CreateIntegration(ctx, in)
}

// integrationList is the body of GET /api/v1/integrations.
type integrationList struct {
	Integrations []*fireline.Integration `json:"integrations"`
}

type integrationsOutput struct {
	Body integrationList
}

func (h *handler) listIntegrations(ctx context.Context, _ *struct{}) (*integrationsOutput, error) {
	if h.cfg.Integrations == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	list, err := h.cfg.Integrations.ListIntegrations(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	for _, in := range list {
		if in.Type != fireline.IntegrationHeartbeat {
			in.URL = in.Type.Path("")
		}
	}
	return &integrationsOutput{Body: integrationList{Integrations: nonNil(list)}}, nil
}

type rotateBody struct {
	Grace string `json:"grace,omitempty" doc:"How long the old key keeps working, e.g. 24h or 7d (default 24h)."`
}

type rotateInput struct {
	ID string `path:"id" doc:"The integration's id."`
	jsonBody[rotateBody]
}

func (h *handler) rotateIntegration(ctx context.Context, in *rotateInput) (*createdIntegrationOutput, error) {
	if h.cfg.Integrations == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	var grace time.Duration
	if body.Grace != "" {
		g, err := fireline.ParseInterval(body.Grace)
		if err != nil {
			return nil, h.problem(ctx, invalidField("grace", "must be a duration such as 24h or 7d"))
		}
		grace = time.Duration(g)
	}
	ci, err := h.cfg.Integrations.RotateIntegrationKey(ctx, in.ID, grace)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	ci.URL = ci.Type.Path(ci.Key)
	return &createdIntegrationOutput{Body: ci}, nil
}

type integrationPath struct {
	ID string `path:"id" doc:"The integration's id."`
}

func (h *handler) deleteIntegration(ctx context.Context, in *integrationPath) (*struct{}, error) {
	if h.cfg.Integrations == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	if err := h.cfg.Integrations.DeleteIntegration(ctx, in.ID); err != nil {
		return nil, h.problem(ctx, err)
	}
	return &struct{}{}, nil
}

type alertListInput struct {
	Service     string   `query:"service" doc:"Only alerts of this service."`
	Integration string   `query:"integration" doc:"Only alerts of this integration (id or name)."`
	Status      []string `query:"status,explode" doc:"Statuses to include: firing, acknowledged, resolved."`
	Limit       string   `query:"limit" doc:"Page size, 1-500 (default 50)."`
	Cursor      string   `query:"cursor" doc:"next_cursor from the previous page."`
}

type alertsOutput struct {
	Body *fireline.AlertPage
}

func (h *handler) listAlerts(ctx context.Context, in *alertListInput) (*alertsOutput, error) {
	f, err := parseAlertFilter(in)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return h.findAlerts(ctx, f)
}

type incidentAlertsInput struct {
	ID     string   `path:"id" example:"INC-42" doc:"The incident's human id."`
	Status []string `query:"status,explode" doc:"Statuses to include: firing, acknowledged, resolved."`
	Limit  string   `query:"limit" doc:"Page size, 1-500 (default 50)."`
	Cursor string   `query:"cursor" doc:"next_cursor from the previous page."`
}

func (h *handler) listIncidentAlerts(ctx context.Context, in *incidentAlertsInput) (*alertsOutput, error) {
	if _, err := h.cfg.Incidents.FindIncident(ctx, in.ID); err != nil {
		return nil, h.problem(ctx, err)
	}
	f, err := parseAlertFilter(&alertListInput{Status: in.Status, Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	f.Incident = in.ID
	return h.findAlerts(ctx, f)
}

func (h *handler) findAlerts(ctx context.Context, f fireline.AlertFilter) (*alertsOutput, error) {
	if h.cfg.Alerts == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	page, err := h.cfg.Alerts.FindAlerts(ctx, f)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	page.Alerts = nonNil(page.Alerts)
	return &alertsOutput{Body: page}, nil
}

func parseAlertFilter(in *alertListInput) (fireline.AlertFilter, error) {
	f := fireline.AlertFilter{Service: strings.TrimSpace(in.Service), Integration: strings.TrimSpace(in.Integration), Cursor: in.Cursor}
	for _, s := range splitList(in.Status) {
		f.Status = append(f.Status, fireline.AlertStatus(strings.ToLower(s)))
	}
	if in.Limit != "" {
		n, err := strconv.Atoi(in.Limit)
		if err != nil || n < 1 || n > fireline.MaxPageSize {
			return f, invalidField("limit", "must be a whole number from 1 to "+strconv.Itoa(fireline.MaxPageSize))
		}
		f.Limit = n
	}
	return f, nil
}

// maintenanceList is the body of GET /api/v1/maintenance-windows.
type maintenanceList struct {
	Windows []*fireline.MaintenanceWindow `json:"maintenance_windows"`
}

type maintenanceListOutput struct {
	Body maintenanceList
}

func (h *handler) listMaintenance(ctx context.Context, _ *struct{}) (*maintenanceListOutput, error) {
	if h.cfg.Maintenance == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	list, err := h.cfg.Maintenance.ListMaintenance(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &maintenanceListOutput{Body: maintenanceList{Windows: nonNil(list)}}, nil
}

type maintenanceInput struct {
	jsonBody[fireline.MaintenanceInput]
}

type maintenanceOutput struct {
	Body *fireline.MaintenanceWindow
}

func (h *handler) createMaintenance(ctx context.Context, in *maintenanceInput) (*maintenanceOutput, error) {
	if h.cfg.Maintenance == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	w, err := h.cfg.Maintenance.CreateMaintenance(ctx, body)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	if w.Public { // the status page shows it (web/status_cache.go)
		h.statusCache.Invalidate()
	}
	return &maintenanceOutput{Body: w}, nil
}

type maintenancePath struct {
	ID string `path:"id" doc:"The maintenance window's id."`
}

func (h *handler) deleteMaintenance(ctx context.Context, in *maintenancePath) (*struct{}, error) {
	if h.cfg.Maintenance == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	if err := h.cfg.Maintenance.DeleteMaintenance(ctx, in.ID); err != nil {
		return nil, h.problem(ctx, err)
	}
	h.statusCache.Invalidate()
	return &struct{}{}, nil
}
