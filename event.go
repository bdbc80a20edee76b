package fireline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// EventType names a kind of timeline event.
type EventType string

// Event types. Each has a data struct below; Replay knows them all.
const (
	EventDeclared        EventType = "declared"
	EventAcknowledged    EventType = "acknowledged"
	EventSeverityChanged EventType = "severity_changed"
	EventRoleAssigned    EventType = "role_assigned"
	EventRoleUnassigned  EventType = "role_unassigned"
	EventStageChanged    EventType = "stage_changed"
	EventNote            EventType = "note"
	EventUpdated         EventType = "updated"
	EventEscalated       EventType = "escalated"
	EventResolved        EventType = "resolved"
	EventReopened        EventType = "reopened"
	EventMemberAdded     EventType = "member_added"
	EventAlertAttached   EventType = "alert_attached" // data in alert_events.go
	EventAlertResolved   EventType = "alert_resolved"
	EventChangeEvent     EventType = "change_event"
	EventEscalationStep  EventType = "escalation_step" // data in paging.go
	EventPageSent        EventType = "page_sent"
	EventPageFailed      EventType = "page_failed"
	EventUnanswered      EventType = "unanswered" // data in paging.go
	EventPageRequested   EventType = "page_requested"
	EventClockAtRisk     EventType = "clock_at_risk"
	EventClockBreached   EventType = "clock_breached"
	// The checklist (data in checklist.go).
	EventPlaybookAttached    EventType = "playbook_attached"
	EventPlaybookDetached    EventType = "playbook_detached"
	EventStepChecked         EventType = "step_checked"
	EventStepUnchecked       EventType = "step_unchecked"
	EventChecklistOverridden EventType = "checklist_overridden"
	// Evidence and the regulatory clock: evidence.go, regulatory.go.
)

// Event is one entry of an incident's timeline. Events are never updated or
// deleted. Each stores the hash of the one before it, so an exported
// timeline can be checked for edits.
type Event struct {
	Incident string          `json:"incident"`
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Type     EventType       `json:"type"`
	Data     json.RawMessage `json:"data"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// ComputeHash returns the SHA-256 over the event's content and PrevHash
// (chainHash). Data is compacted first, so re-indenting an export does
// not break it.
func (e *Event) ComputeHash() string {
	return chainHash(e.PrevHash, []string{e.Incident, strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano), e.Actor, string(e.Type)}, e.Data)
}

// Change is an event before it is stored: a type and its data.
type Change struct {
	Type EventType
	Data any
}

// NewEvent seals a change as the event following prevHash at seq.
func NewEvent(incident string, seq int64, prevHash string, at time.Time, actor string, c Change) (*Event, error) {
	data, err := json.Marshal(c.Data)
	if err != nil {
		return nil, err
	}
	e := &Event{Incident: incident, Seq: seq, At: at.UTC(), Actor: actor, Type: c.Type, Data: data, PrevHash: prevHash}
	e.Hash = e.ComputeHash()
	return e, nil
}

// Append seals changes, already applied to the incident, as the next
// events of its timeline, recorded by actor at now, and moves its head
// (EventCount, HeadHash) past them. It is the one way every writer
// (actions, alert intake, the engine) extends the hash chain; the store
// then persists the events and the incident row in one transaction.
func (inc *Incident) Append(actor string, now time.Time, changes ...Change) ([]*Event, error) {
	events := make([]*Event, 0, len(changes))
	seq, head := inc.EventCount, inc.HeadHash
	for _, c := range changes {
		e, err := NewEvent(inc.ID, seq+1, head, now, actor, c)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
		seq, head = e.Seq, e.Hash
	}
	inc.EventCount, inc.HeadHash = seq, head
	return events, nil
}

// Event data, one struct per type.
type (
	DeclaredData struct {
		Number        int64    `json:"number"`
		Title         string   `json:"title"`
		Severity      Severity `json:"severity"`
		Source        Source   `json:"source"`
		Services      []string `json:"services"`
		Description   string   `json:"description"`
		Restricted    bool     `json:"restricted"`
		DeclaredBy    string   `json:"declared_by"`
		Member        string   `json:"member,omitempty"`
		PolicyVersion string   `json:"policy_version"`
	}
	AcknowledgedData    struct{}
	SeverityChangedData struct {
		From   Severity `json:"from"`
		To     Severity `json:"to"`
		Reason string   `json:"reason"`
	}
	RoleAssignedData struct {
		Role     IncidentRole `json:"role"`
		Person   string       `json:"person"`
		Replaces string       `json:"replaces,omitempty"`
	}
	RoleUnassignedData struct {
		Role   IncidentRole `json:"role"`
		Person string       `json:"person"`
	}
	StageChangedData struct {
		From   Stage  `json:"from"`
		To     Stage  `json:"to"`
		Reason string `json:"reason,omitempty"`
	}
	NoteData struct {
		Kind NoteKind `json:"kind"`
		Text string   `json:"text"`
		// Source is where a note came from when not Fireline itself
		// (slack_inbound.go): the message's author, its permalink, and
		// the thread it replies in.
		Source *NoteSource `json:"source,omitempty"`
	}
	// UpdatedData holds only the fields that changed.
	UpdatedData struct {
		Title       *string    `json:"title,omitempty"`
		Description *string    `json:"description,omitempty"`
		Impact      *string    `json:"impact,omitempty"`
		Scope       *string    `json:"scope,omitempty"`
		Services    []string   `json:"services,omitzero"` // [] clears; nil leaves alone
		ETA         *time.Time `json:"eta,omitempty"`
		ClearETA    bool       `json:"clear_eta,omitempty"`
	}
	// EscalatedData records a person escalating to a person of the
	// directory or a chain step (the step that pages them follows).
	// Events recorded before escalation paged anyone have only To and
	// Note; they set EscalatedAt themselves.
	EscalatedData struct {
		To     string `json:"to"`
		Note   string `json:"note,omitempty"`
		Person string `json:"person,omitempty"`
		Chain  string `json:"chain,omitempty"`
		Step   int    `json:"step,omitempty"`
	}
	ResolvedData struct {
		Summary string `json:"summary,omitempty"`
	}
	ReopenedData struct {
		Reason string `json:"reason"`
	}
	MemberAddedData struct {
		Person string `json:"person"`
	}
)

// NoteKind classifies a recorded note.
type NoteKind string

// Note kinds: what the guide asks responders to document.
const (
	NoteGeneral    NoteKind = "note"
	NoteFinding    NoteKind = "finding"
	NoteDecision   NoteKind = "decision"
	NoteMitigation NoteKind = "mitigation_step"
)

// NoteKinds lists every note kind.
var NoteKinds = []NoteKind{NoteGeneral, NoteFinding, NoteDecision, NoteMitigation}

func newEventData(t EventType) (any, bool) {
	switch t {
	case EventDeclared:
		return &DeclaredData{}, true
	case EventAcknowledged:
		return &AcknowledgedData{}, true
	case EventSeverityChanged:
		return &SeverityChangedData{}, true
	case EventRoleAssigned:
		return &RoleAssignedData{}, true
	case EventRoleUnassigned:
		return &RoleUnassignedData{}, true
	case EventStageChanged:
		return &StageChangedData{}, true
	case EventNote:
		return &NoteData{}, true
	case EventUpdated:
		return &UpdatedData{}, true
	case EventEscalated:
		return &EscalatedData{}, true
	case EventResolved:
		return &ResolvedData{}, true
	case EventReopened:
		return &ReopenedData{}, true
	case EventMemberAdded:
		return &MemberAddedData{}, true
	case EventAlertAttached:
		return &AlertAttachedData{}, true
	case EventAlertResolved:
		return &AlertResolvedData{}, true
	case EventChangeEvent:
		return &ChangeEventData{}, true
	case EventEscalationStep:
		return &EscalationStepData{}, true
	case EventPageSent, EventPageFailed:
		return &PageAttemptData{}, true
	case EventUnanswered:
		return &UnansweredData{}, true
	case EventPageRequested:
		return &PageRequestedData{}, true
	case EventClockAtRisk, EventClockBreached:
		return &ClockData{}, true
	case EventPlaybookAttached:
		return &PlaybookAttachedData{}, true
	case EventPlaybookDetached:
		return &PlaybookDetachedData{}, true
	case EventStepChecked, EventStepUnchecked:
		return &StepCheckedData{}, true
	case EventChecklistOverridden:
		return &ChecklistOverriddenData{}, true
	case EventStepAdded:
		return &StepAddedData{}, true
	case EventUpdateDrafted:
		return &UpdateDraftedData{}, true
	case EventUpdateApproved:
		return &UpdateApprovedData{}, true
	case EventUpdatePublished:
		return &UpdatePublishedData{}, true
	case EventUpdateRejected:
		return &UpdateRejectedData{}, true
	case EventUpdateDueSoon, EventUpdateOverdue:
		return &UpdateDueData{}, true
	case EventUpdateEmailed:
		return &UpdateEmailedData{}, true
	case EventEvidenceAdded:
		return &EvidenceAddedData{}, true
	case EventEvidenceRead:
		return &EvidenceReadData{}, true
	case EventRegulatoryStarted:
		return &RegulatoryStartedData{}, true
	case EventRegulatorNotified:
		return &RegulatorNotifiedData{}, true
	}
	return newReviewData(t)
}

// newReviewData returns the data of the review's and action items'
// event types (review.go, actionitem.go).
func newReviewData(t EventType) (any, bool) {
	switch t {
	case EventReviewRequested:
		return &ReviewRequestedData{}, true
	case EventReviewOpened:
		return &ReviewOpenedData{}, true
	case EventReviewOwner:
		return &ReviewOwnerData{}, true
	case EventReviewScheduled:
		return &ReviewScheduledData{}, true
	case EventStarred:
		return &EventStarredData{}, true
	case EventReviewEdited:
		return &ReviewEditedData{}, true
	case EventReviewApproved:
		return &ReviewApprovedData{}, true
	case EventReviewUnscheduled:
		return &ReviewUnscheduledData{}, true // review_calendar.go
	case EventReviewPublished:
		return &ReviewPublishedData{}, true // review_publish.go
	case EventActionItemAdded:
		return &ActionItemAddedData{}, true
	case EventActionItemUpdated:
		return &ActionItemUpdatedData{}, true
	case EventActionItemNotice:
		return &ActionItemNoticeData{}, true
	case EventRepeatFlagged:
		return &RepeatFlaggedData{}, true
	case EventSlackChannel:
		return &SlackChannelData{}, true // slack.go
	}
	return newTrackerData(t) // tracker.go
}

// DecodeData returns the event's data as its type's struct (a pointer,
// such as *NoteData): readers of a timeline use the same types its
// writers do, so a renamed field cannot silently read as empty.
func (e *Event) DecodeData() (any, error) {
	data, ok := newEventData(e.Type)
	if !ok {
		return nil, fmt.Errorf("event %d: unknown type %q", e.Seq, e.Type)
	}
	if err := json.Unmarshal(e.Data, data); err != nil {
		return nil, fmt.Errorf("event %d: %v", e.Seq, err)
	}
	return data, nil
}

// apply changes the incident as the change says. It does no validation:
// the commands in action.go validate before they produce a change, and
// Replay applies changes that were valid when they were recorded.
func (inc *Incident) apply(at time.Time, c Change) {
	at = at.UTC() // all instants are kept in UTC, as the timeline stores them
	inc.UpdatedAt = at
	switch d := c.Data.(type) {
	case *DeclaredData:
		inc.Number, inc.ID = d.Number, IncidentID(d.Number)
		inc.Title, inc.Severity, inc.Source = d.Title, d.Severity, d.Source
		inc.Services, inc.Description, inc.Restricted = append([]string{}, d.Services...), d.Description, d.Restricted
		inc.Stage, inc.Status = StageDetection, StatusTriggered
		inc.DeclaredBy, inc.DeclaredAt, inc.SeveritySetAt = d.DeclaredBy, at, at
		inc.PolicyVersion = d.PolicyVersion
		inc.Roles, inc.Members = []RoleAssignment{}, []string{}
		inc.addMember(d.Member)
		inc.Comms = Comms{}
		if d.Member != "" { // declared by a person: confirmed
			inc.confirm(at)
		}
	case *AcknowledgedData:
		inc.confirm(at)
		inc.AcknowledgedAt = &at
		inc.Status = StatusAcknowledged
		inc.UnansweredAt = nil
	case *SeverityChangedData:
		inc.Severity, inc.SeveritySetAt = d.To, at
		inc.UnansweredAt = nil // a new walk starts
	case *RoleAssignedData:
		if d.Replaces != "" {
			inc.removeRole(d.Role, d.Replaces)
		}
		// Clip so that copies of the incident never share the new element.
		inc.Roles = append(slices.Clip(inc.Roles), RoleAssignment{Role: d.Role, Person: d.Person})
		inc.addMember(d.Person)
	case *RoleUnassignedData:
		inc.removeRole(d.Role, d.Person)
	case *StageChangedData:
		inc.Stage = d.To
		if d.To == StageClosed {
			inc.Status, inc.ClosedAt = StatusClosed, &at
		}
	case *NoteData:
	case *UpdatedData:
		inc.applyUpdate(d)
	case *EscalatedData:
		// An escalation recorded before escalating paged anyone met the
		// escalate-by clock by itself (the first one counts); now the
		// step that pages its target does, if it reaches the required
		// level.
		if d.Person == "" && d.Chain == "" && inc.EscalatedAt == nil {
			inc.EscalatedAt = &at
		}
	case *ResolvedData:
		inc.missOverdue()
		inc.Status, inc.ResolvedAt = StatusResolved, &at
		inc.UnansweredAt = nil
		if stageIndex(inc.Stage) < stageIndex(StageResolution) {
			inc.Stage = StageResolution
		}
	case *ReopenedData:
		inc.Status, inc.ResolvedAt, inc.ClosedAt = StatusTriggered, nil, nil
		if inc.AcknowledgedAt != nil {
			inc.Status = StatusAcknowledged
		}
		inc.Stage = StageInvestigation
		inc.UnansweredAt = nil // a new walk starts
	case *MemberAddedData:
		inc.addMember(d.Person)
	case *AlertAttachedData:
		if d.Rewalk {
			inc.UnansweredAt = nil // a new walk starts
		}
	case *AlertResolvedData, *ChangeEventData:
		// Recorded for the timeline; the alerts table holds their state.
	case *EscalationStepData:
		// A step of the escalation audience that paged someone is the
		// escalation the escalate-by clock asks for (the first one counts,
		// as with a person's escalation).
		if (d.Escalates || d.Escalation) && len(d.Recipients) > 0 && inc.EscalatedAt == nil {
			inc.EscalatedAt = &at
		}
	case *UnansweredData:
		inc.UnansweredAt = &at
	case *ClockData:
		inc.applyRegulatory(at, c) // the regulatory clock's marks; the others change no state
	case *PageAttemptData, *PageRequestedData:
		// Recorded for the timeline; they change no state.
	case *PlaybookAttachedData, *PlaybookDetachedData, *StepCheckedData, *StepAddedData:
		inc.applyChecklist(at, c)
	case *ChecklistOverriddenData:
		// Recorded for the timeline: the move to resolution follows.
	case *ReviewRequestedData, *ReviewOpenedData, *ReviewOwnerData, *ReviewScheduledData, *EventStarredData,
		*ReviewEditedData, *ReviewApprovedData, *ReviewUnscheduledData, *ReviewPublishedData:
		inc.applyReview(at, c)
	case *ActionItemAddedData, *ActionItemUpdatedData, *RepeatFlaggedData:
		inc.applyItem(at, c)
	case *ItemPushRequestedData, *ItemTrackedData, *ItemIssueStateData, *ItemTrackerFailedData:
		inc.applyTracker(c) // tracker.go
	case *ActionItemNoticeData, *UpdateEmailedData, *SlackChannelData:
		// Recorded for the timeline: the engine's reminders and
		// escalations, customer email counts, the Slack channel's life (its
		// state is kept beside the incident, slack.go).
	case *UpdateDraftedData, *UpdateApprovedData, *UpdatePublishedData, *UpdateRejectedData, *UpdateDueData:
		inc.applyComms(at, c) // comms_update.go
	case *EvidenceAddedData:
		inc.applyEvidence(at, d) // evidence.go
	case *EvidenceReadData:
		// Recorded for the timeline: who read which file, when.
	case *RegulatoryStartedData, *RegulatorNotifiedData:
		inc.applyRegulatory(at, c) // regulatory.go
	}
}

func (inc *Incident) applyUpdate(d *UpdatedData) {
	if d.Title != nil {
		inc.Title = *d.Title
	}
	if d.Description != nil {
		inc.Description = *d.Description
	}
	if d.Impact != nil {
		inc.Impact = *d.Impact
	}
	if d.Scope != nil {
		inc.Scope = *d.Scope
	}
	if d.Services != nil {
		inc.Services = append([]string{}, d.Services...)
	}
	if d.ETA != nil {
		eta := *d.ETA
		inc.ETA = &eta
	}
	if d.ClearETA {
		inc.ETA = nil
	}
}

func (inc *Incident) removeRole(role IncidentRole, person string) {
	out := inc.Roles[:0:0]
	for _, r := range inc.Roles {
		if r.Role != role || r.Person != person {
			out = append(out, r)
		}
	}
	inc.Roles = out
}

// Replay rebuilds an incident from its timeline, checking the hash chain on
// the way. Clocks are not part of the replayed state; see Policy.Clocks.
func Replay(events []*Event) (*Incident, error) {
	if err := VerifyChain(events); err != nil {
		return nil, err
	}
	inc := &Incident{}
	for _, e := range events {
		data, ok := newEventData(e.Type)
		if !ok {
			return nil, fmt.Errorf("event %d: unknown type %q", e.Seq, e.Type)
		}
		if err := json.Unmarshal(e.Data, data); err != nil {
			return nil, fmt.Errorf("event %d: %v", e.Seq, err)
		}
		if e.Seq == 1 && e.Type != EventDeclared {
			return nil, fmt.Errorf("event 1 is %q, not %q", e.Type, EventDeclared)
		}
		inc.apply(e.At, Change{Type: e.Type, Data: data})
		inc.EventCount, inc.HeadHash = e.Seq, e.Hash
	}
	return inc, nil
}

// VerifyChain checks that events are numbered 1, 2, ... without gaps, that
// each links to the hash of the one before, and that each hash matches the
// event's content (verifyLinks), and that all belong to one incident.
func VerifyChain(events []*Event) error {
	for i, e := range events {
		if i > 0 && e.Incident != events[0].Incident {
			return fmt.Errorf("event %d: belongs to %s, not %s", e.Seq, e.Incident, events[0].Incident)
		}
	}
	return verifyLinks("event", len(events), func(i int) chainLink {
		e := events[i]
		return chainLink{Seq: e.Seq, PrevHash: e.PrevHash, Hash: e.Hash, Computed: e.ComputeHash()}
	})
}

// ExportFormat names the incident export's format and version.
const ExportFormat = "fireline.incident-export/v1"

// Export is an incident and its whole timeline, as written by
// `fireline incident export`.
type Export struct {
	Format     string    `json:"format"`
	ExportedAt time.Time `json:"exported_at"`
	Incident   *Incident `json:"incident"`
	Events     []*Event  `json:"events"`
}

// VerifyExport checks an export for edits: the hash chain must be intact,
// and the incident's recorded state must be what its timeline produces.
func VerifyExport(x *Export) error {
	if x.Format != ExportFormat {
		return fmt.Errorf("unknown export format %q, want %q", x.Format, ExportFormat)
	}
	if x.Incident == nil || len(x.Events) == 0 {
		return fmt.Errorf("the export has no incident or no events")
	}
	return VerifyTimeline(x.Incident, x.Events)
}

// VerifyTimeline checks an incident against its timeline: the hash chain
// must be intact, and the incident's recorded state (its row, in the
// database or in an export) must be what the timeline produces.
func VerifyTimeline(want *Incident, events []*Event) error {
	got, err := Replay(events)
	if err != nil {
		return err
	}
	if got.ID != want.ID {
		return fmt.Errorf("the timeline belongs to %s, the incident is %s", got.ID, want.ID)
	}
	if got.EventCount != want.EventCount || got.HeadHash != want.HeadHash {
		return fmt.Errorf("the incident records %d events ending in %.12s, the timeline has %d ending in %.12s",
			want.EventCount, want.HeadHash, got.EventCount, got.HeadHash)
	}
	if diff := diffIncidentState(got, want); diff != "" {
		return fmt.Errorf("the incident's %s does not match its timeline (the incident was edited)", diff)
	}
	return nil
}

// Verification is the outcome of checking an incident's stored timeline
// in place (IncidentService.VerifyIncident).
type Verification struct {
	Incident string `json:"incident"`
	// OK is true when the chain is intact and the incident's row is what
	// its events produce; Problem says what is broken otherwise.
	OK        bool      `json:"ok"`
	Problem   string    `json:"problem,omitempty"`
	Events    int       `json:"events"`
	HeadHash  string    `json:"head_hash,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// Verify checks an incident's stored row and events (VerifyTimeline) at
// now.
func Verify(inc *Incident, events []*Event, now time.Time) *Verification {
	v := &Verification{Incident: inc.ID, OK: true, Events: len(events), CheckedAt: now}
	if len(events) > 0 {
		v.HeadHash = events[len(events)-1].Hash
	}
	if err := VerifyTimeline(inc, events); err != nil {
		v.OK, v.Problem = false, err.Error()
	}
	return v
}

// diffIncidentState names the first field, replayed from events, that
// differs from the recorded incident.
func diffIncidentState(got, want *Incident) string {
	same := func(a, b any) bool {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return bytes.Equal(x, y)
	}
	fields := []struct {
		name string
		a, b any
	}{
		{"number", got.Number, want.Number},
		{"title", got.Title, want.Title}, {"severity", got.Severity, want.Severity},
		{"source", got.Source, want.Source}, {"services", got.Services, want.Services},
		{"description", got.Description, want.Description}, {"restricted", got.Restricted, want.Restricted},
		{"stage", got.Stage, want.Stage}, {"status", got.Status, want.Status},
		{"impact", got.Impact, want.Impact}, {"scope", got.Scope, want.Scope}, {"eta", got.ETA, want.ETA},
		{"roles", got.Roles, want.Roles}, {"members", got.Members, want.Members},
		{"declared_by", got.DeclaredBy, want.DeclaredBy}, {"declared_at", got.DeclaredAt, want.DeclaredAt},
		{"severity_set_at", got.SeveritySetAt, want.SeveritySetAt},
		{"acknowledged_at", got.AcknowledgedAt, want.AcknowledgedAt}, {"escalated_at", got.EscalatedAt, want.EscalatedAt},
		{"resolved_at", got.ResolvedAt, want.ResolvedAt}, {"closed_at", got.ClosedAt, want.ClosedAt},
		{"unanswered_at", got.UnansweredAt, want.UnansweredAt},
		{"policy_version", got.PolicyVersion, want.PolicyVersion},
		{"checklist", got.Checklist, want.Checklist},
		{"review", got.Review, want.Review}, {"action_items", got.ActionItems, want.ActionItems},
		{"repeats", got.Repeats, want.Repeats},
		{"comms", got.Comms, want.Comms},
		{"security", got.Security, want.Security},
	}
	for _, f := range fields {
		if !same(f.a, f.b) {
			return f.name
		}
	}
	return ""
}
