package fireline

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Severity is an incident's classification, P1 (critical) to P4 (low).
type Severity string

// Severities of the default guide. A policy may only use these four levels.
const (
	P1 Severity = "P1"
	P2 Severity = "P2"
	P3 Severity = "P3"
	P4 Severity = "P4"
)

// Severities lists the levels in order, most severe first.
var Severities = []Severity{P1, P2, P3, P4}

// MoreSevere reports whether s is a more severe level than other (P1 is
// more severe than P3). An unknown level is less severe than any known.
func (s Severity) MoreSevere(other Severity) bool {
	rank := func(v Severity) int {
		for i, x := range Severities {
			if x == v {
				return i
			}
		}
		return len(Severities)
	}
	return rank(s) < rank(other)
}

// Source says how an incident was detected.
type Source string

// Sources, from the guide's detection step.
const (
	SourceMonitoring    Source = "monitoring"
	SourceUserReport    Source = "user_report"
	SourceSupportTicket Source = "support_ticket"
	SourceOnCall        Source = "on_call"
	SourceSecurity      Source = "security"
)

// Sources lists every valid Source.
var Sources = []Source{SourceMonitoring, SourceUserReport, SourceSupportTicket, SourceOnCall, SourceSecurity}

// Stage is a step of the guide's response workflow.
type Stage string

// Stages, in workflow order.
const (
	StageDetection          Stage = "detection"
	StageInitialResponse    Stage = "initial_response"
	StageInvestigation      Stage = "investigation"
	StageMitigation         Stage = "mitigation"
	StageResolution         Stage = "resolution"
	StagePostIncidentReview Stage = "post_incident_review"
	StageClosed             Stage = "closed"
)

// Stages lists every stage in workflow order.
var Stages = []Stage{StageDetection, StageInitialResponse, StageInvestigation, StageMitigation, StageResolution, StagePostIncidentReview, StageClosed}

// Status is where an incident stands: triggered and acknowledged incidents
// are open; resolved and closed ones are not.
type Status string

// Statuses.
const (
	StatusTriggered    Status = "triggered"
	StatusAcknowledged Status = "acknowledged"
	StatusResolved     Status = "resolved"
	StatusClosed       Status = "closed"
)

// Statuses lists every status.
var Statuses = []Status{StatusTriggered, StatusAcknowledged, StatusResolved, StatusClosed}

// Open reports whether the status is triggered or acknowledged.
func (s Status) Open() bool { return s == StatusTriggered || s == StatusAcknowledged }

// IncidentRole identifies a response role in the policy.
type IncidentRole string

// The guide's five response roles.
const (
	RolePrimaryOnCall         IncidentRole = "primary_on_call"
	RoleSecondaryOnCall       IncidentRole = "secondary_on_call"
	RoleIncidentCommander     IncidentRole = "incident_commander"
	RoleSME                   IncidentRole = "sme"
	RoleCommunicationsLiaison IncidentRole = "communications_liaison"
)

// RoleAssignment says a person holds a role on an incident.
type RoleAssignment struct {
	Role   IncidentRole `json:"role"`
	Person string       `json:"person"`
}

// Incident is an incident's current state. Every change to it is also an
// Event on its timeline; Replay rebuilds an Incident from its events.
type Incident struct {
	ID          string   `json:"id"`
	Number      int64    `json:"number"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Source      Source   `json:"source"`
	Services    []string `json:"services"`
	Description string   `json:"description"`
	Restricted  bool     `json:"restricted"`
	Stage       Stage    `json:"stage"`
	Status      Status   `json:"status"`

	Impact string     `json:"impact"`
	Scope  string     `json:"scope"`
	ETA    *time.Time `json:"eta"`

	Roles   []RoleAssignment `json:"roles"`
	Members []string         `json:"members"`

	DeclaredBy     string     `json:"declared_by"`
	DeclaredAt     time.Time  `json:"declared_at"`
	SeveritySetAt  time.Time  `json:"severity_set_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	EscalatedAt    *time.Time `json:"escalated_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	ClosedAt       *time.Time `json:"closed_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	// UnansweredAt is when the paging walk, its repeats done, ended with
	// nobody acknowledging; nil once someone does, or a new walk starts.
	UnansweredAt *time.Time `json:"unanswered_at"`

	RespondBy  time.Time  `json:"respond_by"`
	EscalateBy *time.Time `json:"escalate_by"`
	ResolveBy  time.Time  `json:"resolve_by"`
	// Breaches is derived from the clocks at the moment the incident is read.
	Breaches Breaches `json:"breaches"`

	// Checklist is the incident's playbooks and their steps' state
	// (checklist.go). Lists of incidents leave it out.
	Checklist Checklist `json:"checklist,omitzero"`
	// Review is the post-incident review (review.go), ActionItems the
	// incident's action items and Repeats the open items of earlier
	// incidents on its services (actionitem.go). Lists leave them out.
	Review      *Review      `json:"review,omitempty"`
	ActionItems []ActionItem `json:"action_items,omitempty"`
	Repeats     []RepeatFlag `json:"repeats,omitempty"`
	// Comms is the incident's public updates and their cadence
	// (comms_update.go). Lists of incidents leave it out.
	Comms Comms `json:"comms,omitzero"`
	// Slack is the incident's Slack channel, when it has one (slack.go);
	// not replayed from the timeline. Lists of incidents leave it out.
	Slack *SlackChannel `json:"slack,omitempty"`
	// Security is the evidence preserved and the regulatory clock
	// (security.go). Lists of incidents leave it out.
	Security Security `json:"security,omitzero"`

	PolicyVersion string `json:"policy_version"`
	EventCount    int64  `json:"event_count"`
	HeadHash      string `json:"head_hash"`
}

// IncidentID formats an incident number as its human id.
func IncidentID(number int64) string { return "INC-" + strconv.FormatInt(number, 10) }

// ParseIncidentID parses a human id ("INC-42", case-insensitive, or a bare
// number) into its number.
func ParseIncidentID(id string) (int64, error) {
	s := strings.TrimSpace(id)
	if len(s) > 4 && strings.EqualFold(s[:4], "INC-") {
		s = s[4:]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, Errorf(ENotFound, "incident %q not found", id)
	}
	return n, nil
}

// Breaches says which of an incident's clocks have been missed.
type Breaches struct {
	Respond  bool `json:"respond"`
	Escalate bool `json:"escalate"`
	Resolve  bool `json:"resolve"`
}

// BreachesAt reports which clocks are breached at now: respond when the
// acknowledgement came (or is still missing) after respond-by; escalate when
// escalate-by passed with no escalation while unresolved; resolve when the
// incident was (or still is not) resolved after resolve-by. Each allows
// ClockTolerance.
func (inc *Incident) BreachesAt(now time.Time) Breaches {
	late := func(done *time.Time, due time.Time) bool {
		due = due.Add(ClockTolerance)
		if done != nil {
			return done.After(due)
		}
		return now.After(due)
	}
	var b Breaches
	b.Respond = late(inc.AcknowledgedAt, inc.RespondBy)
	b.Resolve = late(inc.ResolvedAt, inc.ResolveBy)
	if inc.EscalateBy != nil {
		end := inc.EscalatedAt
		if end == nil {
			end = inc.ResolvedAt
		}
		b.Escalate = late(end, *inc.EscalateBy)
	}
	return b
}

// HasMember reports whether person is a member: holds a role or was added.
func (inc *Incident) HasMember(person string) bool {
	return person != "" && slices.Contains(inc.Members, person)
}

// VisibleTo reports whether the actor may see the incident at all.
// Restricted incidents are visible only to their members and admins.
func (inc *Incident) VisibleTo(a Actor) bool {
	return !inc.Restricted || a.Role == RoleAdmin || inc.HasMember(a.PersonID)
}

// setClocks recomputes the deadlines from the current severity.
func (inc *Incident) setClocks(p *Policy) error {
	c, err := p.Clocks(inc.Severity, inc.SeveritySetAt)
	if err != nil {
		return err
	}
	inc.RespondBy, inc.ResolveBy = c.RespondBy.UTC(), c.ResolveBy.UTC()
	inc.EscalateBy = nil
	if c.EscalateBy != nil {
		t := c.EscalateBy.UTC()
		inc.EscalateBy = &t
	}
	return nil
}

func (inc *Incident) addMember(person string) bool {
	if person == "" || inc.HasMember(person) {
		return false
	}
	inc.Members = append(slices.Clip(inc.Members), person)
	return true
}

func (inc *Incident) String() string {
	return fmt.Sprintf("%s [%s] %s", inc.ID, inc.Severity, inc.Title)
}

// RoleHolder returns who holds a role on the incident (the first, for a
// role several hold), or "".
func (inc *Incident) RoleHolder(role IncidentRole) string { return inc.holder(role) }
