package fireline

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Public updates: drafted by a responder, approved by the incident
// commander or the communications liaison (the policy's approvers) unless
// the severity publishes without approval, then published; each step an
// event on the timeline. Restricted incidents never have public updates.

// Actions on public updates.
const (
	ActDraftUpdate   ActionKind = "draft_public_update"
	ActApproveUpdate ActionKind = "approve_public_update"
	ActRejectUpdate  ActionKind = "reject_public_update"
)

// Events of public updates and their cadence.
const (
	EventUpdateDrafted   EventType = "public_update_drafted"
	EventUpdateApproved  EventType = "public_update_approved"
	EventUpdatePublished EventType = "public_update_published"
	EventUpdateRejected  EventType = "public_update_rejected"
	// EventUpdateDueSoon reminds that a public update is due (the liaison
	// and the commander are told).
	EventUpdateDueSoon EventType = "public_update_due_soon"
	// EventUpdateOverdue records a public update not published by its
	// deadline (the chain's next step is told).
	EventUpdateOverdue EventType = "public_update_overdue"
	// EventUpdateEmailed records how many customers a published update
	// was emailed to, when its fan-out has queued the last batch.
	EventUpdateEmailed EventType = "public_update_emailed"
)

// Limits of a public update.
const (
	MaxUpdateText = 5000
	MaxUpdateName = 200
)

// UpdateState is where a public update stands.
type UpdateState string

// Update states.
const (
	UpdateDraft     UpdateState = "draft"
	UpdatePublished UpdateState = "published"
	UpdateRejected  UpdateState = "rejected"
)

// ComponentImpact is a public component's state as an update gives it.
type ComponentImpact struct {
	Service string         `json:"service"`
	State   ComponentState `json:"state"`
}

// PublicUpdateInput is a draft: its status, the affected components and
// their state, the text (the status's template filled in when empty), and
// the incident's public name (its title when empty). Publish asks to
// publish at once, which the severity's approval rule may refuse.
type PublicUpdateInput struct {
	Status     PublicStatus      `json:"status"`
	Components []ComponentImpact `json:"components,omitempty"`
	Text       string            `json:"text,omitempty"`
	Name       string            `json:"name,omitempty"`
}

// PublicUpdate is one public update of an incident.
type PublicUpdate struct {
	Number     int               `json:"number"`
	Status     PublicStatus      `json:"status"`
	Name       string            `json:"name"`
	Text       string            `json:"text"`
	Components []ComponentImpact `json:"components"`
	State      UpdateState       `json:"state"`
	DraftedBy  string            `json:"drafted_by"`
	DraftedAt  time.Time         `json:"drafted_at"`
	ApprovedBy string            `json:"approved_by,omitempty"`
	// PublishedAt is when it went public; nil for drafts.
	PublishedAt *time.Time `json:"published_at,omitempty"`
	RejectedBy  string     `json:"rejected_by,omitempty"`
	Reason      string     `json:"reason,omitempty"`
}

// Obligation is one public update the cadence asked for and how it went.
type Obligation struct {
	Due      time.Time `json:"due"`
	Severity Severity  `json:"severity"`
	First    bool      `json:"first,omitempty"`
	// Outcome is on_time or late once met; overdue while past due and
	// unmet; missed when the incident resolved with it unmet.
	Outcome Outcome    `json:"outcome"`
	MetAt   *time.Time `json:"met_at,omitempty"`
	// Update is the number of the update that met it.
	Update int `json:"update,omitempty"`
}

// Outcome of a public update obligation.
type Outcome string

// Outcomes.
const (
	OutcomeOnTime  Outcome = "on_time"
	OutcomeLate    Outcome = "late"
	OutcomeOverdue Outcome = "overdue"
	OutcomeMissed  Outcome = "missed"
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeOnTime, OutcomeLate, OutcomeOverdue, OutcomeMissed}

// Comms is an incident's communications state, derived from its timeline.
type Comms struct {
	Updates []PublicUpdate `json:"updates,omitempty"`
	// ConfirmedAt is when the incident was confirmed: acknowledged, or
	// declared by a person. The first public update's clock starts then.
	ConfirmedAt *time.Time   `json:"confirmed_at,omitempty"`
	Obligations []Obligation `json:"obligations,omitempty"`
}

// IsZero reports whether nothing happened yet (kept out of JSON).
func (c Comms) IsZero() bool {
	return len(c.Updates) == 0 && c.ConfirmedAt == nil && len(c.Obligations) == 0
}

// Published returns the published updates, oldest first.
func (c Comms) Published() []PublicUpdate {
	var out []PublicUpdate
	for _, u := range c.Updates {
		if u.State == UpdatePublished {
			out = append(out, u)
		}
	}
	return out
}

// LastPublished returns the newest published update.
func (c Comms) LastPublished() (PublicUpdate, bool) {
	p := c.Published()
	if len(p) == 0 {
		return PublicUpdate{}, false
	}
	return p[len(p)-1], true
}

// Update returns update n.
func (c Comms) Update(n int) (PublicUpdate, bool) {
	for _, u := range c.Updates {
		if u.Number == n {
			return u, true
		}
	}
	return PublicUpdate{}, false
}

// Event data of public updates.
type (
	UpdateDraftedData struct {
		Number     int               `json:"number"`
		Status     PublicStatus      `json:"status"`
		Name       string            `json:"name"`
		Text       string            `json:"text"`
		Components []ComponentImpact `json:"components"`
		By         string            `json:"by"`
	}
	UpdateApprovedData struct {
		Number int    `json:"number"`
		By     string `json:"by"`
	}
	// UpdatePublishedData is an update going public, and the cadence
	// obligation it meets (none when Due is nil).
	UpdatePublishedData struct {
		Number   int        `json:"number"`
		Due      *time.Time `json:"due,omitempty"`
		First    bool       `json:"first,omitempty"`
		Outcome  Outcome    `json:"outcome,omitempty"`
		Severity Severity   `json:"severity,omitempty"`
	}
	UpdateRejectedData struct {
		Number int    `json:"number"`
		By     string `json:"by"`
		Reason string `json:"reason,omitempty"`
	}
	// UpdateEmailedData counts the customers an update was sent to.
	UpdateEmailedData struct {
		Number     int `json:"number"`
		Recipients int `json:"recipients"`
	}
	// UpdateDueData is a reminder or an overdue obligation.
	UpdateDueData struct {
		Due      time.Time `json:"due"`
		First    bool      `json:"first,omitempty"`
		Severity Severity  `json:"severity"`
	}
)

// ChangesComms reports whether changes change an incident's Comms.
func ChangesComms(changes []Change) bool {
	return slices.ContainsFunc(changes, func(c Change) bool {
		switch c.Type {
		case EventUpdateDrafted, EventUpdateApproved, EventUpdatePublished, EventUpdateRejected, EventUpdateOverdue,
			EventAcknowledged, EventDeclared, EventResolved:
			return true
		}
		return false
	})
}

// draftFollowUp drafts the customer follow-up when a P1 or P2 that was on
// the public page resolves (the guide's resolution stage: "send
// resolution notification"): a resolved update from the template, for
// the commander or liaison to approve (or published at once where the
// policy needs no approval). None when one is already waiting or out.
func (inc *Incident) draftFollowUp(p *Policy, changes []Change, by string, now time.Time) []Change {
	if !slices.ContainsFunc(changes, func(c Change) bool { return c.Type == EventResolved }) ||
		inc.Restricted || (inc.Severity != P1 && inc.Severity != P2) || len(inc.Comms.Published()) == 0 ||
		slices.ContainsFunc(inc.Comms.Updates, func(u PublicUpdate) bool {
			return u.Status == PublicResolved && (u.State == UpdateDraft || u.State == UpdatePublished)
		}) {
		return nil
	}
	drafted, err := inc.draftUpdate(p, &PublicUpdateInput{Status: PublicResolved}, by, now)
	if err != nil {
		return nil // nothing to draft from (the template fails): the liaison writes it
	}
	for _, c := range drafted {
		inc.apply(now, c)
	}
	return drafted
}

// draftUpdate validates a draft and, when the severity publishes without
// approval, publishes it at once.
func (inc *Incident) draftUpdate(p *Policy, in *PublicUpdateInput, by string, now time.Time) ([]Change, error) {
	if in == nil {
		in = &PublicUpdateInput{}
	}
	switch {
	case inc.Restricted:
		return nil, Errorf(EConflict, "%s is restricted: restricted incidents are never on the public status page", inc.ID)
	case inc.Status == StatusClosed:
		return nil, Errorf(EConflict, "%s is closed", inc.ID)
	}
	var fe []FieldError
	if !slices.Contains(PublicStatuses, in.Status) {
		fe = append(fe, FieldError{"status", "unknown status " + quote(string(in.Status)) + "; want investigating, identified, monitoring or resolved"})
	}
	d := &UpdateDraftedData{Number: len(inc.Comms.Updates) + 1, Status: in.Status, By: by,
		Name: strings.TrimSpace(in.Name), Text: strings.TrimSpace(in.Text), Components: []ComponentImpact{}}
	if d.Name == "" { // the name the page shows: the last update's, else the title
		d.Name = inc.Title
		if n := len(inc.Comms.Updates); n > 0 {
			d.Name = inc.Comms.Updates[n-1].Name
		}
		if u, ok := inc.Comms.LastPublished(); ok {
			d.Name = u.Name
		}
	}
	if d.Text == "" && len(fe) == 0 {
		d.Text = p.FillTemplate(inc, in.Status)
	}
	fe = checkText(fe, "name", d.Name, 1, MaxUpdateName)
	fe = checkText(fe, "text", d.Text, 1, MaxUpdateText)
	seen := map[string]bool{}
	for i, c := range in.Components {
		field := "components[" + strconv.Itoa(i) + "]"
		s, ok := p.Service(c.Service)
		switch {
		case !ok || !s.Public:
			fe = append(fe, FieldError{field + ".service", "no public component " + quote(c.Service) + "; want one of " + strings.Join(publicIDs(p), ", ")})
		case !slices.Contains(ComponentStates, c.State):
			fe = append(fe, FieldError{field + ".state", "unknown state " + quote(string(c.State)) + "; want operational, degraded_performance, partial_outage, major_outage or under_maintenance"})
		case seen[c.Service]:
			fe = append(fe, FieldError{field + ".service", quote(c.Service) + " is listed twice"})
		default:
			seen[c.Service] = true
			d.Components = append(d.Components, c)
		}
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid public update", Fields: fe}
	}
	changes := []Change{{EventUpdateDrafted, d}}
	if !p.NeedsApproval(inc.Severity) {
		changes = append(changes, inc.publish(p, d.Number, now))
	}
	return changes, nil
}

func publicIDs(p *Policy) []string {
	var ids []string
	for _, s := range p.PublicServices() {
		ids = append(ids, s.ID)
	}
	return ids
}

// draft returns update n while it is a draft.
func (inc *Incident) draft(n int) (PublicUpdate, error) {
	u, ok := inc.Comms.Update(n)
	switch {
	case !ok:
		return u, Errorf(ENotFound, "%s has no public update %d", inc.ID, n)
	case u.State != UpdateDraft:
		return u, Errorf(EConflict, "public update %d of %s is already %s", n, inc.ID, u.State)
	}
	return u, nil
}

// approveUpdate publishes draft n, if by holds one of the approving roles.
func (inc *Incident) approveUpdate(p *Policy, n int, by string, now time.Time) ([]Change, error) {
	if _, err := inc.draft(n); err != nil {
		return nil, err
	}
	if err := inc.mayApprove(p, by); err != nil {
		return nil, err
	}
	return []Change{{EventUpdateApproved, &UpdateApprovedData{Number: n, By: by}}, inc.publish(p, n, now)}, nil
}

// rejectUpdate discards draft n, if by holds one of the approving roles.
func (inc *Incident) rejectUpdate(p *Policy, n int, by, reason string) ([]Change, error) {
	if _, err := inc.draft(n); err != nil {
		return nil, err
	}
	if fe := checkText(nil, "reason", strings.TrimSpace(reason), 0, MaxReason); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid rejection", Fields: fe}
	}
	if err := inc.mayApprove(p, by); err != nil {
		return nil, err
	}
	return []Change{{EventUpdateRejected, &UpdateRejectedData{Number: n, By: by, Reason: strings.TrimSpace(reason)}}}, nil
}

// mayApprove is EForbidden unless by holds one of the policy's approving
// roles on the incident.
func (inc *Incident) mayApprove(p *Policy, by string) error {
	roles := p.CommsApprovers()
	for _, r := range roles {
		if inc.holds(r, by) {
			return nil
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = strings.ReplaceAll(string(r), "_", " ")
		if def, ok := p.Role(r); ok {
			names[i] = def.Name
		}
	}
	return Errorf(EForbidden, "only the incident's %s may approve or reject public updates of %s", strings.Join(names, " or "), inc.ID)
}

// publish is the change publishing update n at now, with the obligation it
// meets.
func (inc *Incident) publish(p *Policy, n int, now time.Time) Change {
	d := &UpdatePublishedData{Number: n}
	if due, first, ok := p.NextUpdateDue(inc); ok {
		outcome := OutcomeOnTime
		if now.After(due.Add(ClockTolerance)) {
			outcome = OutcomeLate
		}
		d.Due, d.First, d.Outcome, d.Severity = &due, first, outcome, inc.Severity
	}
	return Change{EventUpdatePublished, d}
}

// applyComms applies the changes of communications to the incident.
func (inc *Incident) applyComms(at time.Time, c Change) {
	cm := &inc.Comms
	switch d := c.Data.(type) {
	case *UpdateDraftedData:
		cm.Updates = append(slices.Clip(cm.Updates), PublicUpdate{Number: d.Number, Status: d.Status, Name: d.Name, Text: d.Text,
			Components: slices.Clone(d.Components), State: UpdateDraft, DraftedBy: d.By, DraftedAt: at})
	case *UpdateApprovedData:
		inc.editUpdate(d.Number, func(u *PublicUpdate) { u.ApprovedBy = d.By })
	case *UpdateRejectedData:
		inc.editUpdate(d.Number, func(u *PublicUpdate) { u.State, u.RejectedBy, u.Reason = UpdateRejected, d.By, d.Reason })
	case *UpdatePublishedData:
		inc.editUpdate(d.Number, func(u *PublicUpdate) { u.State, u.PublishedAt = UpdatePublished, &at })
		if d.Due != nil {
			inc.meet(*d.Due, Obligation{Due: d.Due.UTC(), Severity: d.Severity, First: d.First, Outcome: d.Outcome, MetAt: &at, Update: d.Number})
		}
	case *UpdateDueData:
		if c.Type == EventUpdateOverdue {
			cm.Obligations = append(slices.Clip(cm.Obligations), Obligation{Due: d.Due.UTC(), Severity: d.Severity, First: d.First, Outcome: OutcomeOverdue})
		}
	}
}

// meet records an obligation met: the overdue one with its deadline
// becomes late, or a new one is added.
func (inc *Incident) meet(due time.Time, o Obligation) {
	obs := slices.Clone(inc.Comms.Obligations)
	for i := range obs {
		if obs[i].Due.Equal(due) && obs[i].MetAt == nil {
			obs[i].MetAt, obs[i].Outcome, obs[i].Update = o.MetAt, OutcomeLate, o.Update
			inc.Comms.Obligations = obs
			return
		}
	}
	inc.Comms.Obligations = append(obs, o)
}

// missOverdue turns the obligations still overdue into missed ones: the
// incident resolved without them.
func (inc *Incident) missOverdue() {
	obs := slices.Clone(inc.Comms.Obligations)
	for i := range obs {
		if obs[i].Outcome == OutcomeOverdue {
			obs[i].Outcome = OutcomeMissed
		}
	}
	inc.Comms.Obligations = obs
}

func (inc *Incident) editUpdate(n int, f func(*PublicUpdate)) {
	ups := slices.Clone(inc.Comms.Updates)
	for i := range ups {
		if ups[i].Number == n {
			f(&ups[i])
		}
	}
	inc.Comms.Updates = ups
}

func (inc *Incident) confirm(at time.Time) {
	if inc.Comms.ConfirmedAt == nil {
		inc.Comms.ConfirmedAt = &at
	}
}
