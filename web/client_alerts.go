package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
)

var (
	_ fireline.IntegrationService = (*Client)(nil)
	_ fireline.AlertService       = (*Client)(nil)
	_ fireline.MaintenanceService = (*Client)(nil)
)

// CreateIntegration implements fireline.IntegrationService.
func (c *Client) CreateIntegration(ctx context.Context, in fireline.IntegrationInput) (*fireline.CreatedIntegration, error) {
	return call[fireline.CreatedIntegration](ctx, c, http.MethodPost, "/integrations", nil, in)
}

// ListIntegrations implements fireline.IntegrationService.
func (c *Client) ListIntegrations(ctx context.Context) ([]*fireline.Integration, error) {
	l, err := call[integrationList](ctx, c, http.MethodGet, "/integrations", nil, nil)
	if err != nil {
		return nil, err
	}
	return l.Integrations, nil
}

// RotateIntegrationKey implements fireline.IntegrationService.
func (c *Client) RotateIntegrationKey(ctx context.Context, id string, grace time.Duration) (*fireline.CreatedIntegration, error) {
	body := rotateBody{}
	if grace > 0 {
		body.Grace = fireline.FormatDuration(grace)
	}
	return call[fireline.CreatedIntegration](ctx, c, http.MethodPost, "/integrations/"+url.PathEscape(id)+"/rotate", nil, body)
}

// DeleteIntegration implements fireline.IntegrationService.
func (c *Client) DeleteIntegration(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/integrations/"+url.PathEscape(id), nil, nil, nil)
}

// FindAlerts implements fireline.AlertService.
func (c *Client) FindAlerts(ctx context.Context, f fireline.AlertFilter) (*fireline.AlertPage, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("service", f.Service)
	set("integration", f.Integration)
	set("cursor", f.Cursor)
	for _, s := range f.Status {
		q.Add("status", string(s))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	path := "/alerts"
	if f.Incident != "" {
		path = incidentPathOf(f.Incident, "/alerts")
	}
	return call[fireline.AlertPage](ctx, c, http.MethodGet, path, q, nil)
}

// CreateMaintenance implements fireline.MaintenanceService.
func (c *Client) CreateMaintenance(ctx context.Context, in fireline.MaintenanceInput) (*fireline.MaintenanceWindow, error) {
	return call[fireline.MaintenanceWindow](ctx, c, http.MethodPost, "/maintenance-windows", nil, in)
}

// ListMaintenance implements fireline.MaintenanceService.
func (c *Client) ListMaintenance(ctx context.Context) ([]*fireline.MaintenanceWindow, error) {
	l, err := call[maintenanceList](ctx, c, http.MethodGet, "/maintenance-windows", nil, nil)
	if err != nil {
		return nil, err
	}
	return l.Windows, nil
}

// DeleteMaintenance implements fireline.MaintenanceService.
func (c *Client) DeleteMaintenance(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/maintenance-windows/"+url.PathEscape(id), nil, nil, nil)
}
