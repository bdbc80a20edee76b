package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// clockView is one of an incident's deadlines as the console shows it.
// State is ok, warn (at risk: past the share of its time the policy's
// clocks.at_risk gives), late (breached), met or missed; Mark says "at
// risk" or "breached" in words. Risk is when the clock becomes at risk
// (Due when it never is): the instant the engine records clock_at_risk,
// from the same marks (fireline.Policy.WalkClockMarks), so the colours
// and the timeline agree. The console script recomputes the state every
// second from Risk and Due against the server's clock.
type clockView struct {
	Label string
	Risk  time.Time
	Due   time.Time
	Done  *time.Time
	State string
	Text  string
	Mark  string
}

func newClock(label string, risk, due time.Time, done *time.Time, now time.Time) clockView {
	c := clockView{Label: label, Risk: risk, Due: due, Done: done}
	switch left := due.Sub(now); {
	case done != nil && !done.After(due):
		c.State, c.Text = "met", "met"
	case done != nil:
		c.State, c.Text = "missed", "missed by "+span(done.Sub(due))
	case left < 0:
		c.State, c.Text, c.Mark = "late", "overdue by "+span(-left), "breached"
	case !now.Before(risk):
		c.State, c.Text, c.Mark = "warn", "in "+span(left), "at risk"
	default:
		c.State, c.Text = "ok", "in "+span(left)
	}
	return c
}

// span formats a duration the way a countdown reads: 2d 3h, 3h 12m,
// 12m 5s, 40s. The console script formats it the same way.
func span(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s >= 86400:
		return fmt.Sprintf("%dd %dh", s/86400, s%86400/3600)
	case s >= 3600:
		return fmt.Sprintf("%dh %dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm %ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

// clocks returns an incident's clocks: respond-by, escalate-by (when the
// severity escalates) and resolve-by, each at risk when the policy's
// marks say (the walk it started, planned as the engine plans it).
func clocks(p *fireline.Policy, inc *fireline.Incident, now time.Time) []clockView {
	risk := map[fireline.ClockName]time.Time{}
	for _, m := range p.WalkClockMarks(inc, p.PlanWalk(inc, inc.SeveritySetAt)) {
		if !m.Breach {
			risk[m.Clock] = m.At
		}
	}
	at := func(c fireline.ClockName, due time.Time) time.Time {
		if t, ok := risk[c]; ok {
			return t
		}
		return due
	}
	cs := []clockView{newClock("Respond by", at(fireline.ClockRespond, inc.RespondBy), inc.RespondBy, inc.AcknowledgedAt, now)}
	if inc.EscalateBy != nil {
		done := inc.EscalatedAt
		if done == nil {
			done = inc.ResolvedAt
		}
		cs = append(cs, newClock("Escalate by", at(fireline.ClockEscalate, *inc.EscalateBy), *inc.EscalateBy, done, now))
	}
	cs = append(cs, newClock("Resolve by", at(fireline.ClockResolve, inc.ResolveBy), inc.ResolveBy, inc.ResolvedAt, now))
	// The next public update, where the cadence runs (an incident read
	// with its communications: the incident page).
	if due, _, ok := p.NextUpdateDue(inc); ok {
		cs = append(cs, newClock("Public update by", due.Add(-p.RemindBefore()), due, nil, now))
	}
	// The regulatory notification deadline (regulatory.go), which runs on
	// after resolution until the regulator is notified.
	if r := inc.Security.Regulatory; r != nil {
		cs = append(cs, newClock("Notify regulator by", p.RegulatoryAtRisk(inc.DeclaredAt, r.Due), r.Due, r.NotifiedAt, now))
	}
	return cs
}

// incidentRow is an incident in a list.
type incidentRow struct {
	*fireline.Incident
	Clocks    []clockView
	Commander string
}

func newRow(p *fireline.Policy, inc *fireline.Incident, now time.Time) incidentRow {
	return incidentRow{Incident: inc, Clocks: clocks(p, inc, now), Commander: inc.RoleHolder(fireline.RoleIncidentCommander)}
}

// eventView is one timeline entry: who did what, in words.
type eventView struct {
	Seq   int64
	At    time.Time
	Actor string
	Type  string
	Kind  string // the note kind, for notes
	// Lead is what the entry's sentence starts with when it is not the
	// actor: a clock, a person who joined. The actor is still on the
	// entry's meta line.
	Lead   string
	What   string
	Detail string
	Fields []field // the data of event types the console does not know
}

type field struct{ Name, Value string }

// describe puts an event in words; the paging engine's events in
// console_paging.go. Event types the console does not know are shown with
// their data as name/value pairs.
func describe(e *fireline.Event, p *fireline.Policy) eventView {
	v := eventView{Seq: e.Seq, At: e.At, Actor: e.Actor, Type: string(e.Type)}
	if describePaging(&v, e, p) { // console_paging.go
		return v
	}
	data, err := e.DecodeData()
	if err != nil {
		v.What = humanize(string(e.Type))
		return v
	}
	if describeChecklist(&v, data, p) { // console_checklist.go
		return v
	}
	if describeReview(&v, data, p) { // console_review.go
		return v
	}
	if describeComms(&v, data, p) { // comms.go
		return v
	}
	if describeSecurity(&v, data, p) { // evidence.go
		return v
	}
	person := func(id string) string { return personName(p, id) }
	role := func(id fireline.IncidentRole) string {
		if r, ok := p.Role(id); ok {
			return r.Name
		}
		return humanize(string(id))
	}
	switch d := data.(type) {
	case *fireline.DeclaredData:
		v.What, v.Detail = "declared the incident as "+string(d.Severity), d.Title
	case *fireline.AcknowledgedData:
		v.What = "acknowledged"
	case *fireline.SeverityChangedData:
		v.What, v.Detail = "changed severity from "+string(d.From)+" to "+string(d.To), d.Reason
	case *fireline.RoleAssignedData:
		v.What = "assigned " + role(d.Role) + " to " + person(d.Person)
	case *fireline.RoleUnassignedData:
		v.What = "removed " + person(d.Person) + " as " + role(d.Role)
	case *fireline.StageChangedData:
		v.What, v.Detail = "moved the incident to "+stageName(d.To), d.Reason
	case *fireline.NoteData:
		v.Kind = string(d.Kind)
		v.What, v.Detail = "recorded a "+strings.ReplaceAll(v.Kind, "_", " "), d.Text
	case *fireline.UpdatedData:
		v.Fields = updatedFields(d, calendarLocation(p))
		names := make([]string, len(v.Fields))
		for i, f := range v.Fields {
			names[i] = strings.ToLower(f.Name)
		}
		v.What = "updated " + strings.Join(names, ", ")
	case *fireline.ResolvedData:
		v.What, v.Detail = "resolved the incident", d.Summary
	case *fireline.ReopenedData:
		v.What, v.Detail = "reopened the incident", d.Reason
	case *fireline.MemberAddedData:
		v.What = "added " + person(d.Person) + " as a member"
	case *fireline.AlertAttachedData:
		v.What, v.Detail = "attached "+string(d.Severity)+" alert #"+strconv.FormatInt(d.Alert, 10)+moreAlerts(d.MoreAlerts), d.Summary
	case *fireline.AlertResolvedData:
		v.What = "recorded alert #" + strconv.FormatInt(d.Alert, 10) + moreAlerts(d.MoreAlerts) + " as resolved"
	case *fireline.ChangeEventData:
		v.What, v.Detail = "recorded a change", d.Summary
	default:
		v.What = humanize(string(e.Type))
	}
	return v
}

// updatedFields lists what an update set, in a fixed order, instants in
// the calendar's time zone.
func updatedFields(d *fireline.UpdatedData, loc *time.Location) []field {
	var out []field
	text := func(name string, s *string) {
		if s != nil {
			out = append(out, field{name, *s})
		}
	}
	text("Title", d.Title)
	text("Description", d.Description)
	text("Impact", d.Impact)
	text("Scope", d.Scope)
	if d.Services != nil {
		out = append(out, field{"Services", strings.Join(d.Services, ", ")})
	}
	if d.ETA != nil {
		out = append(out, field{"ETA", d.ETA.In(loc).Format("Mon 2 Jan 15:04 MST")})
	}
	if d.ClearETA {
		out = append(out, field{"ETA", "cleared"})
	}
	return out
}

// calendarLocation is the policy calendar's time zone, UTC when unset.
func calendarLocation(p *fireline.Policy) *time.Location {
	if p.Calendar.Location == nil {
		return time.UTC
	}
	return p.Calendar.Location
}

// moreAlerts says how many other alerts an alert event names.
func moreAlerts(more []int64) string {
	switch len(more) {
	case 0:
		return ""
	case 1:
		return " and 1 more"
	}
	return " and " + strconv.Itoa(len(more)) + " more"
}

// recipients names paged parties: people by name, contacts by name.
func recipients(rs []fireline.Recipient, p *fireline.Policy) string {
	names := make([]string, 0, len(rs))
	for _, r := range rs {
		switch {
		case r.Person != "":
			if pe, ok := p.Person(r.Person); ok {
				names = append(names, pe.Name)
			} else {
				names = append(names, r.Person)
			}
		default:
			if c, ok := p.Contact(r.Contact); ok {
				names = append(names, c.Name)
			} else {
				names = append(names, r.Contact)
			}
		}
	}
	if len(names) == 0 {
		return "no one"
	}
	return strings.Join(names, ", ")
}
