package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// dashboardData is the dashboard: open incidents by severity, who
// responds now, and what was resolved lately.
type dashboardData struct {
	// Unanswered are the open incidents nobody acknowledged whose paging
	// stopped, whatever the filters (console_paging.go).
	Unanswered []*unansweredView
	Filter     dashboardFilter
	Groups     []severityGroup
	More       bool // more open incidents than one page holds
	Resolved   []incidentRow
	OnCall     onCallView // console_detect.go
	Stages     []fireline.Stage
}

type dashboardFilter struct {
	Service  string
	Severity string
	Stage    string
}

type severityGroup struct {
	Severity  *fireline.SeverityPolicy
	Incidents []incidentRow
}

func (h *handler) dashboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := dashboardFilter{Service: q.Get("service"), Severity: q.Get("severity"), Stage: q.Get("stage")}
	open := true
	filter := fireline.IncidentFilter{Open: &open, Service: f.Service, Limit: fireline.MaxPageSize}
	if f.Severity != "" {
		filter.Severity = []fireline.Severity{fireline.Severity(f.Severity)}
	}
	opened, err := h.cfg.Incidents.FindIncidents(r.Context(), filter)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	closed := false
	recent, err := h.cfg.Incidents.FindIncidents(r.Context(), fireline.IncidentFilter{Open: &closed, Service: f.Service, Limit: 10})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	data := dashboardData{Filter: f, More: opened.NextCursor != "", Stages: fireline.Stages}
	now := h.now()
	for i := range h.cfg.Policy.Severities {
		g := severityGroup{Severity: &h.cfg.Policy.Severities[i]}
		for _, inc := range opened.Incidents {
			if inc.Severity == g.Severity.Level && (f.Stage == "" || string(inc.Stage) == f.Stage) {
				g.Incidents = append(g.Incidents, newRow(h.cfg.Policy, inc, now))
			}
		}
		data.Groups = append(data.Groups, g)
	}
	for _, inc := range recent.Incidents {
		data.Resolved = append(data.Resolved, newRow(h.cfg.Policy, inc, now))
	}
	if data.Unanswered, err = h.unansweredIncidents(r.Context()); err != nil {
		h.renderError(w, r, err)
		return
	}
	data.OnCall = h.onCallNow(r.Context())
	h.render(w, r, http.StatusOK, "dashboard", &page{Title: "Dashboard", Nav: "dashboard", Live: "/live/dashboard", Data: data})
}

// listData is the incident list with its filters and the next page.
type listData struct {
	Q, Severity, Status, Service string
	Rows                         []incidentRow
	Next                         string // the next page's URL, "" on the last
}

func (h *handler) incidentList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := listData{Q: q.Get("q"), Severity: q.Get("severity"), Status: q.Get("status"), Service: q.Get("service")}
	in := &listInput{Q: d.Q, Service: d.Service, Cursor: q.Get("cursor"), Limit: "25"}
	if d.Severity != "" {
		in.Severity = []string{d.Severity}
	}
	switch d.Status {
	case "open":
		in.Open = "true"
	case "":
	default:
		in.Status = []string{d.Status}
	}
	f, err := parseFilter(in)
	if err == nil {
		var res *fireline.IncidentPage
		if res, err = h.cfg.Incidents.FindIncidents(r.Context(), f); err == nil {
			now := h.now()
			for _, inc := range res.Incidents {
				d.Rows = append(d.Rows, newRow(h.cfg.Policy, inc, now))
			}
			if res.NextCursor != "" {
				next := url.Values{"q": {d.Q}, "severity": {d.Severity}, "status": {d.Status}, "service": {d.Service}, "cursor": {res.NextCursor}}
				d.Next = "/incidents?" + next.Encode()
			}
		}
	}
	p := &page{Title: "Incidents", Nav: "incidents", Data: d}
	if err != nil {
		if fireline.ErrorCode(err) != fireline.EInvalid {
			h.renderError(w, r, err)
			return
		}
		p.Error = &formError{Form: "filter", Message: fireline.ErrorMessage(err)}
		h.render(w, r, http.StatusBadRequest, "incidents", p)
		return
	}
	h.render(w, r, http.StatusOK, "incidents", p)
}

// incidentData is everything the incident page shows.
type incidentData struct {
	Inc      *fireline.Incident
	Clocks   []clockView
	Severity *fireline.SeverityPolicy
	Events   []eventView // newest first
	// Alerts are the attached alerts as they stand (console_detect.go);
	// Changes the change events (deploys) recorded on the timeline.
	Alerts     []*fireline.Alert
	MoreAlerts bool
	Changes    []eventView
	// Steps and Deliveries are the paging walk so far, oldest first.
	Steps      []stepView
	Deliveries []*deliveryView
	// Unanswered is set while nobody has acknowledged and paging has
	// stopped; ChainSteps and WalkSteps are the choices of the Escalate
	// and Page again forms (console_paging.go).
	Unanswered *unansweredView
	ChainSteps []option
	WalkSteps  []option
	Commander  string
	IsMember   bool
	// Checklist is the playbooks' steps by stage (console_checklist.go).
	Checklist *checklistPanel
	// Comms is the public updates and their cadence (comms.go).
	Comms    *commsPanel
	Stages   []fireline.Stage
	ETALocal string // the ETA for a datetime-local input
}

func (h *handler) incidentPage(w http.ResponseWriter, r *http.Request) {
	h.showIncident(w, r, http.StatusOK, nil)
}

// showIncident renders the incident page, with a refused form's error.
func (h *handler) showIncident(w http.ResponseWriter, r *http.Request, status int, fe *formError) {
	id := r.PathValue("id")
	inc, err := h.cfg.Incidents.FindIncident(r.Context(), id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	events, err := h.cfg.Incidents.Timeline(r.Context(), id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	now := h.now()
	d := incidentData{Inc: inc, Clocks: clocks(h.cfg.Policy, inc, now), Commander: inc.RoleHolder(fireline.RoleIncidentCommander),
		Stages: fireline.Stages, Unanswered: incidentUnanswered(h.cfg.Policy, inc, events, now),
		Checklist: newChecklistPanel(h.cfg.Policy, inc), Comms: newCommsPanel(h.cfg.Policy, inc, userFrom(r.Context()))}
	if inc.Status.Open() {
		d.ChainSteps, d.WalkSteps = chainStepOptions(h.cfg.Policy), walkStepOptions(h.cfg.Policy, inc)
	}
	if inc.ETA != nil {
		loc := h.cfg.Policy.Calendar.Location
		if loc == nil {
			loc = time.UTC
		}
		d.ETALocal = inc.ETA.In(loc).Format("2006-01-02T15:04")
	}
	d.Severity, _ = h.cfg.Policy.Severity(inc.Severity)
	if u := userFrom(r.Context()); u != nil {
		d.IsMember = inc.HasMember(u.PersonID)
	}
	if d.Alerts, d.MoreAlerts, err = h.incidentAlerts(r.Context(), id); err != nil {
		h.renderError(w, r, err)
		return
	}
	d.Steps, d.Deliveries = pagingView(h.cfg.Policy, events, inc.Status.Open())
	for _, e := range slices.Backward(events) {
		v := describe(e, h.cfg.Policy)
		d.Events = append(d.Events, v)
		if e.Type == fireline.EventChangeEvent {
			d.Changes = append(d.Changes, v)
		}
	}
	h.render(w, r, status, "incident", &page{Title: inc.ID + " " + inc.Title, Nav: "incidents",
		Live: "/live/incidents/" + url.PathEscape(inc.ID), Self: "/incidents/" + url.PathEscape(inc.ID), Error: fe, Data: d})
}

// declareData is the declare form and the values sent back with errors.
type declareData struct {
	Sources []fireline.Source
}

func (h *handler) declarePage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "declare", &page{Title: "Declare an incident", Nav: "declare",
		Data: declareData{Sources: fireline.Sources}})
}

// declare opens an incident from the form and shows it.
func (h *handler) declare(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	in := fireline.DeclareInput{Title: f.Get("title"), Severity: fireline.Severity(f.Get("severity")),
		Source: fireline.Source(f.Get("source")), Services: f["services"], Description: f.Get("description")}
	switch f.Get("restricted") {
	case "yes":
		in.Restricted = ptr(true)
	case "no":
		in.Restricted = ptr(false)
	}
	inc, err := h.cfg.Incidents.DeclareIncident(r.Context(), in)
	if err != nil {
		fe := newFormError("declare", err, r)
		fe.Values["services"] = strings.Join(f["services"], ",")
		h.render(w, r, statusFor(err), "declare", &page{Title: "Declare an incident", Nav: "declare", Error: fe,
			Data: declareData{Sources: fireline.Sources}})
		return
	}
	h.changed(inc)
	seeOther(w, r, "/incidents/"+url.PathEscape(inc.ID))
}

func ptr[T any](v T) *T { return &v }

func (h *handler) guidePage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "guide", &page{Title: "Response guide", Nav: "guide", Data: fireline.Stages})
}
