package web

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
)

// Atlassian Statuspage's public API v2, as hosted pages serve it under
// /api/v2/ (docs/communications.md): the same paths, field names, ids and
// enums, so that status widgets and aggregators pointed at Statuspage
// read Fireline's page unchanged.

// spTime is an instant as Statuspage writes it: ISO 8601 with
// milliseconds and an offset (UTC, "Z").
type spTime time.Time

func (t spTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z07:00"))
}

func spPtr(t *time.Time) *spTime {
	if t == nil {
		return nil
	}
	v := spTime(*t)
	return &v
}

type (
	spPage struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		URL       string `json:"url"`
		TimeZone  string `json:"time_zone"`
		UpdatedAt spTime `json:"updated_at"`
	}
	spStatus struct {
		Indicator   string `json:"indicator"`
		Description string `json:"description"`
	}
	spComponent struct {
		ID                 string   `json:"id"`
		Name               string   `json:"name"`
		Status             string   `json:"status"`
		CreatedAt          spTime   `json:"created_at"`
		UpdatedAt          spTime   `json:"updated_at"`
		Position           int      `json:"position"`
		Description        *string  `json:"description"`
		Showcase           bool     `json:"showcase"`
		StartDate          *string  `json:"start_date"`
		GroupID            *string  `json:"group_id"`
		PageID             string   `json:"page_id"`
		Group              bool     `json:"group"`
		OnlyShowIfDegraded bool     `json:"only_show_if_degraded"`
		Components         []string `json:"components,omitempty"`
	}
	spAffected struct {
		Code      string `json:"code"`
		Name      string `json:"name"`
		OldStatus string `json:"old_status"`
		NewStatus string `json:"new_status"`
	}
	spUpdate struct {
		ID                 string       `json:"id"`
		Status             string       `json:"status"`
		Body               string       `json:"body"`
		IncidentID         string       `json:"incident_id"`
		CreatedAt          spTime       `json:"created_at"`
		UpdatedAt          spTime       `json:"updated_at"`
		DisplayAt          spTime       `json:"display_at"`
		AffectedComponents []spAffected `json:"affected_components"`
	}
	spIncident struct {
		ID              string        `json:"id"`
		Name            string        `json:"name"`
		Status          string        `json:"status"`
		CreatedAt       spTime        `json:"created_at"`
		UpdatedAt       spTime        `json:"updated_at"`
		MonitoringAt    *spTime       `json:"monitoring_at"`
		ResolvedAt      *spTime       `json:"resolved_at"`
		Impact          string        `json:"impact"`
		Shortlink       string        `json:"shortlink"`
		StartedAt       spTime        `json:"started_at"`
		PageID          string        `json:"page_id"`
		IncidentUpdates []spUpdate    `json:"incident_updates"`
		Components      []spComponent `json:"components"`
		// Scheduled maintenances only.
		ScheduledFor   *spTime `json:"scheduled_for,omitempty"`
		ScheduledUntil *spTime `json:"scheduled_until,omitempty"`
	}
)

// statusDoc builds the Statuspage documents of one view.
type statusDoc struct {
	p    *fireline.Policy
	v    *fireline.StatusView
	key  []byte
	base string // the page's URL, without a trailing slash
	// comps are the components, built once; bySvc the members by service.
	comps []spComponent
	bySvc map[string]spComponent
}

func newStatusDoc(p *fireline.Policy, v *fireline.StatusView, key []byte, base string) *statusDoc {
	d := &statusDoc{p: p, v: v, key: key, base: base, bySvc: map[string]spComponent{}}
	d.comps = d.buildComponents()
	for i, c := range v.Components {
		if !c.Group {
			d.bySvc[c.ID] = d.comps[i]
		}
	}
	return d
}

// publicID is a Statuspage-style id (12 characters of a-z0-9) for a thing
// of a kind, keyed by the server's link key: stable, and no incident
// number shows through.
func publicID(key []byte, kind, v string) string { return fireline.PublicID(key, kind, v) }

func (d *statusDoc) pageID() string {
	if d.p.Comms.Page.ID != "" {
		return d.p.Comms.Page.ID
	}
	return publicID(d.key, "page", d.p.Organization)
}

func (d *statusDoc) incidentID(n int64) string { return publicID(d.key, "incident", itoa(n)) }

func (d *statusDoc) componentID(id string) string { return publicID(d.key, "component", id) }

func (d *statusDoc) page() spPage {
	name := d.p.Comms.Page.Name
	if name == "" {
		name = d.p.Organization + " Status"
	}
	tz := d.p.Calendar.TimeZone
	if tz == "" {
		tz = "Etc/UTC"
	}
	updated := d.windowStart()
	for _, c := range d.v.Components {
		updated = maxT(updated, c.UpdatedAt)
	}
	for _, i := range d.v.Incidents {
		updated = maxT(updated, i.UpdatedAt)
	}
	for _, m := range d.v.Maintenance {
		updated = maxT(updated, m.CreatedAt)
	}
	return spPage{ID: d.pageID(), Name: name, URL: d.base, TimeZone: tz, UpdatedAt: spTime(updated)}
}

func (d *statusDoc) windowStart() time.Time { return d.v.Since }

func maxT(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (d *statusDoc) status() spStatus {
	return spStatus{Indicator: d.v.Indicator, Description: d.v.Description}
}

func (d *statusDoc) components() []spComponent { return d.comps }

func (d *statusDoc) buildComponents() []spComponent {
	out := make([]spComponent, 0, len(d.v.Components))
	for _, c := range d.v.Components {
		sc := spComponent{ID: d.componentID(c.ID), Name: c.Name, Status: string(c.State), CreatedAt: spTime(d.windowStart()),
			UpdatedAt: spTime(c.UpdatedAt), Position: c.Position, Showcase: !c.Group, PageID: d.pageID(), Group: c.Group}
		if c.Description != "" {
			desc := c.Description
			sc.Description = &desc
		}
		if c.GroupID != "" {
			g := d.componentID(c.GroupID)
			sc.GroupID = &g
		}
		for _, m := range c.Members {
			sc.Components = append(sc.Components, d.componentID(m))
		}
		if c.Group && sc.Components == nil {
			sc.Components = []string{}
		}
		out = append(out, sc)
	}
	return out
}

func (d *statusDoc) component(svc string) (spComponent, bool) {
	c, ok := d.bySvc[svc]
	return c, ok
}

func (d *statusDoc) incident(iv fireline.IncidentView) spIncident {
	id := d.incidentID(iv.Number)
	si := spIncident{ID: id, Name: iv.Name, Status: string(iv.Status), CreatedAt: spTime(iv.StartedAt), UpdatedAt: spTime(iv.UpdatedAt),
		MonitoringAt: spPtr(iv.MonitoringAt), ResolvedAt: spPtr(iv.ResolvedAt), Impact: iv.Impact,
		Shortlink: d.base + "/status/incidents/" + id, StartedAt: spTime(iv.StartedAt), PageID: d.pageID(),
		IncidentUpdates: []spUpdate{}, Components: []spComponent{}}
	for _, u := range iv.Updates {
		su := spUpdate{ID: publicID(d.key, "update", itoa(iv.Number)+"/"+itoa(int64(u.Number))), Status: string(u.Status), Body: u.Text,
			IncidentID: id, CreatedAt: spTime(u.At), UpdatedAt: spTime(u.At), DisplayAt: spTime(u.At), AffectedComponents: []spAffected{}}
		for _, c := range u.Components {
			if sc, ok := d.component(c.Service); ok {
				su.AffectedComponents = append(su.AffectedComponents, spAffected{Code: sc.ID, Name: sc.Name,
					OldStatus: string(fireline.StateOperational), NewStatus: string(c.State)})
			}
		}
		si.IncidentUpdates = append(si.IncidentUpdates, su)
	}
	for _, svc := range iv.Components {
		if sc, ok := d.component(svc); ok {
			si.Components = append(si.Components, sc)
		}
	}
	return si
}

func (d *statusDoc) incidents(unresolvedOnly bool) []spIncident {
	list := d.v.Incidents
	if unresolvedOnly {
		list = d.v.Active
	}
	out := []spIncident{}
	for _, iv := range list {
		if len(out) == maxFeedEntries {
			break
		}
		out = append(out, d.incident(iv))
	}
	return out
}

func (d *statusDoc) maintenance(which string) []spIncident {
	out := []spIncident{}
	for _, m := range d.v.Maintenance {
		if (which == "upcoming" && m.Status != "scheduled") || (which == "active" && m.Status != "in_progress") {
			continue
		}
		id := publicID(d.key, "maintenance", m.ID)
		starts, ends := m.StartsAt, m.EndsAt
		si := spIncident{ID: id, Name: m.Name, Status: m.Status, CreatedAt: spTime(m.CreatedAt), UpdatedAt: spTime(m.CreatedAt),
			Impact: "maintenance", Shortlink: d.base + "/status", StartedAt: spTime(m.StartsAt), PageID: d.pageID(),
			ScheduledFor: spPtr(&starts), ScheduledUntil: spPtr(&ends), IncidentUpdates: []spUpdate{}, Components: []spComponent{}}
		si.IncidentUpdates = append(si.IncidentUpdates, spUpdate{ID: publicID(d.key, "maintenance-update", m.ID), Status: m.Status,
			Body: m.Name, IncidentID: id, CreatedAt: spTime(m.CreatedAt), UpdatedAt: spTime(m.CreatedAt), DisplayAt: spTime(m.CreatedAt),
			AffectedComponents: []spAffected{}})
		if sc, ok := d.component(m.Service); ok {
			si.Components = append(si.Components, sc)
		}
		out = append(out, si)
	}
	return out
}

// document returns the body of one of the v2 paths.
func (d *statusDoc) document(path string) (any, bool) {
	page := d.page()
	switch path {
	case "summary.json":
		return struct {
			Page                  spPage        `json:"page"`
			Components            []spComponent `json:"components"`
			Incidents             []spIncident  `json:"incidents"`
			ScheduledMaintenances []spIncident  `json:"scheduled_maintenances"`
			Status                spStatus      `json:"status"`
		}{page, d.components(), d.incidents(true), d.maintenance(""), d.status()}, true
	case "status.json":
		return struct {
			Page   spPage   `json:"page"`
			Status spStatus `json:"status"`
		}{page, d.status()}, true
	case "components.json":
		return struct {
			Page       spPage        `json:"page"`
			Components []spComponent `json:"components"`
		}{page, d.components()}, true
	case "incidents.json", "incidents/unresolved.json":
		return struct {
			Page      spPage       `json:"page"`
			Incidents []spIncident `json:"incidents"`
		}{page, d.incidents(path != "incidents.json")}, true
	case "scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json":
		which := map[string]string{"scheduled-maintenances.json": "", "scheduled-maintenances/upcoming.json": "upcoming",
			"scheduled-maintenances/active.json": "active"}[path]
		return struct {
			Page                  spPage       `json:"page"`
			ScheduledMaintenances []spIncident `json:"scheduled_maintenances"`
		}{page, d.maintenance(which)}, true
	}
	return nil, false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
