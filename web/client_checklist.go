package web

import (
	"context"
	"net/http"

	"github.com/fireline-dev/fireline"
)

// Checklist returns an incident's checklist.
func (c *Client) Checklist(ctx context.Context, id string) (*ChecklistView, error) {
	return call[ChecklistView](ctx, c, http.MethodGet, incidentPathOf(id, "/checklist"), nil, nil)
}

// Playbooks lists the playbooks the server runs.
func (c *Client) Playbooks(ctx context.Context) ([]*fireline.Playbook, error) {
	out, err := call[PlaybookList](ctx, c, http.MethodGet, "/playbooks", nil, nil)
	if err != nil {
		return nil, err
	}
	return out.Playbooks, nil
}
