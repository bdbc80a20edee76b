package fireline

import (
	"context"
	"time"
)

// IncidentService declares, finds and works incidents. Every method acts as
// the Actor in ctx: incidents the actor may not see (restricted ones they
// are not a member of, unless they are an admin) do not exist for it, and
// an action by someone who may not see the incident fails with ENotFound.
type IncidentService interface {
	// DeclareIncident opens a new incident with the next human id.
	// EInvalid for bad input.
	DeclareIncident(ctx context.Context, in DeclareInput) (*Incident, error)
	// FindIncident returns one incident by human id ("INC-7").
	// ENotFound if it does not exist or is not visible.
	FindIncident(ctx context.Context, id string) (*Incident, error)
	// FindIncidents lists visible incidents, newest first.
	// EInvalid for a bad filter or cursor.
	FindIncidents(ctx context.Context, f IncidentFilter) (*IncidentPage, error)
	// Timeline returns an incident's events in order, all of them (for
	// an export). ENotFound as FindIncident.
	Timeline(ctx context.Context, id string) ([]*Event, error)
	// TimelinePage returns the newest of the events of an incident's
	// timeline the filter selects, in order. ENotFound as FindIncident;
	// EInvalid for a bad filter.
	TimelinePage(ctx context.Context, id string, f TimelineFilter) (*TimelinePage, error)
	// Act does one action to an incident and records it on the timeline.
	// ENotFound as FindIncident; EInvalid for bad input; EConflict when the
	// incident's state forbids the action.
	Act(ctx context.Context, id string, a Action) (*Incident, error)
	// CountIncidents counts visible incidents by severity and status.
	CountIncidents(ctx context.Context) ([]IncidentCount, error)
	// VerifyIncident checks an incident's stored timeline in place: its
	// row and events, read as of one instant, replayed (Verify). A broken
	// chain is a Verification that is not OK, not an error. ENotFound as
	// FindIncident.
	VerifyIncident(ctx context.Context, id string) (*Verification, error)
}

// IncidentFilter selects incidents. Zero fields do not filter.
type IncidentFilter struct {
	Status   []Status   `json:"status,omitempty"`
	Severity []Severity `json:"severity,omitempty"`
	Service  string     `json:"service,omitempty"`
	// Open selects open (true) or not open (false) incidents.
	Open *bool `json:"open,omitempty"`
	// Stage selects the incidents at this stage of the workflow.
	Stage Stage `json:"stage,omitempty"`
	// Unanswered selects the triggered incidents whose paging walk ended
	// with nobody acknowledging.
	Unanswered bool `json:"unanswered,omitempty"`
	// Text matches title and description, case-insensitively.
	Text string `json:"text,omitempty"`
	// Since and Until bound the declaration time: Since <= declared < Until.
	Since *time.Time `json:"since,omitempty"`
	Until *time.Time `json:"until,omitempty"`
	// Limit caps the page size (default 50, at most 500).
	Limit int `json:"limit,omitempty"`
	// Cursor continues from a previous page's NextCursor.
	Cursor string `json:"cursor,omitempty"`
}

// Default and largest page sizes for incident lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// IncidentPage is one page of a list.
type IncidentPage struct {
	Incidents []*Incident `json:"incidents"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor"`
}

// TimelineFilter selects part of an incident's timeline. Zero fields do
// not filter.
type TimelineFilter struct {
	// Before keeps the events numbered below it: the Older of the page
	// before, to read a timeline from its newest event back.
	Before int64 `json:"before,omitempty"`
	// After keeps the events numbered above it.
	After int64 `json:"after,omitempty"`
	// Limit caps the page at the newest events selected (default and
	// at most MaxTimelinePage).
	Limit int `json:"limit,omitempty"`
	// Types keeps the events of these types. The store finds
	// SummaryEventTypes through an index of their own.
	Types []EventType `json:"types,omitempty"`
}

// MaxTimelinePage is the largest page of a timeline, and the default: a
// timeline of up to this many events reads whole in one page.
const MaxTimelinePage = 1000

// SummaryEventTypes are the events an incident's page sums up beside its
// timeline, read on their own however long the timeline: the paging walk
// (escalation steps and page attempts), the changes (deploys) recorded,
// and unanswered walks.
var SummaryEventTypes = []EventType{EventChangeEvent, EventEscalationStep, EventPageFailed, EventPageSent, EventUnanswered}

// TimelinePage is part of a timeline.
type TimelinePage struct {
	// Events are in order, oldest first.
	Events []*Event `json:"events"`
	// Older, when older events are selected too, is the Before that reads
	// the page before this one; 0 when there are none.
	Older int64 `json:"next_before,omitempty"`
}

// IncidentCount is the number of incidents of one severity and status.
type IncidentCount struct {
	Severity Severity `json:"severity"`
	Status   Status   `json:"status"`
	Count    int64    `json:"count"`
	// Unanswered counts the triggered ones whose walk ended with nobody
	// acknowledging.
	Unanswered int64 `json:"unanswered"`
	// Breached counts the open ones past a clock not met, by clock.
	Breached map[ClockName]int64 `json:"breached,omitempty"`
}

// HealthChecker reports whether the store can serve requests.
type HealthChecker interface {
	// Ready returns nil when the database is reachable and its schema is
	// the one this binary expects; EUnavailable otherwise.
	Ready(ctx context.Context) error
}

// ReviewService reads post-incident reviews and action items; changes to
// them are actions on their incident (IncidentService.Act).
type ReviewService interface {
	// Review returns an incident's review document as it stands: what
	// the timeline fills in and what people wrote. ENotFound as
	// FindIncident.
	Review(ctx context.Context, id string) (*ReviewDraft, error)
	// ActionItems lists the action items of visible incidents that the
	// filter selects, by deadline. EInvalid for a bad filter.
	ActionItems(ctx context.Context, f ActionItemFilter) ([]ActionItem, error)
}

// ActionItemFilter selects action items. Zero fields do not filter.
type ActionItemFilter struct {
	Owner    string           `json:"owner,omitempty"`
	Status   ActionItemStatus `json:"status,omitempty"`
	Overdue  bool             `json:"overdue,omitempty"`
	Incident string           `json:"incident,omitempty"`
	Service  string           `json:"service,omitempty"`
	// Team: only items whose owner is in this team of the directory
	// (NoTeam: in none).
	Team string `json:"team,omitempty"`
}

// ReportService reads reports across incidents (report.go).
type ReportService interface {
	// Report returns the report the filter selects (Validate's defaults
	// applied), counting restricted incidents for admins only. EInvalid
	// for a bad filter.
	Report(ctx context.Context, f ReportFilter) (*Report, error)
}
