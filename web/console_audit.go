package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// auditData is the audit log's console page: its filters as typed, the
// page of entries, and the link to older ones.
type auditData struct {
	Actor, Action, Since, Until string
	Groups                      []string
	Actions                     []fireline.AuditAction
	Entries                     []*fireline.AuditEntry
	Older                       string
}

// auditPage lists the audit log, newest first, filtered by actor, act and
// days (from Since to Until, both included, in the policy's time zone).
func (h *handler) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditData{Actor: q.Get("actor"), Action: q.Get("action"), Since: q.Get("since"), Until: q.Get("until"),
		Groups: auditGroups(), Actions: fireline.AuditActions}
	f, err := h.consoleAuditFilter(d, q.Get("before"))
	if err == nil && h.cfg.Audit == nil {
		err = unconfigured()
	}
	if err == nil {
		var res *fireline.AuditPage
		if res, err = h.cfg.Audit.ListAudit(r.Context(), f); err == nil {
			d.Entries = res.Entries
			if res.Older > 0 {
				next := url.Values{"actor": {d.Actor}, "action": {d.Action}, "since": {d.Since}, "until": {d.Until},
					"before": {strconv.FormatInt(res.Older, 10)}}
				d.Older = "/admin/audit?" + next.Encode()
			}
		}
	}
	p := &page{Title: "Audit log", Nav: "audit", Data: d}
	if err != nil {
		if fireline.ErrorCode(err) != fireline.EInvalid {
			h.renderError(w, r, err)
			return
		}
		p.Error = &formError{Form: "filter", Message: fireline.ErrorMessage(err)}
		h.render(w, r, http.StatusBadRequest, "audit", p)
		return
	}
	h.render(w, r, http.StatusOK, "audit", p)
}

// consoleAuditFilter reads the page's filters: days as the date inputs
// send them (YYYY-MM-DD), the until day included.
func (h *handler) consoleAuditFilter(d auditData, before string) (fireline.AuditFilter, error) {
	loc := h.cfg.Policy.Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	in := &auditInput{Actor: d.Actor, Action: d.Action, Before: before, Limit: "50"}
	var fe []fireline.FieldError
	for _, day := range []struct {
		field, value string
		dst          *string
		add          int
	}{{"since", d.Since, &in.Since, 0}, {"until", d.Until, &in.Until, 1}} {
		if t, err := time.ParseInLocation(time.DateOnly, day.value, loc); err == nil {
			*day.dst = t.AddDate(0, 0, day.add).Format(time.RFC3339)
		} else if day.value != "" {
			fe = append(fe, fireline.FieldError{Field: day.field, Message: "must be a day such as 2026-12-01"})
		}
	}
	f, err := parseAuditFilter(in)
	if err != nil {
		fe = append(fe, err.(*fireline.Error).Fields...)
	}
	if len(fe) > 0 {
		return f, &fireline.Error{Code: fireline.EInvalid, Message: "invalid audit filter", Fields: fe}
	}
	return f, nil
}

// auditGroups are the groups of audited acts, in the order of their
// first act.
func auditGroups() []string {
	var groups []string
	for _, a := range fireline.AuditActions {
		g, _, _ := strings.Cut(string(a), ".")
		if len(groups) == 0 || groups[len(groups)-1] != g {
			groups = append(groups, g)
		}
	}
	return groups
}
