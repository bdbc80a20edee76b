package fireline

import (
	"context"
	"slices"
	"time"
)

// The public status page, as data: what the store may give it (a
// PublicRecord, never a restricted incident nor anything unpublished) and
// what the policy makes of it at an instant (StatusView), which the web
// package renders as HTML, Statuspage v2 JSON and Atom/RSS.

// UptimeDays is how many days of history the public page shows.
const UptimeDays = 90

// PublicIncident is what the public page may know of an incident: never
// its title, notes or people; only its published updates.
type PublicIncident struct {
	Number     int64
	Severity   Severity
	Services   []string
	DeclaredAt time.Time
	ResolvedAt *time.Time
	Updates    []PublicUpdate // published, oldest first
	// Postmortem is the review's public postmortem, once published.
	Postmortem *ReviewPublication
}

// OutageSpan is an unrestricted incident's effect on public services, for
// the uptime bars and the components' state.
type OutageSpan struct {
	Services []string
	Severity Severity
	Start    time.Time
	End      *time.Time
	// Number is the incident's, to find its published updates.
	Number int64
}

// PublicRecord is what the store gives the public page: unrestricted
// incidents with published updates, outages of unrestricted incidents
// since the start of the uptime window, and public maintenance windows
// that have not ended.
type PublicRecord struct {
	Incidents   []PublicIncident
	Outages     []OutageSpan
	Maintenance []*MaintenanceWindow
}

// StatusService reads what the status pages show.
type StatusService interface {
	// PublicRecord returns what the public page may show, from since on.
	// It needs no actor: it never holds a restricted incident.
	PublicRecord(ctx context.Context, since time.Time) (*PublicRecord, error)
	// InternalStatus returns the open incidents the actor in ctx may see,
	// with their latest internal update, and those resolved since.
	InternalStatus(ctx context.Context, since time.Time) (*InternalStatus, error)
	// UpdateCompliance returns the public update obligations of the
	// incidents the actor may see, by severity and outcome.
	UpdateCompliance(ctx context.Context) ([]Compliance, error)
}

// InternalStatus is the internal status page: what is open, who runs it,
// the latest internal update, and what resolved lately.
type InternalStatus struct {
	Open     []InternalIncident `json:"open"`
	Resolved []InternalIncident `json:"resolved"`
}

// InternalIncident is one incident on the internal status page.
type InternalIncident struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Severity  Severity   `json:"severity"`
	Stage     Stage      `json:"stage"`
	Status    Status     `json:"status"`
	Services  []string   `json:"services"`
	ETA       *time.Time `json:"eta"`
	Commander string     `json:"commander"`
	Liaison   string     `json:"liaison"`
	// Channel is the incident's chat channel link; empty until one exists.
	Channel    string     `json:"channel"`
	DeclaredAt time.Time  `json:"declared_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Restricted bool       `json:"restricted"`
	// Latest is the newest note (any kind) on the timeline.
	Latest   string     `json:"latest_update"`
	LatestAt *time.Time `json:"latest_update_at"`
	LatestBy string     `json:"latest_update_by"`
	// NextPublicUpdate is when the next public update is due, if one is.
	NextPublicUpdate *time.Time `json:"next_public_update_due"`
}

// StatusView is the public page at an instant.
type StatusView struct {
	Now time.Time
	// Since is the start of the uptime window (midnight, UptimeDays ago).
	Since       time.Time
	Indicator   string // none, minor, major, critical, maintenance
	Description string
	Components  []ComponentView // groups followed by their members, in page order
	Active      []IncidentView  // unresolved, newest first
	Incidents   []IncidentView  // all in the record, newest first
	Maintenance []MaintenanceView
	// ValidUntil is when the view changes by itself (a maintenance window
	// starts or ends, a day turns): a cache keeps it no longer.
	ValidUntil time.Time
}

// ComponentView is a public component (a service) or a group.
type ComponentView struct {
	ID          string
	Name        string
	Description string
	State       ComponentState
	Position    int
	Group       bool
	GroupID     string   // the group a member belongs to
	Members     []string // a group's members' ids
	Days        []DayView
	Uptime      float64 // percent over the window
	// UpdatedAt is when its state last changed within the window (Since
	// when it did not).
	UpdatedAt time.Time
}

// DayView is one day of a component's uptime bar.
type DayView struct {
	Date  time.Time // midnight, in the calendar's time zone
	State ComponentState
	Down  time.Duration // weighted: a major outage counts whole, a partial 30%
}

// IncidentView is a public incident.
type IncidentView struct {
	Number       int64
	Name         string
	Status       PublicStatus
	Impact       string // none, minor, major, critical
	StartedAt    time.Time
	UpdatedAt    time.Time
	MonitoringAt *time.Time
	ResolvedAt   *time.Time
	Components   []string
	Updates      []UpdateView // newest first
	Postmortem   *ReviewPublication
}

// UpdateView is a published update.
type UpdateView struct {
	Number      int
	Status      PublicStatus
	Text        string
	At          time.Time
	Components  []ComponentImpact
	IncidentNum int64
	Name        string
}

// MaintenanceView is a public maintenance window.
type MaintenanceView struct {
	ID        string
	Name      string
	Service   string
	Status    string // scheduled, in_progress
	StartsAt  time.Time
	EndsAt    time.Time
	CreatedAt time.Time
}

// Impact is a severity's Statuspage impact.
func Impact(s Severity) string {
	switch s {
	case P1:
		return "critical"
	case P2:
		return "major"
	case P3:
		return "minor"
	}
	return "none"
}

// StatusView builds the public page from a record at now.
func (p *Policy) StatusView(rec *PublicRecord, now time.Time) *StatusView {
	v := &StatusView{Now: now.UTC()}
	loc := p.Calendar.location()
	y, m, d := now.In(loc).Date()
	tomorrow := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	v.ValidUntil = tomorrow
	v.Since = time.Date(y, m, d+1-UptimeDays, 0, 0, 0, 0, loc).UTC()
	for _, inc := range rec.Incidents {
		iv := incidentView(inc)
		v.Incidents = append(v.Incidents, iv)
		if iv.ResolvedAt == nil {
			v.Active = append(v.Active, iv)
		}
	}
	byNumber := map[int64]PublicIncident{}
	for _, inc := range rec.Incidents {
		byNumber[inc.Number] = inc
	}
	states := map[string]ComponentState{}
	for _, o := range rec.Outages {
		if o.End != nil {
			continue
		}
		for _, svc := range o.Services {
			st := p.SeverityState(o.Severity)
			if inc, ok := byNumber[o.Number]; ok {
				st = stateFromUpdates(inc.Updates, svc, st)
			}
			if cur, ok := states[svc]; !ok || st.Worse(cur) {
				states[svc] = st
			}
		}
	}
	for _, w := range rec.Maintenance {
		mv := MaintenanceView{ID: w.ID, Name: w.Reason, Service: w.Service, Status: "scheduled", StartsAt: w.StartsAt, EndsAt: w.EndsAt, CreatedAt: w.CreatedAt}
		if w.Covers(now) {
			mv.Status = "in_progress"
			if cur, ok := states[w.Service]; !ok || !cur.Worse(StateUnderMaintenance) {
				states[w.Service] = StateUnderMaintenance // an outage outranks maintenance
			}
			v.ValidUntil = minTime(v.ValidUntil, w.EndsAt)
		} else if w.StartsAt.After(now) {
			v.ValidUntil = minTime(v.ValidUntil, w.StartsAt)
		}
		v.Maintenance = append(v.Maintenance, mv)
	}
	p.components(v, states, rec, loc, tomorrow)
	v.Indicator, v.Description = indicator(v.Components)
	return v
}

// stateFromUpdates is the state the newest published update naming the
// component gives it, else def.
func stateFromUpdates(updates []PublicUpdate, svc string, def ComponentState) ComponentState {
	for i := len(updates) - 1; i >= 0; i-- {
		for _, c := range updates[i].Components {
			if c.Service == svc {
				return c.State
			}
		}
	}
	return def
}

func incidentView(inc PublicIncident) IncidentView {
	iv := IncidentView{Number: inc.Number, Impact: Impact(inc.Severity), StartedAt: inc.DeclaredAt, UpdatedAt: inc.DeclaredAt,
		Postmortem: inc.Postmortem}
	seen := map[string]bool{}
	for _, u := range inc.Updates {
		iv.Name, iv.Status = u.Name, u.Status
		at := *u.PublishedAt
		iv.UpdatedAt = at
		if u.Status == PublicMonitoring && iv.MonitoringAt == nil {
			iv.MonitoringAt = &at
		}
		if u.Status == PublicResolved {
			iv.ResolvedAt = &at
		}
		for _, c := range u.Components {
			if !seen[c.Service] {
				seen[c.Service] = true
				iv.Components = append(iv.Components, c.Service)
			}
		}
		iv.Updates = append([]UpdateView{{Number: u.Number, Status: u.Status, Text: u.Text, At: at, Components: u.Components,
			IncidentNum: inc.Number, Name: u.Name}}, iv.Updates...)
	}
	for _, s := range inc.Services {
		if !seen[s] {
			seen[s] = true
			iv.Components = append(iv.Components, s)
		}
	}
	// Resolved inside without a public word: resolved on the page too.
	if inc.ResolvedAt != nil && iv.Status != PublicResolved {
		iv.Status, iv.ResolvedAt = PublicResolved, inc.ResolvedAt
		iv.UpdatedAt = maxTime(iv.UpdatedAt, *inc.ResolvedAt)
	}
	if iv.Status != PublicResolved {
		iv.ResolvedAt = nil
	}
	return iv
}

// components fills the components, their state and uptime bars.
func (p *Policy) components(v *StatusView, states map[string]ComponentState, rec *PublicRecord, loc *time.Location, tomorrow time.Time) {
	outages := rec.Outages
	pos := 1
	member := func(s *Service, group string) ComponentView {
		st := states[s.ID]
		if st == "" {
			st = StateOperational
		}
		c := ComponentView{ID: s.ID, Name: s.Name, Description: s.Description, State: st, GroupID: group}
		c.Days, c.Uptime = uptime(p, s.ID, outages, loc, tomorrow, v.Now)
		c.UpdatedAt = changedAt(s.ID, rec, v.Since, v.Now)
		return c
	}
	done := map[string]bool{}
	for _, g := range p.Comms.Groups {
		gv := ComponentView{ID: g.ID, Name: g.Name, Group: true, State: StateOperational, Position: pos}
		pos++
		var members []ComponentView
		for _, id := range g.Services {
			s, ok := p.Service(id)
			if !ok || !s.Public || done[id] {
				continue
			}
			done[id] = true
			c := member(s, g.ID)
			c.Position = pos
			pos++
			gv.Members = append(gv.Members, c.ID)
			if c.State.Worse(gv.State) {
				gv.State = c.State
			}
			gv.UpdatedAt = maxTime(gv.UpdatedAt, c.UpdatedAt)
			members = append(members, c)
		}
		if len(members) == 0 {
			continue
		}
		v.Components = append(v.Components, gv)
		v.Components = append(v.Components, members...)
	}
	for i := range p.Services {
		s := &p.Services[i]
		if s.Public && !done[s.ID] {
			c := member(s, "")
			c.Position = pos
			pos++
			v.Components = append(v.Components, c)
		}
	}
}

// changedAt is when a service's state last changed by now: an outage
// beginning or ending, a published update naming it, a maintenance window
// beginning; since when nothing did.
func changedAt(svc string, rec *PublicRecord, since, now time.Time) time.Time {
	at := since
	seen := func(t time.Time) {
		if t.After(at) && !t.After(now) {
			at = t
		}
	}
	for _, o := range rec.Outages {
		if slices.Contains(o.Services, svc) {
			seen(o.Start)
			if o.End != nil {
				seen(*o.End)
			}
		}
	}
	for _, inc := range rec.Incidents {
		for _, u := range inc.Updates {
			if slices.ContainsFunc(u.Components, func(c ComponentImpact) bool { return c.Service == svc }) {
				seen(*u.PublishedAt)
			}
		}
	}
	for _, w := range rec.Maintenance {
		if w.Service == svc {
			seen(w.StartsAt)
		}
	}
	return at.UTC()
}

// partialWeight is how much of a partial outage's time counts as down, as
// Statuspage counts it.
const partialWeight = 0.3

// uptime is a service's bars over the last UptimeDays days and its
// uptime in percent: a major outage counts whole, a partial one 30%.
func uptime(p *Policy, svc string, outages []OutageSpan, loc *time.Location, tomorrow, now time.Time) ([]DayView, float64) {
	days := make([]DayView, UptimeDays)
	var down, total time.Duration
	for i := range days {
		start := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day()-UptimeDays+i, 0, 0, 0, 0, loc)
		end := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, loc)
		end = minTime(end, now)
		day := DayView{Date: start, State: StateOperational}
		for _, o := range outages {
			if !slices.Contains(o.Services, svc) {
				continue
			}
			oEnd := now
			if o.End != nil {
				oEnd = *o.End
			}
			from, to := maxTime(o.Start, start), minTime(oEnd, end)
			if !to.After(from) {
				continue
			}
			st := p.SeverityState(o.Severity)
			if st.Worse(day.State) {
				day.State = st
			}
			switch st {
			case StateMajorOutage:
				day.Down += to.Sub(from)
			case StatePartialOutage:
				day.Down += time.Duration(float64(to.Sub(from)) * partialWeight)
			}
		}
		if end.After(start) {
			total += end.Sub(start)
			down += min(day.Down, end.Sub(start))
		}
		days[i] = day
	}
	if total <= 0 {
		return days, 100
	}
	return days, 100 * (1 - float64(down)/float64(total))
}

// indicator is the page's overall status from its components, as
// Statuspage words it: the worst state wins; all components in a major
// outage is critical.
func indicator(cs []ComponentView) (string, string) {
	worst, all, n := StateOperational, true, 0
	for _, c := range cs {
		if c.Group {
			continue
		}
		n++
		if c.State.Worse(worst) {
			worst = c.State
		}
		if c.State != StateMajorOutage {
			all = false
		}
	}
	switch worst {
	case StateMajorOutage:
		if all && n > 1 {
			return "critical", "Major System Outage"
		}
		return "major", "Partial System Outage"
	case StatePartialOutage:
		return "minor", "Minor Service Outage"
	case StateDegraded:
		return "minor", "Partially Degraded Service"
	case StateUnderMaintenance:
		return "maintenance", "Service Under Maintenance"
	}
	return "none", "All Systems Operational"
}
