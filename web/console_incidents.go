package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	Resolved   []incidentRow
	OnCall     onCallView // console_detect.go
	Stages     []fireline.Stage
}

type dashboardFilter struct {
	Service  string
	Severity string
	Stage    string
}

// severityGroup is a severity's newest open incidents, at most
// dashboardShown, and the link to the rest.
type severityGroup struct {
	Severity  *fireline.SeverityPolicy
	Incidents []incidentRow
	// Count is how many are open ("12"), or at least ("10+") when the
	// filters leave the number uncounted; More how many are not shown,
	// -1 when not counted; MoreURL lists them all.
	Count   string
	More    int64
	MoreURL string
}

// dashboardShown is how many open incidents of each severity the
// dashboard lists, newest first; "and K more" links to the others
// (docs/adr/0054).
const dashboardShown = 10

func (h *handler) dashboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := dashboardFilter{Service: q.Get("service"), Severity: q.Get("severity"), Stage: q.Get("stage")}
	data := dashboardData{Filter: f, Stages: fireline.Stages}
	var err error
	if data.Groups, err = h.openGroups(r, f); err != nil {
		h.renderError(w, r, err)
		return
	}
	closed := false
	recent, err := h.cfg.Incidents.FindIncidents(r.Context(), fireline.IncidentFilter{Open: &closed, Service: f.Service, Limit: 10})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	now := h.now()
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

// openGroups lists each severity's newest open incidents the filters
// select, at most dashboardShown, with how many more there are: from the
// kept counts when only the severity filters, uncounted otherwise.
func (h *handler) openGroups(r *http.Request, f dashboardFilter) ([]severityGroup, error) {
	var open map[fireline.Severity]int64 // nil: not counted
	if f.Service == "" && f.Stage == "" {
		counts, err := h.cfg.Incidents.CountIncidents(r.Context())
		if err != nil {
			return nil, err
		}
		open = map[fireline.Severity]int64{}
		for _, c := range counts {
			if c.Status.Open() {
				open[c.Severity] += c.Count
			}
		}
	}
	var groups []severityGroup
	for i := range h.cfg.Policy.Severities {
		sp := &h.cfg.Policy.Severities[i]
		g := severityGroup{Severity: sp, Count: "0"}
		if f.Severity == "" || f.Severity == string(sp.Level) {
			var err error
			if g, err = h.openGroup(r, sp, f, open); err != nil {
				return nil, err
			}
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// openGroup is one severity's group; open holds the counted open
// incidents by severity, nil when uncounted.
func (h *handler) openGroup(r *http.Request, sp *fireline.SeverityPolicy, f dashboardFilter, open map[fireline.Severity]int64) (severityGroup, error) {
	yes := true
	page, err := h.cfg.Incidents.FindIncidents(r.Context(), fireline.IncidentFilter{Open: &yes, Severity: []fireline.Severity{sp.Level},
		Service: f.Service, Stage: fireline.Stage(f.Stage), Limit: dashboardShown})
	if err != nil {
		return severityGroup{}, err
	}
	g, now := severityGroup{Severity: sp}, h.now()
	for _, inc := range page.Incidents {
		g.Incidents = append(g.Incidents, newRow(h.cfg.Policy, inc, now))
	}
	shown := int64(len(g.Incidents))
	g.Count = strconv.FormatInt(shown, 10)
	if page.NextCursor == "" {
		return g, nil
	}
	g.More, g.Count = -1, g.Count+"+"
	if n, ok := open[sp.Level]; ok && n > shown {
		g.More, g.Count = n-shown, strconv.FormatInt(n, 10)
	}
	list := url.Values{"status": {"open"}, "severity": {string(sp.Level)}}
	for k, v := range map[string]string{"service": f.Service, "stage": f.Stage} {
		if v != "" {
			list.Set(k, v)
		}
	}
	g.MoreURL = "/incidents?" + list.Encode()
	return g, nil
}

// listData is the incident list with its filters and the next page.
type listData struct {
	Q, Severity, Status, Service, Stage string
	Rows                                []incidentRow
	Next                                string // the next page's URL, "" on the last
	Stages                              []fireline.Stage
}

func (h *handler) incidentList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := listData{Q: q.Get("q"), Severity: q.Get("severity"), Status: q.Get("status"), Service: q.Get("service"), Stage: q.Get("stage"),
		Stages: fireline.Stages}
	in := &listInput{Q: d.Q, Service: d.Service, Stage: d.Stage, Cursor: q.Get("cursor"), Limit: "25"}
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
				next := url.Values{"q": {d.Q}, "severity": {d.Severity}, "status": {d.Status}, "service": {d.Service}, "stage": {d.Stage}, "cursor": {res.NextCursor}}
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
	Events   []eventView // newest first: the newest timelineShown, or from ?from= on
	// Older says what of the timeline is not shown: how many older
	// events, and the link that shows more of them (none past
	// fireline.MaxTimelinePage events on the page). Nil when none is left.
	Older *olderEvents
	// From is the page's ?from=, when it shows more than the newest.
	From int64
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
	Comms *commsPanel
	// Security is the evidence and the regulatory clock (evidence.go);
	// nil on incidents with neither that the user may not add to.
	Security *securityPanel
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
	shown, summary, from, err := h.incidentEvents(r, id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	events := summary.Events
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
	d.Security = h.newSecurityPanel(r, inc)
	d.Steps, d.Deliveries = pagingView(h.cfg.Policy, events, inc.Status.Open())
	for _, e := range slices.Backward(events) {
		if e.Type == fireline.EventChangeEvent {
			d.Changes = append(d.Changes, describe(e, h.cfg.Policy))
		}
	}
	for _, e := range slices.Backward(shown.Events) {
		d.Events = append(d.Events, describe(e, h.cfg.Policy))
	}
	d.From, d.Older = from, older(inc.ID, shown)
	self := "/incidents/" + url.PathEscape(inc.ID)
	if from > 0 { // a live update keeps the older events loaded
		self += "?from=" + strconv.FormatInt(from, 10)
	}
	h.render(w, r, status, "incident", &page{Title: inc.ID + " " + inc.Title, Nav: "incidents",
		Live: "/live/incidents/" + url.PathEscape(inc.ID), Self: self, Error: fe, Data: d})
}

// timelineShown is how many of the newest events the incident page shows,
// and how many more "Load older events" adds.
const timelineShown = 100

// incidentEvents reads what the incident page shows of the timeline: the
// newest timelineShown events, or with ?from=N those from N on (at most
// fireline.MaxTimelinePage), and the events it sums up beside it, read on
// their own (fireline.SummaryEventTypes).
func (h *handler) incidentEvents(r *http.Request, id string) (shown, summary *fireline.TimelinePage, from int64, err error) {
	f := fireline.TimelineFilter{Limit: timelineShown}
	if n, err := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64); err == nil && n >= 1 {
		from, f = n, fireline.TimelineFilter{After: n - 1, Limit: fireline.MaxTimelinePage}
	}
	if shown, err = h.cfg.Incidents.TimelinePage(r.Context(), id, f); err != nil {
		return nil, nil, 0, err
	}
	summary, err = h.cfg.Incidents.TimelinePage(r.Context(), id, fireline.TimelineFilter{Types: fireline.SummaryEventTypes})
	return shown, summary, from, err
}

// olderEvents is what the incident page says of the events it leaves out.
type olderEvents struct {
	Count int64  // events older than the oldest shown
	URL   string // shows timelineShown more of them; "" when the page holds all it may
}

// older describes the events older than a page's, if any: events are
// numbered from 1 without gaps.
func older(id string, page *fireline.TimelinePage) *olderEvents {
	if len(page.Events) == 0 || page.Events[0].Seq <= 1 {
		return nil
	}
	oldest := page.Events[0].Seq
	o := &olderEvents{Count: oldest - 1}
	if len(page.Events)+timelineShown <= fireline.MaxTimelinePage {
		from := max(1, oldest-timelineShown)
		o.URL = "/incidents/" + url.PathEscape(id) + "?from=" + strconv.FormatInt(from, 10) + "#event-" + strconv.FormatInt(oldest-1, 10)
	}
	return o
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
	data := h.newGuideData()
	if h.cfg.GuideReviews != nil {
		st, err := h.cfg.GuideReviews.GuideReview(r.Context())
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		data.Review = st
	}
	h.render(w, r, http.StatusOK, "guide", &page{Title: "Response guide", Nav: "guide", Data: data})
}
