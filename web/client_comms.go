package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fireline-dev/fireline"
)

// PublicUpdates returns an incident's public updates and when the next
// is due.
func (c *Client) PublicUpdates(ctx context.Context, id string) (*PublicUpdates, error) {
	return call[PublicUpdates](ctx, c, http.MethodGet, incidentPathOf(id, "/public-updates"), nil, nil)
}

// UpdateTemplate returns a status's template filled in with the
// incident's facts ("" status: the likely next one).
func (c *Client) UpdateTemplate(ctx context.Context, id string, status fireline.PublicStatus) (*FilledTemplate, error) {
	var q url.Values
	if status != "" {
		q = url.Values{"status": {string(status)}}
	}
	return call[FilledTemplate](ctx, c, http.MethodGet, incidentPathOf(id, "/public-updates/template"), q, nil)
}

// InternalStatus returns the internal status page: open incidents, and
// those resolved in the past days.
func (c *Client) InternalStatus(ctx context.Context, days int) (*fireline.InternalStatus, error) {
	return call[fireline.InternalStatus](ctx, c, http.MethodGet, "/status/internal", url.Values{"days": {strconv.Itoa(days)}}, nil)
}

// UpdateCompliance returns the public update cadence's record by severity.
func (c *Client) UpdateCompliance(ctx context.Context) ([]fireline.Compliance, error) {
	out, err := call[ComplianceReport](ctx, c, http.MethodGet, "/status/compliance", nil, nil)
	if err != nil {
		return nil, err
	}
	return out.Severities, nil
}
