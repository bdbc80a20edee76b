package fireline

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Checklist is an incident's playbooks and the state of their steps. It is
// derived from the timeline (playbook_attached, playbook_detached,
// step_checked, step_unchecked), so an export proves who checked what.
type Checklist struct {
	Playbooks []AttachedPlaybook `json:"playbooks,omitempty"`
	// Detached are the playbooks detached by hand: matching does not
	// attach them again.
	Detached []string `json:"detached,omitempty"`
}

// AttachedPlaybook is a playbook as it was attached to an incident, with
// its steps' state.
type AttachedPlaybook struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Owner        string `json:"owner,omitempty"`
	LastReviewed Date   `json:"last_reviewed,omitzero"`
	Digest       string `json:"digest,omitempty"`
	// Matched is the rule that attached it; empty when a person did.
	Matched string          `json:"matched,omitempty"`
	Steps   []ChecklistStep `json:"steps"`
}

// ChecklistStep is a step and whether, by whom and when it was checked.
type ChecklistStep struct {
	PlaybookStep
	Checked   bool       `json:"checked"`
	CheckedBy string     `json:"checked_by,omitempty"`
	CheckedAt *time.Time `json:"checked_at,omitempty"`
	Note      string     `json:"note,omitempty"`
	// AddedBy is who added the step on this incident: the playbook
	// lacked it (playbook_usage.go).
	AddedBy string `json:"added_by,omitempty"`
}

// Attached returns the attached playbook id, or nil.
func (c *Checklist) Attached(id string) *AttachedPlaybook {
	for i := range c.Playbooks {
		if c.Playbooks[i].ID == id {
			return &c.Playbooks[i]
		}
	}
	return nil
}

// Step returns the step with key, or nil.
func (c *Checklist) Step(key string) *ChecklistStep {
	id, _, _ := strings.Cut(key, "/")
	if pb := c.Attached(id); pb != nil {
		for i := range pb.Steps {
			if pb.Steps[i].Key == key {
				return &pb.Steps[i]
			}
		}
	}
	return nil
}

// clone copies the checklist so that a change to it never writes into
// slices an earlier copy of the incident shares.
func (c Checklist) clone() Checklist {
	out := Checklist{Detached: slices.Clone(c.Detached)}
	for _, pb := range c.Playbooks {
		pb.Steps = slices.Clone(pb.Steps)
		out.Playbooks = append(out.Playbooks, pb)
	}
	return out
}

// Checklist event data.
type (
	// PlaybookAttachedData holds the playbook as attached, steps and
	// all, so that the timeline alone rebuilds the checklist whatever
	// later happens to the file.
	PlaybookAttachedData struct {
		Playbook Playbook `json:"playbook"`
		// Matched is the applies_to rule that matched; empty: by hand.
		Matched string `json:"matched,omitempty"`
	}
	PlaybookDetachedData struct {
		Playbook string `json:"playbook"`
		Title    string `json:"title,omitempty"`
		Reason   string `json:"reason,omitempty"`
	}
	// StepCheckedData records a step checked or (step_unchecked)
	// unchecked: by whom, with an optional note; Auto names the event
	// that checked it by itself.
	StepCheckedData struct {
		Step string `json:"step"`
		Text string `json:"text"`
		By   string `json:"by"`
		Note string `json:"note,omitempty"`
		Auto string `json:"auto,omitempty"`
	}
	// ChecklistOverriddenData records the incident moving to resolution
	// with required steps open: who decided, why, and which were open.
	ChecklistOverriddenData struct {
		By     string   `json:"by"`
		Reason string   `json:"reason"`
		Open   []string `json:"open"`
	}
)

func (inc *Incident) applyChecklist(at time.Time, c Change) {
	cl := inc.Checklist.clone()
	switch d := c.Data.(type) {
	case *PlaybookAttachedData:
		pb := AttachedPlaybook{ID: d.Playbook.ID, Title: d.Playbook.Title, Owner: d.Playbook.Owner,
			LastReviewed: d.Playbook.LastReviewed, Digest: d.Playbook.Digest, Matched: d.Matched}
		for _, s := range d.Playbook.Steps {
			pb.Steps = append(pb.Steps, ChecklistStep{PlaybookStep: s})
		}
		cl.Playbooks = append(cl.Playbooks, pb)
		cl.Detached = slices.DeleteFunc(cl.Detached, func(id string) bool { return id == pb.ID })
	case *PlaybookDetachedData:
		cl.Playbooks = slices.DeleteFunc(cl.Playbooks, func(pb AttachedPlaybook) bool { return pb.ID == d.Playbook })
		cl.Detached = append(cl.Detached, d.Playbook)
	case *StepAddedData:
		if pb := cl.Attached(d.Playbook); pb != nil {
			pb.Steps = append(pb.Steps, ChecklistStep{PlaybookStep: PlaybookStep{Key: d.Key, Stage: d.Stage, Text: d.Text}, AddedBy: d.By})
		}
	case *StepCheckedData:
		if s := cl.Step(d.Step); s != nil {
			if c.Type == EventStepChecked {
				t := at
				s.Checked, s.CheckedBy, s.CheckedAt, s.Note = true, d.By, &t, d.Note
			} else {
				s.Checked, s.CheckedBy, s.CheckedAt, s.Note = false, "", nil, ""
			}
		}
	}
	if len(cl.Playbooks) == 0 {
		cl.Playbooks = nil
	}
	if len(cl.Detached) == 0 {
		cl.Detached = nil
	}
	inc.Checklist = cl
}

// ChangesChecklist reports whether any of the changes changes the
// checklist, which the store then writes.
func ChangesChecklist(changes []Change) bool {
	return slices.ContainsFunc(changes, func(c Change) bool {
		switch c.Type {
		case EventPlaybookAttached, EventPlaybookDetached, EventStepChecked, EventStepUnchecked, EventStepAdded:
			return true
		}
		return false
	})
}

// AttachMatching attaches, as changes applied to the incident, the
// policy's playbooks whose applies_to matches it and that it does not
// have (nor had detached by hand); labels are those of the alert that
// opens or joins it, nil when none does.
func (inc *Incident) AttachMatching(p *Policy, labels map[string]string, now time.Time) []Change {
	var changes []Change
	for _, pb := range p.Playbooks {
		if inc.Checklist.Attached(pb.ID) != nil || slices.Contains(inc.Checklist.Detached, pb.ID) {
			continue
		}
		if why, ok := pb.Match(inc, labels); ok {
			c := Change{EventPlaybookAttached, &PlaybookAttachedData{Playbook: pb.snapshot(), Matched: why}}
			inc.apply(now, c)
			changes = append(changes, c)
		}
	}
	return changes
}

// snapshot is the playbook as an event records it: without its rules.
func (pb *Playbook) snapshot() Playbook {
	s := *pb
	s.AppliesTo = nil
	s.Steps = slices.Clone(pb.Steps)
	return s
}

// reclassifies reports whether a change may make other playbooks match:
// a new severity, title or services.
func reclassifies(c Change) bool {
	switch d := c.Data.(type) {
	case *SeverityChangedData:
		return true
	case *UpdatedData:
		return d.Title != nil || d.Services != nil
	}
	return false
}

// AutoCheck reports whether a step whose auto key is auto checks itself
// on change c. The key is an event type, optionally qualified:
// role_assigned:ROLE, note:KIND.
func AutoCheck(auto string, c Change) bool {
	typ, qual, _ := strings.Cut(auto, ":")
	if EventType(typ) != c.Type {
		return false
	}
	switch d := c.Data.(type) {
	case *RoleAssignedData:
		return qual == "" || IncidentRole(qual) == d.Role
	case *NoteData:
		return qual == "" || NoteKind(qual) == d.Kind
	}
	return qual == ""
}

// AutoEvents are the events a step's auto key may name today, with the
// qualifier each takes ("" for none).
var AutoEvents = map[EventType]string{
	EventAcknowledged: "", EventRoleAssigned: "role", EventNote: "note kind",
	EventSeverityChanged: "", EventEscalated: "", EventMemberAdded: "", EventUpdated: "", EventReviewScheduled: "",
	EventEvidenceAdded: "", EventRegulatorNotified: "",
}

// autoChecks checks, as changes applied to the incident, the open steps
// whose auto key one of changes names.
func (inc *Incident) autoChecks(changes []Change, by string, now time.Time) []Change {
	var out []Change
	for _, c := range changes {
		for _, pb := range inc.Checklist.Playbooks {
			for _, s := range pb.Steps {
				if s.Auto == "" || s.Checked || !s.AppliesToSeverity(inc.Severity) || !AutoCheck(s.Auto, c) {
					continue
				}
				ch := Change{EventStepChecked, &StepCheckedData{Step: s.Key, Text: s.Text, By: by, Auto: s.Auto}}
				inc.apply(now, ch)
				out = append(out, ch)
			}
		}
	}
	return out
}

func (inc *Incident) attachPlaybook(p *Policy, id string) ([]Change, error) {
	pb, ok := p.Playbook(strings.TrimSpace(id))
	if !ok {
		return nil, &Error{Code: EInvalid, Message: "invalid playbook", Fields: []FieldError{{"playbook", "no playbook " + quote(id) + "; want one of " + joinPlaybooks(p)}}}
	}
	if inc.Checklist.Attached(pb.ID) != nil {
		return nil, Errorf(EConflict, "%s already has playbook %s", inc.ID, pb.ID)
	}
	return []Change{{EventPlaybookAttached, &PlaybookAttachedData{Playbook: pb.snapshot()}}}, nil
}

func (inc *Incident) detachPlaybook(p *Policy, id, reason string) ([]Change, error) {
	id = strings.TrimSpace(id)
	if fe := checkText(nil, "reason", strings.TrimSpace(reason), 0, MaxReason); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid detach", Fields: fe}
	}
	pb := inc.Checklist.Attached(id)
	if pb == nil {
		return nil, Errorf(EConflict, "%s has no playbook %s", inc.ID, quote(id))
	}
	if p.PlaybookRules.requires(inc.Severity, id) {
		return nil, Errorf(EConflict, "%s is required for %s incidents (the policy's playbooks.required); it stays on %s", id, inc.Severity, inc.ID)
	}
	return []Change{{EventPlaybookDetached, &PlaybookDetachedData{Playbook: id, Title: pb.Title, Reason: strings.TrimSpace(reason)}}}, nil
}

func (inc *Incident) checkStep(key, note, by string, check bool) ([]Change, error) {
	key = strings.TrimSpace(key)
	fe := checkText(nil, "note", strings.TrimSpace(note), 0, MaxReason)
	s := inc.Checklist.Step(key)
	if s == nil {
		fe = append(fe, FieldError{"step", "no step " + quote(key) + " on " + inc.ID + "; steps are named PLAYBOOK/N (fireline incident checklist " + inc.ID + ")"})
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid step", Fields: fe}
	}
	d := &StepCheckedData{Step: key, Text: s.Text, By: by, Note: strings.TrimSpace(note)}
	switch {
	case check && s.Checked:
		return nil, Errorf(EConflict, "%s is already checked on %s (by %s)", key, inc.ID, s.CheckedBy)
	case !check && !s.Checked:
		return nil, Errorf(EConflict, "%s is not checked on %s", key, inc.ID)
	case check:
		return []Change{{EventStepChecked, d}}, nil
	}
	return []Change{{EventStepUnchecked, d}}, nil
}

// RequiredOpen returns the steps the policy requires checked before the
// incident moves to resolution that are still open: those of its
// required playbooks, for its severity, in the required stages before
// resolution.
func (p *Policy) RequiredOpen(inc *Incident) []ChecklistStep {
	var open []ChecklistStep
	for _, pb := range inc.Checklist.Playbooks {
		for _, s := range pb.Steps {
			if !s.Checked && s.AppliesToSeverity(inc.Severity) && p.PlaybookRules.requiresStep(inc.Severity, pb.ID, s.Stage) {
				open = append(open, s)
			}
		}
	}
	return open
}

// resolutionGate refuses a move to resolution (resolve, or a stage change
// to it) while required steps are open, unless the action overrides it
// with a reason, by a holder of an override role; then the override is
// the first change.
func (inc *Incident) resolutionGate(p *Policy, a Action) ([]Change, error) {
	entering := !a.Automatic && stageIndex(inc.Stage) < stageIndex(StageResolution) &&
		(a.Kind == ActResolve && inc.Status.Open() || a.Kind == ActChangeStage && a.Stage == StageResolution)
	if !entering {
		return nil, nil
	}
	open := p.RequiredOpen(inc)
	if len(open) == 0 {
		return nil, nil
	}
	reason := strings.TrimSpace(a.Override)
	if reason == "" {
		fe := make([]FieldError, len(open))
		for i, s := range open {
			fe[i] = FieldError{s.Key, s.Text}
		}
		return nil, &Error{Code: EConflict, Fields: fe, Message: inc.ID + " has " + plural(len(open), "required step") +
			" open before resolution; check them, or the incident commander overrides with a reason"}
	}
	if fe := checkText(nil, "override", reason, 1, MaxReason); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid override", Fields: fe}
	}
	roles := p.PlaybookRules.overrideRoles()
	if !slices.ContainsFunc(roles, func(r IncidentRole) bool { return inc.holds(r, a.By) }) {
		who := "nobody holds " + string(roles[0])
		if h := inc.holder(roles[0]); h != "" {
			who = h + " holds " + string(roles[0])
		}
		return nil, Errorf(EForbidden, "only the %s may move %s to resolution with required steps open (%s)", strings.ReplaceAll(string(roles[0]), "_", " "), inc.ID, who)
	}
	keys := make([]string, len(open))
	for i, s := range open {
		keys[i] = s.Key
	}
	return []Change{{EventChecklistOverridden, &ChecklistOverriddenData{By: a.By, Reason: reason, Open: keys}}}, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func joinPlaybooks(p *Policy) string {
	ids := make([]string, len(p.Playbooks))
	for i, pb := range p.Playbooks {
		ids[i] = pb.ID
	}
	if len(ids) == 0 {
		return "(none loaded)"
	}
	return strings.Join(ids, ", ")
}

// ChecklistStage is a stage of an incident's checklist as shown: its
// steps for the incident's severity, in playbook order, and progress.
type ChecklistStage struct {
	Stage   Stage           `json:"stage"`
	Current bool            `json:"current"`
	Done    int             `json:"done"`
	Total   int             `json:"total"`
	Steps   []ChecklistItem `json:"steps"`
}

// ChecklistItem is a step as shown, with its playbook and whether the
// policy requires it before resolution.
type ChecklistItem struct {
	ChecklistStep
	Playbook string `json:"playbook"`
	Required bool   `json:"required"`
}

// ChecklistView groups the incident's steps for its severity by stage,
// in workflow order; within a stage, the required playbooks' steps first.
func (p *Policy) ChecklistView(inc *Incident) []ChecklistStage {
	pbs := slices.Clone(inc.Checklist.Playbooks)
	slices.SortStableFunc(pbs, func(a, b AttachedPlaybook) int {
		ra, rb := p.PlaybookRules.requires(inc.Severity, a.ID), p.PlaybookRules.requires(inc.Severity, b.ID)
		switch {
		case ra && !rb:
			return -1
		case rb && !ra:
			return 1
		}
		return 0
	})
	var out []ChecklistStage
	for _, st := range Stages {
		cs := ChecklistStage{Stage: st, Current: st == inc.Stage}
		for _, pb := range pbs {
			req := p.PlaybookRules.requiresStep(inc.Severity, pb.ID, st)
			for _, s := range pb.Steps {
				if s.Stage != st || !s.AppliesToSeverity(inc.Severity) {
					continue
				}
				cs.Steps = append(cs.Steps, ChecklistItem{ChecklistStep: s, Playbook: pb.ID, Required: req})
				cs.Total++
				if s.Checked {
					cs.Done++
				}
			}
		}
		if cs.Total > 0 {
			out = append(out, cs)
		}
	}
	return out
}
