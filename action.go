package fireline

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Field length caps, so that one request cannot store unbounded text.
const (
	MaxTitle       = 200
	MaxText        = 10000
	MaxReason      = 1000
	MaxServices    = 50
	MaxImpactScope = 5000
)

// DeclareInput is what declaring an incident takes.
type DeclareInput struct {
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Source      Source   `json:"source,omitempty"`
	Services    []string `json:"services,omitempty"`
	Description string   `json:"description,omitempty"`
	// Restricted limits visibility to members and admins. When nil,
	// security incidents are restricted and others are not.
	Restricted *bool `json:"restricted,omitempty"`
}

// Validate checks the input against the policy and returns a normalised
// copy (trimmed text, Restricted set), or an EInvalid error listing every
// problem.
func (in DeclareInput) Validate(p *Policy) (DeclareInput, error) {
	var fe []FieldError
	in.Title = strings.TrimSpace(in.Title)
	fe = checkText(fe, "title", in.Title, 1, MaxTitle)
	fe = checkText(fe, "description", in.Description, 0, MaxText)
	if _, ok := p.Severity(in.Severity); !ok {
		fe = append(fe, FieldError{"severity", "unknown severity " + quote(string(in.Severity)) + "; want one of " + joinSeverities(p)})
	}
	if in.Source == "" {
		in.Source = SourceOnCall
	} else if !slices.Contains(Sources, in.Source) {
		fe = append(fe, FieldError{"source", "unknown source " + quote(string(in.Source)) + "; want one of monitoring, user_report, support_ticket, on_call, security"})
	}
	var services []string
	services, fe = checkServices(p, fe, in.Services)
	in.Services = services
	if len(fe) > 0 {
		return in, &Error{Code: EInvalid, Message: "invalid incident", Fields: fe}
	}
	if in.Restricted == nil {
		restricted := in.Source == SourceSecurity
		in.Restricted = &restricted
	}
	return in, nil
}

// NewIncident builds incident number n from validated input, with its
// declared change and its clocks. The actor becomes a member, so a person
// who declares a restricted incident can still see it.
func NewIncident(p *Policy, in DeclareInput, n int64, actor Actor, now time.Time) (*Incident, Change, error) {
	c := Change{Type: EventDeclared, Data: &DeclaredData{
		Number: n, Title: in.Title, Severity: in.Severity, Source: in.Source,
		Services: in.Services, Description: in.Description, Restricted: in.Restricted != nil && *in.Restricted,
		DeclaredBy: actor.Name(), Member: actor.PersonID, PolicyVersion: p.VersionID(),
	}}
	inc := &Incident{}
	inc.apply(now, c)
	if err := inc.setClocks(p); err != nil {
		return nil, Change{}, err
	}
	return inc, c, nil
}

// ActionKind names something a responder does to an incident.
type ActionKind string

// Actions.
const (
	ActAcknowledge    ActionKind = "acknowledge"
	ActChangeSeverity ActionKind = "change_severity"
	ActAssignRole     ActionKind = "assign_role"
	ActUnassignRole   ActionKind = "unassign_role"
	ActChangeStage    ActionKind = "change_stage"
	ActAddNote        ActionKind = "add_note"
	ActUpdate         ActionKind = "update"
	ActEscalate       ActionKind = "escalate"
	ActResolve        ActionKind = "resolve"
	ActReopen         ActionKind = "reopen"
	ActAddMember      ActionKind = "add_member"
	ActPage           ActionKind = "page"
	// The checklist (checklist.go).
	ActAttachPlaybook ActionKind = "attach_playbook"
	ActDetachPlaybook ActionKind = "detach_playbook"
	ActCheckStep      ActionKind = "check_step"
	ActUncheckStep    ActionKind = "uncheck_step"
	// Evidence and the regulator: evidence.go, regulatory.go.
)

// Action is one thing done to an incident. Kind decides which other fields
// matter.
type Action struct {
	Kind     ActionKind   `json:"kind"`
	Severity Severity     `json:"severity,omitempty"`
	Reason   string       `json:"reason,omitempty"`
	Role     IncidentRole `json:"role,omitempty"`
	Person   string       `json:"person,omitempty"`
	Stage    Stage        `json:"stage,omitempty"`
	NoteKind NoteKind     `json:"note_kind,omitempty"`
	Text     string       `json:"text,omitempty"`
	To       string       `json:"to,omitempty"`
	Update   UpdatedData  `json:"update,omitempty"`
	// Step is the walk step a page action sends again (0 is the primary
	// on-call, as the timeline's escalation steps number them).
	Step *int `json:"step,omitempty"`
	// Playbook is the playbook attached or detached; StepKey the
	// checklist step (PLAYBOOK/N) checked or unchecked, Text its note.
	Playbook string `json:"playbook,omitempty"`
	StepKey  string `json:"step_key,omitempty"`
	// Source is where a note came from outside Fireline (a Slack message).
	Source *NoteSource `json:"source,omitempty"`
	// Override is the reason a resolve or a stage change to resolution
	// goes ahead with required steps open (the incident commander's).
	Override string `json:"override,omitempty"`
	// PublicUpdate is the draft of a public update (comms_update.go);
	// UpdateNumber the update approved or rejected.
	PublicUpdate *PublicUpdateInput `json:"public_update,omitempty"`
	UpdateNumber int                `json:"update_number,omitempty"`
	// By is the person acting (the store sets it from the actor): who
	// checks a step, who overrides, who drafts or approves an update.
	By string `json:"-"`
	// Admin says the actor is an admin (the store sets it): admins may
	// approve any review.
	Admin bool `json:"-"`
	// Review is what the review's actions take (review.go); Item what
	// adding or updating an action item takes (actionitem.go).
	Review *ReviewInput     `json:"review,omitempty"`
	Item   *ActionItemInput `json:"item,omitempty"`
	// Issue is what the tracker's actions take (tracker.go).
	Issue *IssueInput `json:"issue,omitempty"`
	// Evidence is the file added or read (evidence.go); Regulator the
	// regulator told (regulatory.go).
	Evidence  *EvidenceInput  `json:"evidence,omitempty"`
	Regulator *RegulatorInput `json:"regulator,omitempty"`
	// now is the instant Do acts at.
	now time.Time
	// Automatic marks what alerts do by themselves (intake resolving an
	// incident whose alerts all resolved, as alerts.auto_resolve allows):
	// the resolution gate holds people to the checklist, not them.
	Automatic bool `json:"-"`
}

// Do validates the action against the incident's state and the policy,
// applies it, recomputes the clocks, and returns the changes to record. On
// error the incident is unchanged.
func (inc *Incident) Do(p *Policy, a Action, now time.Time) ([]Change, error) {
	a.now = now
	changes, err := inc.decide(p, a, now)
	if err != nil {
		return nil, err
	}
	// Work on a copy so that a failure leaves inc as it was. apply never
	// writes into the slices it shares with inc.
	next := *inc
	for _, c := range changes {
		next.apply(now, c)
	}
	// A reclassified incident gets the playbooks that match it now; steps
	// that tick themselves on what happened are checked.
	if slices.ContainsFunc(changes, reclassifies) {
		changes = append(changes, next.AttachMatching(p, nil, now)...)
		changes = append(changes, next.StartRegulatoryClock(p, nil, now)...)
	}
	// A resolved incident the policy wants reviewed opens its review.
	changes = append(changes, next.openReview(p, now)...)
	changes = append(changes, next.draftFollowUp(p, changes, a.By, now)...) // comms_update.go
	changes = append(changes, next.autoChecks(changes, a.By, now)...)
	if err := next.setClocks(p); err != nil {
		return nil, err
	}
	*inc = next
	return changes, nil
}

func (inc *Incident) decide(p *Policy, a Action, now time.Time) ([]Change, error) {
	if inc.Status == StatusClosed && a.Kind != ActReopen && a.Kind != ActAddNote && a.Kind != ActAddMember && !afterClosing(a.Kind) {
		return nil, Errorf(EConflict, "%s is closed; reopen it first", inc.ID)
	}
	changes, err := inc.decideAction(p, a, now)
	if err != nil || (a.Kind != ActResolve && a.Kind != ActChangeStage) {
		return changes, err
	}
	gate, err := inc.resolutionGate(p, a) // checklist.go
	if err != nil {
		return nil, err
	}
	return append(gate, changes...), nil
}

func (inc *Incident) decideAction(p *Policy, a Action, now time.Time) ([]Change, error) {
	switch a.Kind {
	case ActAcknowledge:
		return inc.acknowledge()
	case ActChangeSeverity:
		return inc.changeSeverity(p, a.Severity, a.Reason)
	case ActAssignRole:
		return inc.assignRole(p, a.Role, a.Person)
	case ActUnassignRole:
		return inc.unassignRole(a.Role, a.Person)
	case ActChangeStage:
		return inc.changeStage(a.Stage, a.Reason)
	case ActAddNote:
		return addNote(a.NoteKind, a.Text, a.Source)
	case ActUpdate:
		return inc.update(p, a.Update)
	case ActEscalate:
		return inc.escalate(p, a.To, a.Text)
	case ActResolve:
		return inc.resolve(a.Text)
	case ActReopen:
		return inc.reopen(a.Reason)
	case ActAddMember:
		return inc.addMemberAction(p, a.Person)
	case ActPage:
		return inc.page(p, a.Person, a.Step)
	case ActAttachPlaybook:
		return inc.attachPlaybook(p, a.Playbook)
	case ActDetachPlaybook:
		return inc.detachPlaybook(p, a.Playbook, a.Reason)
	case ActCheckStep, ActUncheckStep:
		return inc.checkStep(a.StepKey, a.Text, a.By, a.Kind == ActCheckStep)
	case ActRequestReview, ActStarEvent, ActReviewOwner, ActScheduleReview, ActEditReview, ActApproveReview,
		ActUnscheduleReview, ActPublishReview:
		return inc.decideReview(p, a)
	case ActAddActionItem, ActUpdateActionItem:
		return inc.decideItem(p, a)
	case ActPlaybookChanged:
		return inc.playbookChanged(p, a.Playbook, a.By) // actionitem_playbook.go
	case ActPushActionItem, ActTrackActionItem, ActSyncActionItem, ActTrackerFailed:
		return inc.decideTracker(p, a) // tracker_sync.go
	case ActDraftUpdate:
		return inc.draftUpdate(p, a.PublicUpdate, a.By, now)
	case ActApproveUpdate:
		return inc.approveUpdate(p, a.UpdateNumber, a.By, now)
	case ActRejectUpdate:
		return inc.rejectUpdate(p, a.UpdateNumber, a.By, a.Reason)
	case ActAddStep:
		return inc.addStep(a.Playbook, a.Stage, a.Text, a.By) // playbook_usage.go
	case ActAddEvidence:
		return inc.addEvidence(a.Evidence, a.By)
	case ActReadEvidence:
		return inc.readEvidence(a.Evidence)
	case ActNotifyRegulator:
		return inc.notifyRegulator(a.Regulator, a.By)
	}
	return nil, Errorf(EInvalid, "unknown action %q", a.Kind)
}

// afterClosing reports whether an action still works on a closed
// incident: its review and action items outlive it.
func afterClosing(k ActionKind) bool {
	switch k {
	case ActRequestReview, ActStarEvent, ActReviewOwner, ActScheduleReview, ActEditReview, ActApproveReview,
		ActUnscheduleReview, ActPublishReview,
		ActAddActionItem, ActUpdateActionItem, ActPushActionItem, ActTrackActionItem, ActSyncActionItem, ActTrackerFailed,
		ActAddEvidence, ActReadEvidence, ActNotifyRegulator, ActPlaybookChanged:
		return true
	}
	return false
}

func (inc *Incident) decideItem(p *Policy, a Action) ([]Change, error) {
	in := ActionItemInput{}
	if a.Item != nil {
		in = *a.Item
	}
	if a.Kind == ActAddActionItem {
		return inc.addActionItem(p, in, a.By, a.now)
	}
	return inc.updateActionItem(p, in, a.By)
}

func (inc *Incident) acknowledge() ([]Change, error) {
	switch {
	case !inc.Status.Open():
		return nil, Errorf(EConflict, "%s is %s; only open incidents can be acknowledged", inc.ID, inc.Status)
	case inc.AcknowledgedAt != nil:
		return nil, Errorf(EConflict, "%s is already acknowledged", inc.ID)
	}
	changes := []Change{{EventAcknowledged, &AcknowledgedData{}}}
	if inc.Stage == StageDetection {
		changes = append(changes, Change{EventStageChanged, &StageChangedData{From: StageDetection, To: StageInitialResponse, Reason: "acknowledged"}})
	}
	return changes, nil
}

func (inc *Incident) changeSeverity(p *Policy, to Severity, reason string) ([]Change, error) {
	var fe []FieldError
	if _, ok := p.Severity(to); !ok {
		fe = append(fe, FieldError{"severity", "unknown severity " + quote(string(to)) + "; want one of " + joinSeverities(p)})
	}
	fe = checkText(fe, "reason", strings.TrimSpace(reason), 1, MaxReason)
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid severity change", Fields: fe}
	}
	if to == inc.Severity {
		return nil, Errorf(EConflict, "%s is already %s", inc.ID, to)
	}
	return []Change{{EventSeverityChanged, &SeverityChangedData{From: inc.Severity, To: to, Reason: strings.TrimSpace(reason)}}}, nil
}

func (inc *Incident) holder(role IncidentRole) string {
	for _, r := range inc.Roles {
		if r.Role == role {
			return r.Person
		}
	}
	return ""
}

func (inc *Incident) holds(role IncidentRole, person string) bool {
	return slices.Contains(inc.Roles, RoleAssignment{Role: role, Person: person})
}

func (inc *Incident) assignRole(p *Policy, role IncidentRole, person string) ([]Change, error) {
	var fe []FieldError
	def, ok := p.Role(role)
	if !ok {
		fe = append(fe, FieldError{"role", "unknown role " + quote(string(role)) + "; want one of " + joinRoles(p)})
	}
	if _, ok := p.Person(person); !ok {
		fe = append(fe, FieldError{"person", "no person " + quote(person) + " in the policy's directory"})
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid role assignment", Fields: fe}
	}
	if inc.holds(role, person) {
		return nil, Errorf(EConflict, "%s already holds %s on %s", person, role, inc.ID)
	}
	d := &RoleAssignedData{Role: role, Person: person}
	if !def.Multiple {
		d.Replaces = inc.holder(role)
	}
	return []Change{{EventRoleAssigned, d}}, nil
}

func (inc *Incident) unassignRole(role IncidentRole, person string) ([]Change, error) {
	if !inc.holds(role, person) {
		return nil, Errorf(EConflict, "%s does not hold %s on %s", quote(person), quote(string(role)), inc.ID)
	}
	return []Change{{EventRoleUnassigned, &RoleUnassignedData{Role: role, Person: person}}}, nil
}

func stageIndex(s Stage) int { return slices.Index(Stages, s) }

func (inc *Incident) changeStage(to Stage, reason string) ([]Change, error) {
	if stageIndex(to) < 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid stage change", Fields: []FieldError{{"stage", "unknown stage " + quote(string(to)) + "; want one of " + joinStages()}}}
	}
	if fe := checkText(nil, "reason", strings.TrimSpace(reason), 0, MaxReason); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid stage change", Fields: fe}
	}
	afterResolution := stageIndex(to) > stageIndex(StageResolution)
	switch {
	case to == inc.Stage:
		return nil, Errorf(EConflict, "%s is already in stage %s", inc.ID, to)
	case inc.Status.Open() && afterResolution:
		return nil, Errorf(EConflict, "%s is still open; resolve it before moving it to %s", inc.ID, to)
	case !inc.Status.Open() && !afterResolution:
		return nil, Errorf(EConflict, "%s is %s; reopen it before moving it back to %s", inc.ID, inc.Status, to)
	}
	return []Change{{EventStageChanged, &StageChangedData{From: inc.Stage, To: to, Reason: strings.TrimSpace(reason)}}}, nil
}

func addNote(kind NoteKind, text string, src *NoteSource) ([]Change, error) {
	var fe []FieldError
	if kind == "" {
		kind = NoteGeneral
	}
	if !slices.Contains(NoteKinds, kind) {
		fe = append(fe, FieldError{"kind", "unknown note kind " + quote(string(kind)) + "; want note, finding, decision or mitigation_step"})
	}
	fe = checkText(fe, "text", strings.TrimSpace(text), 1, MaxText)
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid note", Fields: fe}
	}
	return []Change{{EventNote, &NoteData{Kind: kind, Text: strings.TrimSpace(text), Source: src}}}, nil
}

// update keeps only the fields that differ from the current state.
func (inc *Incident) update(p *Policy, u UpdatedData) ([]Change, error) {
	var fe []FieldError
	d := &UpdatedData{}
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		if fe = checkText(fe, "title", t, 1, MaxTitle); t != inc.Title {
			d.Title = &t
		}
	}
	for _, f := range []struct {
		name    string
		in, dst **string
		cur     string
		max     int
	}{{"description", &u.Description, &d.Description, inc.Description, MaxText},
		{"impact", &u.Impact, &d.Impact, inc.Impact, MaxImpactScope},
		{"scope", &u.Scope, &d.Scope, inc.Scope, MaxImpactScope}} {
		if *f.in != nil {
			if fe = checkText(fe, f.name, **f.in, 0, f.max); **f.in != f.cur {
				*f.dst = *f.in
			}
		}
	}
	if u.Services != nil {
		var services []string
		if services, fe = checkServices(p, fe, u.Services); !slices.Equal(services, inc.Services) {
			d.Services = services
		}
	}
	if u.ETA != nil && u.ClearETA {
		fe = append(fe, FieldError{"eta", "set an ETA or clear it, not both"})
	} else if u.ETA != nil && (inc.ETA == nil || !u.ETA.Equal(*inc.ETA)) {
		eta := u.ETA.UTC()
		d.ETA = &eta
	} else if u.ClearETA && inc.ETA != nil {
		d.ClearETA = true
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid update", Fields: fe}
	}
	if d.Title == nil && d.Description == nil && d.Impact == nil && d.Scope == nil && d.Services == nil && d.ETA == nil && !d.ClearETA {
		return nil, Errorf(EInvalid, "the update changes nothing")
	}
	return []Change{{EventUpdated, d}}, nil
}

// escalate pages a person of the directory or a chain step (CHAIN:N); the
// engine runs the step, which meets the escalate-by clock if it reaches
// the severity's required level.
func (inc *Incident) escalate(p *Policy, to, note string) ([]Change, error) {
	var fe []FieldError
	fe = checkText(fe, "to", strings.TrimSpace(to), 1, MaxReason)
	fe = checkText(fe, "text", note, 0, MaxText)
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid escalation", Fields: fe}
	}
	if _, err := p.EscalationTarget(inc.Severity, to, time.Time{}); err != nil {
		return nil, err
	}
	if !inc.Status.Open() {
		return nil, Errorf(EConflict, "%s is %s; only open incidents are escalated", inc.ID, inc.Status)
	}
	d := &EscalatedData{To: strings.TrimSpace(to), Note: note}
	if _, ok := p.Person(d.To); ok {
		d.Person = d.To
	} else {
		id, n, _ := strings.Cut(d.To, ":")
		d.Chain, d.Step = id, atoiOr(n, 0)
	}
	return []Change{{EventEscalated, d}}, nil
}

// page asks for a page to be sent again: to a person, to a step of the
// current walk, or (neither given) to the primary on-call.
func (inc *Incident) page(p *Policy, person string, step *int) ([]Change, error) {
	var fe []FieldError
	if person != "" && step != nil {
		fe = append(fe, FieldError{"person", "give a person or a step, not both"})
	} else if _, ok := p.Person(person); person != "" && !ok {
		fe = append(fe, FieldError{"person", "no person " + quote(person) + " in the policy's directory"})
	}
	if n := len(p.PlanWalk(inc, inc.SeveritySetAt).Steps); step != nil && (*step < 0 || *step >= n) {
		fe = append(fe, FieldError{"step", "want a step of the walk, 0 (the primary on-call) to " + strconv.Itoa(n-1)})
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid page", Fields: fe}
	}
	if !inc.Status.Open() {
		return nil, Errorf(EConflict, "%s is %s; only open incidents are paged", inc.ID, inc.Status)
	}
	return []Change{{EventPageRequested, &PageRequestedData{Person: person, Step: step}}}, nil
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

func (inc *Incident) resolve(summary string) ([]Change, error) {
	if fe := checkText(nil, "text", summary, 0, MaxText); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid resolution", Fields: fe}
	}
	if !inc.Status.Open() {
		return nil, Errorf(EConflict, "%s is already %s", inc.ID, inc.Status)
	}
	return []Change{{EventResolved, &ResolvedData{Summary: strings.TrimSpace(summary)}}}, nil
}

func (inc *Incident) reopen(reason string) ([]Change, error) {
	if fe := checkText(nil, "reason", strings.TrimSpace(reason), 1, MaxReason); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid reopen", Fields: fe}
	}
	if inc.Status.Open() {
		return nil, Errorf(EConflict, "%s is open; only resolved or closed incidents can be reopened", inc.ID)
	}
	return []Change{{EventReopened, &ReopenedData{Reason: strings.TrimSpace(reason)}}}, nil
}

func (inc *Incident) addMemberAction(p *Policy, person string) ([]Change, error) {
	if _, ok := p.Person(person); !ok {
		return nil, &Error{Code: EInvalid, Message: "invalid member", Fields: []FieldError{{"person", "no person " + quote(person) + " in the policy's directory"}}}
	}
	if inc.HasMember(person) {
		return nil, Errorf(EConflict, "%s is already a member of %s", person, inc.ID)
	}
	return []Change{{EventMemberAdded, &MemberAddedData{Person: person}}}, nil
}

// checkServices returns the services deduplicated in order, adding an
// error for each that the policy does not know.
func checkServices(p *Policy, fe []FieldError, in []string) ([]string, []FieldError) {
	out := []string{}
	if len(in) > MaxServices {
		return out, append(fe, FieldError{"services", "at most " + strconv.Itoa(MaxServices) + " services"})
	}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if _, ok := p.Service(s); !ok {
			fe = append(fe, FieldError{"services", "unknown service " + quote(s)})
		} else if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, fe
}

func quote(s string) string { return strconv.Quote(s) }

// validSlug reports whether s is an id of 1-64 characters from [a-z0-9._-].
func validSlug(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// ValidSlug reports whether s is a valid id for people, services and the
// like: 1-64 characters of a-z, 0-9, '-', '_' or '.'.
func ValidSlug(s string) bool { return validSlug(s) }

func joinSeverities(p *Policy) string {
	var s []string
	for _, sp := range p.Severities {
		s = append(s, string(sp.Level))
	}
	return strings.Join(s, ", ")
}

func joinRoles(p *Policy) string {
	var s []string
	for _, r := range p.Roles {
		s = append(s, string(r.ID))
	}
	return strings.Join(s, ", ")
}

func joinStages() string {
	var s []string
	for _, st := range Stages {
		s = append(s, string(st))
	}
	return strings.Join(s, ", ")
}
