package web

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

type incidentPath struct {
	ID string `path:"id" example:"INC-42" doc:"The incident's human id."`
}

type incidentOutput struct {
	Body *fireline.Incident
}

// timeline is the body of GET /api/v1/incidents/{id}/timeline: a page
// of the timeline, in order, and the before that reads the page of older
// events, absent when there are none.
type timeline struct {
	Events     []*fireline.Event `json:"events"`
	NextBefore int64             `json:"next_before,omitempty" doc:"When older events exist: the before parameter that reads the page of them."`
}

// timelineInput is the timeline route's id and paging parameters.
type timelineInput struct {
	ID     string   `path:"id" example:"INC-42" doc:"The incident's human id."`
	Limit  string   `query:"limit" doc:"Page size, 1-1000 (default 1000): the newest events selected. A timeline of up to 1000 events reads whole."`
	Before string   `query:"before" doc:"Only events numbered (seq) below this: next_before from the newer page."`
	After  string   `query:"after" doc:"Only events numbered (seq) above this."`
	Type   []string `query:"type,explode" doc:"Only events of these types; repeat the parameter or separate with commas."`
}

// incidentCounts is the body of GET /api/v1/incident-counts.
type incidentCounts struct {
	Counts []fireline.IncidentCount `json:"counts"`
}

// listInput holds the list filters as sent; parseFilter checks them, so
// that a bad filter is a 400 that names every bad parameter.
type listInput struct {
	Status     []string `query:"status,explode" doc:"Statuses to include (triggered, acknowledged, resolved, closed); repeat the parameter or separate with commas."`
	Severity   []string `query:"severity,explode" doc:"Severities to include (P1-P4); repeat the parameter or separate with commas."`
	Service    string   `query:"service" doc:"Only incidents affecting this service id."`
	Open       string   `query:"open" doc:"true for open incidents (triggered, acknowledged), false for the others."`
	Stage      string   `query:"stage" doc:"Only incidents at this workflow stage (detection, initial_response, investigation, mitigation, resolution, post_incident_review, closed)."`
	Unanswered string   `query:"unanswered" doc:"true for the triggered incidents whose paging walk ended with nobody acknowledging."`
	Q          string   `query:"q" doc:"Text to find in title and description, case-insensitively, as a substring (through a trigram index from 3 characters)."`
	Since      string   `query:"since" doc:"Declared at or after this RFC 3339 time."`
	Until      string   `query:"until" doc:"Declared before this RFC 3339 time."`
	Limit      string   `query:"limit" doc:"Page size, 1-500 (default 50)."`
	Cursor     string   `query:"cursor" doc:"next_cursor from the previous page."`
}

type listOutput struct {
	Body *fireline.IncidentPage
}

func (h *handler) listIncidents(ctx context.Context, in *listInput) (*listOutput, error) {
	f, err := parseFilter(in)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	page, err := h.cfg.Incidents.FindIncidents(ctx, f)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	if page.Incidents == nil {
		page.Incidents = []*fireline.Incident{}
	}
	return &listOutput{Body: page}, nil
}

// parseFilter turns list parameters into a filter, or an EInvalid error
// listing every bad parameter.
func parseFilter(in *listInput) (fireline.IncidentFilter, error) {
	f := fireline.IncidentFilter{Service: strings.TrimSpace(in.Service), Text: strings.TrimSpace(in.Q), Cursor: in.Cursor}
	var fe []fireline.FieldError
	bad := func(field, msg string) { fe = append(fe, fireline.FieldError{Field: field, Message: msg}) }
	for _, s := range splitList(in.Status) {
		if st := fireline.Status(strings.ToLower(s)); slices.Contains(fireline.Statuses, st) {
			f.Status = append(f.Status, st)
		} else {
			bad("status", "unknown status "+strconv.Quote(s)+"; want triggered, acknowledged, resolved or closed")
		}
	}
	for _, s := range splitList(in.Severity) {
		if sev := fireline.Severity(strings.ToUpper(s)); slices.Contains(fireline.Severities, sev) {
			f.Severity = append(f.Severity, sev)
		} else {
			bad("severity", "unknown severity "+strconv.Quote(s)+"; want P1, P2, P3 or P4")
		}
	}
	if in.Open != "" {
		if open, err := strconv.ParseBool(in.Open); err == nil {
			f.Open = &open
		} else {
			bad("open", "must be true or false")
		}
	}
	if in.Unanswered != "" {
		if v, err := strconv.ParseBool(in.Unanswered); err == nil {
			f.Unanswered = v
		} else {
			bad("unanswered", "must be true or false")
		}
	}
	if st := fireline.Stage(strings.ToLower(strings.TrimSpace(in.Stage))); st != "" {
		if slices.Contains(fireline.Stages, st) {
			f.Stage = st
		} else {
			bad("stage", "unknown stage "+strconv.Quote(in.Stage))
		}
	}
	for _, t := range []struct {
		field, value string
		dst          **time.Time
	}{{"since", in.Since, &f.Since}, {"until", in.Until, &f.Until}} {
		if t.value == "" {
			continue
		}
		if v, err := time.Parse(time.RFC3339, t.value); err == nil {
			v = v.UTC()
			*t.dst = &v
		} else {
			bad(t.field, "must be an RFC 3339 time such as 2026-03-01T09:00:00Z")
		}
	}
	if f.Since != nil && f.Until != nil && !f.Until.After(*f.Since) {
		bad("until", "must be after since")
	}
	if in.Limit != "" {
		if n, err := strconv.Atoi(in.Limit); err == nil && n >= 1 && n <= fireline.MaxPageSize {
			f.Limit = n
		} else {
			bad("limit", "must be a whole number from 1 to "+strconv.Itoa(fireline.MaxPageSize))
		}
	}
	if len(fe) > 0 {
		return f, &fireline.Error{Code: fireline.EInvalid, Message: "invalid incident filter", Fields: fe}
	}
	return f, nil
}

// splitList flattens repeated and comma-separated values.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

type declareInput struct {
	jsonBody[fireline.DeclareInput]
}

type declaredOutput struct {
	Location string `header:"Location"`
	Body     *fireline.Incident
}

func (h *handler) declareIncident(ctx context.Context, in *declareInput) (*declaredOutput, error) {
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	inc, err := h.cfg.Incidents.DeclareIncident(ctx, body)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	h.changed(inc)
	return &declaredOutput{Location: apiPrefix + "/incidents/" + inc.ID, Body: inc}, nil
}

func (h *handler) getIncident(ctx context.Context, in *incidentPath) (*incidentOutput, error) {
	inc, err := h.cfg.Incidents.FindIncident(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &incidentOutput{Body: inc}, nil
}

type timelineOutput struct {
	Body timeline
}

func (h *handler) getTimeline(ctx context.Context, in *timelineInput) (*timelineOutput, error) {
	f, err := parseTimelineFilter(in)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	page, err := h.cfg.Incidents.TimelinePage(ctx, in.ID, f)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	if page.Events == nil {
		page.Events = []*fireline.Event{}
	}
	return &timelineOutput{Body: timeline{Events: page.Events, NextBefore: page.Older}}, nil
}

// parseTimelineFilter turns the timeline's parameters into a filter, or
// an EInvalid error listing every bad parameter.
func parseTimelineFilter(in *timelineInput) (fireline.TimelineFilter, error) {
	var f fireline.TimelineFilter
	var fe []fireline.FieldError
	for _, p := range []struct {
		field, value string
		max          int64
		dst          *int64
	}{{"limit", in.Limit, fireline.MaxTimelinePage, nil}, {"before", in.Before, 0, &f.Before}, {"after", in.After, 0, &f.After}} {
		if p.value == "" {
			continue
		}
		n, err := strconv.ParseInt(p.value, 10, 64)
		switch {
		case err != nil || n < 1 || (p.max > 0 && n > p.max):
			msg := "must be an event's number (seq), 1 or more"
			if p.max > 0 {
				msg = "must be a whole number from 1 to " + strconv.FormatInt(p.max, 10)
			}
			fe = append(fe, fireline.FieldError{Field: p.field, Message: msg})
		case p.dst == nil:
			f.Limit = int(n)
		default:
			*p.dst = n
		}
	}
	for _, t := range splitList(in.Type) {
		f.Types = append(f.Types, fireline.EventType(t))
	}
	if len(fe) > 0 {
		return f, &fireline.Error{Code: fireline.EInvalid, Message: "invalid timeline filter", Fields: fe}
	}
	return f, nil
}

type exportOutput struct {
	Body *fireline.Export
}

// exportIncident reads the incident, then its timeline. Events are only
// ever appended, so cutting the timeline at the incident's event count
// gives a consistent snapshot even when an action lands in between.
func (h *handler) exportIncident(ctx context.Context, in *incidentPath) (*exportOutput, error) {
	inc, err := h.cfg.Incidents.FindIncident(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	events, err := h.cfg.Incidents.Timeline(ctx, inc.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	if n := inc.EventCount; n > 0 && int64(len(events)) > n {
		events = events[:n]
	}
	return &exportOutput{Body: &fireline.Export{
		Format: fireline.ExportFormat, ExportedAt: h.now().UTC(), Incident: inc, Events: events,
	}}, nil
}

type verifyOutput struct {
	Body *fireline.Verification
}

// verifyIncident checks the incident's stored timeline in place: 200 with
// ok true, or ok false and what is broken.
func (h *handler) verifyIncident(ctx context.Context, in *incidentPath) (*verifyOutput, error) {
	v, err := h.cfg.Incidents.VerifyIncident(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &verifyOutput{Body: v}, nil
}

type countsOutput struct {
	Body incidentCounts
}

func (h *handler) countIncidents(ctx context.Context, _ *struct{}) (*countsOutput, error) {
	counts, err := h.cfg.Incidents.CountIncidents(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	if counts == nil {
		counts = []fireline.IncidentCount{}
	}
	return &countsOutput{Body: incidentCounts{Counts: counts}}, nil
}
