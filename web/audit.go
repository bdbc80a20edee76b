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

// The audit log's API (docs/audit.md): admins list it page by page and
// export it whole, with its hash chain.

// auditInput holds the audit filters as sent; parseAuditFilter checks
// them, so that a bad filter is a 400 naming every bad parameter.
type auditInput struct {
	Actor  string `query:"actor" doc:"Only entries by this actor (a person's id, automation:NAME, system or anonymous)."`
	Action string `query:"action" doc:"Only this act (user.role_changed) or group of acts (user)."`
	Since  string `query:"since" doc:"At or after this RFC 3339 time."`
	Until  string `query:"until" doc:"Before this RFC 3339 time."`
	Before string `query:"before" doc:"Only entries numbered below this: next_before from the newer page."`
	Limit  string `query:"limit" doc:"Page size, 1-1000 (default 100)."`
}

// auditList is the body of GET /api/v1/audit.
type auditList struct {
	Entries    []*fireline.AuditEntry `json:"entries"`
	NextBefore int64                  `json:"next_before,omitempty" doc:"When older entries exist: the before parameter that reads them."`
}

type auditListOutput struct{ Body auditList }

func (h *handler) listAudit(ctx context.Context, in *auditInput) (*auditListOutput, error) {
	f, err := parseAuditFilter(in)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	if h.cfg.Audit == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	page, err := h.cfg.Audit.ListAudit(ctx, f)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &auditListOutput{Body: auditList{Entries: nonNil(page.Entries), NextBefore: page.Older}}, nil
}

type auditExportOutput struct{ Body *fireline.AuditExport }

func (h *handler) exportAudit(ctx context.Context, _ *struct{}) (*auditExportOutput, error) {
	if h.cfg.Audit == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	x, err := h.cfg.Audit.ExportAudit(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	x.Entries = nonNil(x.Entries)
	return &auditExportOutput{Body: x}, nil
}

type auditVerifyOutput struct{ Body *fireline.AuditVerification }

// verifyAudit checks the log as stored, read in one snapshot: the chain
// must be unbroken from the first entry to the head.
func (h *handler) verifyAudit(ctx context.Context, _ *struct{}) (*auditVerifyOutput, error) {
	if h.cfg.Audit == nil {
		return nil, h.problem(ctx, unconfigured())
	}
	x, err := h.cfg.Audit.ExportAudit(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &auditVerifyOutput{Body: fireline.VerifyAudit(x, h.now())}, nil
}

// parseAuditFilter turns the parameters into a filter, checked by
// AuditFilter.Validate, or an EInvalid error naming every bad one.
func parseAuditFilter(in *auditInput) (fireline.AuditFilter, error) {
	f := fireline.AuditFilter{Actor: strings.TrimSpace(in.Actor), Action: strings.TrimSpace(in.Action)}
	var fe []fireline.FieldError
	bad := func(field, msg string) { fe = append(fe, fireline.FieldError{Field: field, Message: msg}) }
	for _, t := range []struct {
		field, value string
		dst          **time.Time
	}{{"since", in.Since, &f.Since}, {"until", in.Until, &f.Until}} {
		if v, err := time.Parse(time.RFC3339, t.value); err == nil {
			v = v.UTC()
			*t.dst = &v
		} else if t.value != "" {
			bad(t.field, "must be an RFC 3339 time such as 2026-03-01T09:00:00Z")
		}
	}
	for _, n := range []struct {
		field, value string
		dst          func(int64)
	}{{"before", in.Before, func(v int64) { f.Before = v }}, {"limit", in.Limit, func(v int64) { f.Limit = int(v) }}} {
		if v, err := strconv.ParseInt(n.value, 10, 64); err == nil && v > 0 && v <= 1<<53 {
			n.dst(v)
		} else if n.value != "" {
			bad(n.field, "must be a whole number above 0")
		}
	}
	checked, err := f.Validate()
	if err != nil {
		fe = append(fe, err.(*fireline.Error).Fields...)
	}
	if len(fe) > 0 {
		return f, &fireline.Error{Code: fireline.EInvalid, Message: "invalid audit filter", Fields: fe}
	}
	return checked, nil
}

// auditQuery writes a filter as the list route's query parameters.
func auditQuery(f fireline.AuditFilter) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("actor", f.Actor)
	set("action", f.Action)
	if f.Since != nil {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if f.Until != nil {
		q.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	if f.Before > 0 {
		q.Set("before", strconv.FormatInt(f.Before, 10))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// ListAudit reads a page of the audit log (admin).
func (c *Client) ListAudit(ctx context.Context, f fireline.AuditFilter) (*fireline.AuditPage, error) {
	l, err := call[auditList](ctx, c, http.MethodGet, "/audit", auditQuery(f), nil)
	if err != nil {
		return nil, err
	}
	return &fireline.AuditPage{Entries: l.Entries, Older: l.NextBefore}, nil
}

// VerifyAudit asks the server to check the audit log as stored (admin).
func (c *Client) VerifyAudit(ctx context.Context) (*fireline.AuditVerification, error) {
	return call[fireline.AuditVerification](ctx, c, http.MethodGet, "/audit/verify", nil, nil)
}

// ExportAudit reads the whole audit log with its chain (admin).
func (c *Client) ExportAudit(ctx context.Context) (*fireline.AuditExport, error) {
	return call[fireline.AuditExport](ctx, c, http.MethodGet, "/audit/export", nil, nil)
}

var _ fireline.AuditService = (*Client)(nil)
