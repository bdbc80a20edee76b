package fireline

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Action items: specific, assignable work with an owner and a deadline
// (the guide's "Action Items"), recorded on the incident's timeline. Their
// owners are reminded before the deadline; an overdue item tells its
// owner, then escalates along the chain the policy names; a new incident
// on a service with an item still open from an earlier one is flagged as
// a repeat.

// ActionItemKind says what an action item changes.
type ActionItemKind string

// Kinds of action item.
const (
	KindFix        ActionItemKind = "fix"
	KindMonitoring ActionItemKind = "monitoring"
	KindRunbook    ActionItemKind = "runbook"
	KindProcess    ActionItemKind = "process"
)

// ActionItemKinds lists every kind.
var ActionItemKinds = []ActionItemKind{KindFix, KindMonitoring, KindRunbook, KindProcess}

// ActionItemStatus is where an item stands.
type ActionItemStatus string

// Action item statuses.
const (
	ItemOpen ActionItemStatus = "open"
	ItemDone ActionItemStatus = "done"
)

// ActionItem is one action item of an incident.
type ActionItem struct {
	Number   int64            `json:"number"`
	ID       string           `json:"id"`
	Incident string           `json:"incident"`
	Title    string           `json:"title"`
	Owner    string           `json:"owner"`
	Deadline time.Time        `json:"deadline"`
	Kind     ActionItemKind   `json:"kind"`
	Services []string         `json:"services,omitempty"`
	Status   ActionItemStatus `json:"status"`
	// Link is where the item is tracked (an issue), if anywhere.
	Link string `json:"link,omitempty"`
	// Tracked is the tracker's issue the item was pushed as (tracker.go).
	Tracked *TrackedIssue `json:"tracked,omitempty"`
	// Pushing says a push was asked for and its issue is not made yet.
	Pushing   bool       `json:"pushing,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ClosedBy  string     `json:"closed_by,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	Note      string     `json:"note,omitempty"`
	// Restricted items belong to a restricted incident; lists show them
	// only to its members and admins.
	Restricted bool `json:"restricted,omitempty"`

	// Playbook is the playbook a runbook item changes, and
	// PlaybookDigest its revision when the item was added: the item
	// closes when the server loads another (actionitem_playbook.go).
	Playbook       string `json:"playbook,omitempty"`
	PlaybookDigest string `json:"playbook_digest,omitempty"`
}

// ActionItemID formats an item number as its human id.
func ActionItemID(n int64) string { return "A-" + strconv.FormatInt(n, 10) }

// ParseActionItemID parses "A-12" (or "12") into its number.
func ParseActionItemID(id string) (int64, error) {
	s := strings.TrimSpace(id)
	if len(s) > 2 && strings.EqualFold(s[:2], "A-") {
		s = s[2:]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, Errorf(ENotFound, "action item %q not found", id)
	}
	return n, nil
}

// Overdue reports whether the item is open past its deadline at now.
func (it *ActionItem) Overdue(now time.Time) bool {
	return it.Status == ItemOpen && now.After(it.Deadline)
}

// ActionItem returns the incident's item n, or nil.
func (inc *Incident) ActionItem(n int64) *ActionItem {
	for i := range inc.ActionItems {
		if inc.ActionItems[i].Number == n {
			return &inc.ActionItems[i]
		}
	}
	return nil
}

// ActionItemPolicy is the reviews section's action_items: reminders
// before the deadline and the escalation of overdue items.
type ActionItemPolicy struct {
	// RemindBefore are how long before its deadline an item's owner is
	// reminded (default 3d and 1d).
	RemindBefore []Deadline `yaml:"remind_before,omitempty" json:"remind_before,omitempty"`
	// Escalate are whom an overdue item is escalated to, and how long
	// after its deadline (its owner is told at the deadline). Default:
	// technical:2 after 2d, technical:3 after 1w.
	Escalate []OverdueStep `yaml:"escalate,omitempty" json:"escalate,omitempty"`
	// Tracker is where items are pushed and synced back from (tracker.go);
	// none when nil.
	Tracker *TrackerPolicy `yaml:"tracker,omitempty" json:"tracker,omitempty"`
}

// OverdueStep escalates an overdue item: to a chain step (CHAIN:N) or a
// person of the directory, After its deadline.
type OverdueStep struct {
	After Deadline `yaml:"after" json:"after"`
	To    string   `yaml:"to" json:"to"`
}

func (ap ActionItemPolicy) remindBefore() []time.Duration {
	if ap.RemindBefore == nil {
		return []time.Duration{72 * time.Hour, 24 * time.Hour}
	}
	var out []time.Duration
	for _, d := range ap.RemindBefore {
		if d.Kind == DeadlineAfter {
			out = append(out, d.After)
		}
	}
	return out
}

func (ap ActionItemPolicy) escalate() []OverdueStep {
	if ap.Escalate == nil {
		return []OverdueStep{{After: Deadline{Kind: DeadlineAfter, After: 48 * time.Hour}, To: "technical:2"},
			{After: Deadline{Kind: DeadlineAfter, After: 7 * 24 * time.Hour}, To: "technical:3"}}
	}
	return ap.Escalate
}

// Action item event data.
type (
	ActionItemAddedData struct {
		Item ActionItem `json:"item"`
	}
	// ActionItemUpdatedData holds only what changed; Status moves it
	// between open and done.
	ActionItemUpdatedData struct {
		Number   int64            `json:"number"`
		Title    *string          `json:"title,omitempty"`
		Owner    *string          `json:"owner,omitempty"`
		Deadline *time.Time       `json:"deadline,omitempty"`
		Kind     *ActionItemKind  `json:"kind,omitempty"`
		Link     *string          `json:"link,omitempty"`
		Status   ActionItemStatus `json:"status,omitempty"`
		Note     string           `json:"note,omitempty"`
		By       string           `json:"by"`
		// PlaybookDigest is the playbook revision that closed the item.
		PlaybookDigest *string `json:"playbook_digest,omitempty"`
	}
	// ActionItemNoticeData records an item's owner reminded, told it is
	// overdue, or its escalation (the engine's).
	ActionItemNoticeData struct {
		Number   int64       `json:"number"`
		Notice   ItemNotice  `json:"notice"`
		Due      time.Time   `json:"due"`
		To       []Recipient `json:"to"`
		Step     string      `json:"step,omitempty"`
		Title    string      `json:"title,omitempty"`
		Escalate int         `json:"escalate,omitempty"`
	}
	// RepeatFlaggedData flags an incident on a service with an action
	// item still open from an earlier incident.
	RepeatFlaggedData struct {
		Earlier string `json:"earlier"`
		Item    string `json:"item"`
		Title   string `json:"title"`
		Service string `json:"service"`
	}
)

// ItemNotice is what an action item notice says.
type ItemNotice string

// Action item notices.
const (
	NoticeReminder  ItemNotice = "reminder"
	NoticeOverdue   ItemNotice = "overdue"
	NoticeEscalated ItemNotice = "escalated"
)

// Action item event types.
const (
	EventActionItemAdded   EventType = "action_item_added"
	EventActionItemUpdated EventType = "action_item_updated"
	EventActionItemNotice  EventType = "action_item_notice"
	EventRepeatFlagged     EventType = "repeat_flagged"
)

// Action item actions.
const (
	ActAddActionItem    ActionKind = "add_action_item"
	ActUpdateActionItem ActionKind = "update_action_item"
)

// ActionItemInput is what adding or updating an item takes
// (Action.Item). Number is the item updated; when adding, the store
// gives the next one.
type ActionItemInput struct {
	Number   int64            `json:"number,omitempty"`
	Title    *string          `json:"title,omitempty"`
	Owner    *string          `json:"owner,omitempty"`
	Deadline *time.Time       `json:"deadline,omitempty"`
	Kind     *ActionItemKind  `json:"kind,omitempty"`
	Link     *string          `json:"link,omitempty"`
	Status   ActionItemStatus `json:"status,omitempty"`
	Note     string           `json:"note,omitempty"`
	// Playbook names the playbook a runbook item changes (adding only).
	Playbook *string `json:"playbook,omitempty"`
}

// RepeatFlag is an incident's repeat: an earlier incident's open item on
// one of its services.
type RepeatFlag = RepeatFlaggedData

func itemEvent(t EventType) bool {
	return t == EventActionItemAdded || t == EventActionItemUpdated || t == EventRepeatFlagged || trackerEvent(t)
}

func (inc *Incident) applyItem(at time.Time, c Change) {
	items := slices.Clone(inc.ActionItems)
	switch d := c.Data.(type) {
	case *ActionItemAddedData:
		it := d.Item
		it.Services, it.CreatedAt, it.Incident, it.Restricted = slices.Clone(d.Item.Services), at, inc.ID, inc.Restricted
		items = append(items, it)
	case *ActionItemUpdatedData:
		for i := range items {
			if items[i].Number != d.Number {
				continue
			}
			it := &items[i]
			if d.Title != nil {
				it.Title = *d.Title
			}
			if d.Owner != nil {
				it.Owner = *d.Owner
			}
			if d.Deadline != nil {
				it.Deadline = d.Deadline.UTC()
			}
			if d.Kind != nil {
				it.Kind = *d.Kind
			}
			if d.Link != nil {
				it.Link = *d.Link
			}
			if d.PlaybookDigest != nil {
				it.PlaybookDigest = *d.PlaybookDigest
			}
			switch d.Status {
			case ItemDone:
				it.Status, it.ClosedBy, it.ClosedAt, it.Note = ItemDone, d.By, &at, d.Note
			case ItemOpen:
				it.Status, it.ClosedBy, it.ClosedAt, it.Note = ItemOpen, "", nil, d.Note
			}
		}
	case *RepeatFlaggedData:
		inc.Repeats = append(slices.Clip(inc.Repeats), *d)
		return
	}
	inc.ActionItems = items
}

// checkItem validates an item's fields (those given) into fe.
func checkItem(p *Policy, fe []FieldError, in ActionItemInput, adding bool) []FieldError {
	if in.Title != nil || adding {
		fe = checkText(fe, "title", strings.TrimSpace(deref(in.Title)), 1, MaxTitle)
	}
	if in.Owner != nil || adding {
		if _, ok := p.Person(deref(in.Owner)); !ok {
			fe = append(fe, FieldError{"owner", "no person " + quote(deref(in.Owner)) + " in the policy's directory"})
		}
	}
	if adding && (in.Deadline == nil || in.Deadline.IsZero()) {
		fe = append(fe, FieldError{"deadline", "a deadline is required"})
	}
	if in.Kind != nil || adding {
		if !slices.Contains(ActionItemKinds, ActionItemKind(deref((*string)(in.Kind)))) {
			fe = append(fe, FieldError{"kind", "unknown kind " + quote(deref((*string)(in.Kind))) + "; want fix, monitoring, runbook or process"})
		}
	}
	if in.Link != nil {
		fe = checkText(fe, "link", strings.TrimSpace(*in.Link), 0, MaxReason)
	}
	return checkText(fe, "note", strings.TrimSpace(in.Note), 0, MaxReason)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (inc *Incident) addActionItem(p *Policy, in ActionItemInput, by string, now time.Time) ([]Change, error) {
	fe := checkItemPlaybook(p, checkItem(p, nil, in, true), in) // actionitem_playbook.go
	if in.Deadline != nil && !in.Deadline.IsZero() && !in.Deadline.After(now) {
		fe = append(fe, FieldError{"deadline", "the deadline has passed"})
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid action item", Fields: fe}
	}
	if in.Number <= 0 {
		return nil, Errorf(EInternal, "no number for the new action item")
	}
	it := ActionItem{Number: in.Number, ID: ActionItemID(in.Number), Title: strings.TrimSpace(*in.Title), Owner: *in.Owner,
		Deadline: in.Deadline.UTC().Truncate(time.Second), Kind: *in.Kind, Services: slices.Clone(inc.Services), Status: ItemOpen,
		Link: strings.TrimSpace(deref(in.Link)), CreatedBy: by, CreatedAt: now.UTC(), Incident: inc.ID, Restricted: inc.Restricted}
	it.Playbook, it.PlaybookDigest = itemPlaybook(p, in)
	return []Change{{EventActionItemAdded, &ActionItemAddedData{Item: it}}}, nil
}

func (inc *Incident) updateActionItem(p *Policy, in ActionItemInput, by string) ([]Change, error) {
	it := inc.ActionItem(in.Number)
	if it == nil {
		return nil, Errorf(ENotFound, "%s has no action item %s", inc.ID, ActionItemID(in.Number))
	}
	fe := checkItem(p, nil, in, false)
	if in.Status != "" && in.Status != ItemOpen && in.Status != ItemDone {
		fe = append(fe, FieldError{"status", "unknown status " + quote(string(in.Status)) + "; want open or done"})
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid action item", Fields: fe}
	}
	d := &ActionItemUpdatedData{Number: it.Number, By: by, Note: strings.TrimSpace(in.Note)}
	if t := strings.TrimSpace(deref(in.Title)); in.Title != nil && t != it.Title {
		d.Title = &t
	}
	if in.Owner != nil && *in.Owner != it.Owner {
		d.Owner = in.Owner
	}
	if in.Deadline != nil && !in.Deadline.Truncate(time.Second).Equal(it.Deadline) {
		t := in.Deadline.UTC().Truncate(time.Second)
		d.Deadline = &t
	}
	if in.Kind != nil && *in.Kind != it.Kind {
		d.Kind = in.Kind
	}
	if l := strings.TrimSpace(deref(in.Link)); in.Link != nil && l != it.Link {
		d.Link = &l
	}
	if in.Status != "" && in.Status != it.Status {
		d.Status = in.Status
	}
	if d.Title == nil && d.Owner == nil && d.Deadline == nil && d.Kind == nil && d.Link == nil && d.Status == "" {
		return nil, Errorf(EConflict, "the update changes nothing in %s", it.ID)
	}
	return []Change{{EventActionItemUpdated, d}}, nil
}

// FlagRepeats flags, as changes applied to the incident, the open items
// of earlier incidents on its services that it has not flagged yet. The
// store passes the open items of unrestricted incidents only, so that a
// flag never names what a restricted incident keeps to its members.
func (inc *Incident) FlagRepeats(open []ActionItem, now time.Time) []Change {
	var changes []Change
	for _, it := range open {
		if it.Incident == inc.ID || it.Status != ItemOpen || it.Restricted {
			continue
		}
		if slices.ContainsFunc(inc.Repeats, func(r RepeatFlag) bool { return r.Item == it.ID }) {
			continue
		}
		for _, s := range it.Services {
			if slices.Contains(inc.Services, s) {
				c := Change{Type: EventRepeatFlagged, Data: &RepeatFlaggedData{Earlier: it.Incident, Item: it.ID, Title: it.Title, Service: s}}
				inc.apply(now, c)
				changes = append(changes, c)
				break
			}
		}
	}
	return changes
}

// ItemMark is an instant at which an open action item's owner is
// reminded, told it is overdue, or it escalates.
type ItemMark struct {
	At     time.Time  `json:"at"`
	Notice ItemNotice `json:"notice"`
	// Before is how long before the deadline a reminder comes; Escalate
	// the escalation step (1-based) of the policy.
	Before   time.Duration `json:"before,omitempty"`
	Escalate int           `json:"escalate,omitempty"`
}

// ActionItemJob is an item's job: its marks still to come, for the
// deadline it was planned for.
type ActionItemJob struct {
	Incident int64      `json:"incident"`
	Item     int64      `json:"item"`
	Deadline time.Time  `json:"deadline"`
	Marks    []ItemMark `json:"marks"`
}

// ItemMarks lists an item's reminders, its overdue notice and its
// escalations, in order, from now on.
func (p *Policy) ItemMarks(it *ActionItem, now time.Time) []ItemMark {
	var out []ItemMark
	for _, b := range p.Reviews.ActionItems.remindBefore() {
		out = append(out, ItemMark{At: it.Deadline.Add(-b), Notice: NoticeReminder, Before: b})
	}
	out = append(out, ItemMark{At: it.Deadline.Add(ClockTolerance), Notice: NoticeOverdue})
	for i, st := range p.Reviews.ActionItems.escalate() {
		out = append(out, ItemMark{At: it.Deadline.Add(st.After.After), Notice: NoticeEscalated, Escalate: i + 1})
	}
	out = slices.DeleteFunc(out, func(m ItemMark) bool { return !m.At.After(now) && m.Notice == NoticeReminder })
	slices.SortStableFunc(out, func(a, b ItemMark) int { return a.At.Compare(b.At) })
	return out
}

// itemJob is the job of an item's marks, keyed by its deadline: a new
// deadline plans a new job, and the old one finds its deadline gone.
func (p *Policy) itemJob(inc *Incident, it *ActionItem, now time.Time) []Job {
	marks := p.ItemMarks(it, now)
	if len(marks) == 0 || it.Status != ItemOpen {
		return nil
	}
	return []Job{{Kind: JobActionItem, Group: ReviewGroup(inc.Number), RunAt: marks[0].At,
		Key:  fmt.Sprintf("action:%d:%d", it.Number, it.Deadline.Unix()),
		Args: ActionItemJob{Incident: inc.Number, Item: it.Number, Deadline: it.Deadline, Marks: marks}}}
}

// MarkItem is what an item's mark that has come asks for, unless the item
// is done or its deadline moved (ok false): the notice, to record, and its
// deliveries: to the owner (a reminder, overdue), or to whom the policy's
// escalation step names, the owner told too.
func (p *Policy) MarkItem(inc *Incident, a ActionItemJob, m ItemMark, seq int64, now time.Time, overrides []Override) (Change, []Job, bool) {
	it := inc.ActionItem(a.Item)
	if it == nil || it.Status != ItemOpen || !it.Deadline.Equal(a.Deadline) {
		return Change{}, nil, false
	}
	d := &ActionItemNoticeData{Number: it.Number, Notice: m.Notice, Due: it.Deadline, Title: it.Title, Escalate: m.Escalate}
	to := []Recipient{{Person: it.Owner}}
	what := fmt.Sprintf("action item %s %q", it.ID, it.Title)
	switch m.Notice {
	case NoticeReminder:
		d.Step = what + " due in " + FormatDuration(m.Before)
	case NoticeOverdue:
		d.Step = what + " is overdue (was due " + it.Deadline.Format(time.RFC3339) + ")"
	case NoticeEscalated:
		steps := p.Reviews.ActionItems.escalate()
		if m.Escalate < 1 || m.Escalate > len(steps) {
			return Change{}, nil, false
		}
		st := steps[m.Escalate-1]
		d.Step = what + " owned by " + it.Owner + " is overdue by " + FormatDuration(st.After.After) + ": escalated to " + st.To
		if ws, err := p.EscalationTarget(inc.Severity, st.To, now); err == nil {
			to = append(p.Resolve(ws.Targets, inc.Services, now, overrides), to...)
		}
	}
	d.To = uniqueRecipients(to)
	var jobs []Job
	for _, r := range d.To {
		jobs = append(jobs, p.reviewDelivery(inc, DeliveryJob{Incident: inc.Number, Epoch: seq, Step: stepActionItem, Notify: true,
			Review: true, Item: it.Number, Due: it.Deadline, Recipient: r, StepName: d.Step, Until: now.Add(p.Delivery.Retry())}, now))
	}
	return Change{Type: EventActionItemNotice, Data: d}, jobs, true
}

func uniqueRecipients(rs []Recipient) []Recipient {
	var out []Recipient
	for _, r := range rs {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// planItems is the work action item changes ask for: a new item's job,
// and a new one when its deadline moves or it is reopened.
func (p *Policy) planItems(inc *Incident, seq int64, c Change, now time.Time) []Job {
	return append(p.planItemMarks(inc, c, now), p.planTracker(inc, seq, c, now)...) // tracker_sync.go
}

func (p *Policy) planItemMarks(inc *Incident, c Change, now time.Time) []Job {
	var n int64
	switch d := c.Data.(type) {
	case *ActionItemAddedData:
		n = d.Item.Number
	case *ActionItemUpdatedData:
		if d.Deadline == nil && d.Status != ItemOpen {
			return nil
		}
		n = d.Number
	default:
		return nil
	}
	if it := inc.ActionItem(n); it != nil {
		return p.itemJob(inc, it, now)
	}
	return nil
}
