package fireline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The post-incident review (the guide's "Post-Incident Activities"): a
// resolved incident whose severity the policy names opens its review, due
// a number of business days after resolution; its owner schedules the
// meeting, people write the document (the 5 Whys, failures, what went
// well, what to improve) over the draft the timeline gives, and the
// approved review is frozen onto the timeline. Everything here is derived
// from the incident's events, like the checklist, so an export proves it.

// ReviewPolicy is the policy's reviews section.
type ReviewPolicy struct {
	// Severities open a review when resolved (default P1 and P2).
	Severities []Severity `yaml:"severities,omitempty" json:"severities,omitempty"`
	// OnRequest are the severities whose incidents get a review when a
	// holder of RequestRoles asks for one (default P3).
	OnRequest []Severity `yaml:"on_request,omitempty" json:"on_request,omitempty"`
	// RequestRoles may ask for a review (default the incident commander).
	RequestRoles []IncidentRole `yaml:"request_roles,omitempty" json:"request_roles,omitempty"`
	// DueBusinessDays is how many business days after resolution the
	// review is due, at closing time (default 5, the guide's).
	DueBusinessDays int `yaml:"due_business_days,omitempty" json:"due_business_days,omitempty"`
	// MeetingReminder is how long before the meeting its participants
	// are reminded (default 24h).
	MeetingReminder Deadline `yaml:"meeting_reminder,omitempty" json:"meeting_reminder,omitzero"`
	// MeetingLength is the meeting's length when scheduling gives no end
	// (default 1h).
	MeetingLength Deadline `yaml:"meeting_length,omitempty" json:"meeting_length,omitzero"`
	// ActionItems says when action items' owners are reminded and whom
	// an overdue item escalates to.
	ActionItems ActionItemPolicy `yaml:"action_items,omitempty" json:"action_items,omitzero"`
}

// Defaults of the reviews section.
const (
	DefaultReviewDueDays   = 5
	DefaultMeetingReminder = 24 * time.Hour
	DefaultMeetingLength   = time.Hour
)

func (rp ReviewPolicy) severities() []Severity {
	if rp.Severities == nil {
		return []Severity{P1, P2}
	}
	return rp.Severities
}

func (rp ReviewPolicy) onRequest() []Severity {
	if rp.OnRequest == nil {
		return []Severity{P3}
	}
	return rp.OnRequest
}

func (rp ReviewPolicy) requestRoles() []IncidentRole {
	if len(rp.RequestRoles) == 0 {
		return []IncidentRole{RoleIncidentCommander}
	}
	return rp.RequestRoles
}

// DueDays is how many business days after resolution a review is due.
func (rp ReviewPolicy) DueDays() int {
	if rp.DueBusinessDays > 0 {
		return rp.DueBusinessDays
	}
	return DefaultReviewDueDays
}

func (rp ReviewPolicy) reminder() time.Duration {
	if rp.MeetingReminder.Kind == DeadlineAfter {
		return rp.MeetingReminder.After
	}
	return DefaultMeetingReminder
}

func (rp ReviewPolicy) length() time.Duration {
	if rp.MeetingLength.Kind == DeadlineAfter {
		return rp.MeetingLength.After
	}
	return DefaultMeetingLength
}

// ReviewStatus is where a review stands.
type ReviewStatus string

// Review statuses: none yet (only stars, or a request), open, approved.
const (
	ReviewOpen     ReviewStatus = "open"
	ReviewApproved ReviewStatus = "approved"
)

// Review is an incident's post-incident review, derived from its
// timeline. Its zero value is no review: stars and a request may come
// before it opens.
type Review struct {
	Status ReviewStatus `json:"status,omitempty"`
	// RequestedBy asked for a review of an incident whose severity gets
	// one only on request.
	RequestedBy string     `json:"requested_by,omitempty"`
	Owner       string     `json:"owner,omitempty"`
	OpenedAt    *time.Time `json:"opened_at,omitempty"`
	Due         *time.Time `json:"due,omitempty"`
	// Participants are those the meeting was last scheduled with.
	Participants []string       `json:"participants,omitempty"`
	Meeting      *ReviewMeeting `json:"meeting,omitempty"`
	// Dropped are people left out of the meeting although invited by
	// default, until named again (review_calendar.go).
	Dropped []string `json:"dropped,omitempty"`
	// Cancelled is the meeting as last cancelled (its CANCEL's sequence).
	Cancelled *ReviewMeeting `json:"cancelled,omitempty"`
	// Published is the public postmortem on the status page, if any
	// (review_publish.go).
	Published *ReviewPublication `json:"published,omitempty"`
	Doc       ReviewDoc          `json:"doc,omitzero"`
	// Version counts the document's edits; each is a review_edited
	// event carrying the whole document.
	Version    int        `json:"version,omitempty"`
	EditedBy   string     `json:"edited_by,omitempty"`
	EditedAt   *time.Time `json:"edited_at,omitempty"`
	ApprovedBy string     `json:"approved_by,omitempty"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
	// Digest is the SHA-256 of the review as approved (its Markdown).
	Digest string `json:"digest,omitempty"`
	// Starred are the timeline events (their seq) responders marked as
	// key events, for the review's curated timeline.
	Starred []int64 `json:"starred,omitempty"`
}

// Opened reports whether the review has been opened.
func (r *Review) Opened() bool { return r != nil && r.Status != "" }

// ReviewMeeting is the review meeting as last scheduled.
type ReviewMeeting struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Sequence is the invitation's iCalendar SEQUENCE: 0 for the first,
	// one more each time it is rescheduled.
	Sequence    int    `json:"sequence"`
	ScheduledBy string `json:"scheduled_by,omitempty"`
}

// ReviewDoc is what people write in the review document. Summary and
// Impact start as the draft's (from the incident) until someone writes
// them.
type ReviewDoc struct {
	Summary           string `json:"summary,omitempty"`
	Impact            string `json:"impact,omitempty"`
	Whys              []Why  `json:"whys,omitempty"`
	TechnicalFailures string `json:"technical_failures,omitempty"`
	ProcessFailures   string `json:"process_failures,omitempty"`
	WentWell          string `json:"went_well,omitempty"`
	Improve           string `json:"improve,omitempty"`
	// PublicSummary is what a public postmortem says (review_publish.go):
	// default the summary and impact.
	PublicSummary string `json:"public_summary,omitempty"`
}

// Why is one link of the 5 Whys chain: the question, its answer, and
// links to the evidence.
type Why struct {
	Why      string   `json:"why"`
	Because  string   `json:"because"`
	Evidence []string `json:"evidence,omitempty"`
}

// Review limits.
const (
	MaxWhys     = 10
	MaxEvidence = 10
)

func (r Review) clone() *Review {
	r.Participants = slices.Clone(r.Participants)
	r.Dropped = slices.Clone(r.Dropped)
	r.Starred = slices.Clone(r.Starred)
	r.Doc.Whys = slices.Clone(r.Doc.Whys)
	if r.Meeting != nil {
		m := *r.Meeting
		r.Meeting = &m
	}
	return &r
}

// Review event data.
type (
	ReviewRequestedData struct {
		By     string `json:"by"`
		Reason string `json:"reason,omitempty"`
	}
	// ReviewOpenedData opens the review: its owner and due date, fixed
	// when it opens.
	ReviewOpenedData struct {
		Owner string    `json:"owner,omitempty"`
		Due   time.Time `json:"due"`
	}
	ReviewOwnerData struct {
		Owner string `json:"owner"`
		Was   string `json:"was,omitempty"`
	}
	// ReviewScheduledData schedules (or reschedules) the meeting: the
	// invitation sent to the participants.
	ReviewScheduledData struct {
		Start        time.Time `json:"start"`
		End          time.Time `json:"end"`
		Sequence     int       `json:"sequence"`
		Participants []string  `json:"participants"`
		By           string    `json:"by"`
		// Excluded are the people kept out although invited by default;
		// Cancelled those of the last invitation left out, sent a CANCEL.
		Excluded  []string `json:"excluded,omitempty"`
		Cancelled []string `json:"cancelled,omitempty"`
	}
	// EventStarredData stars (or unstars) a timeline event as a key one.
	EventStarredData struct {
		Seq     int64  `json:"seq"`
		Starred bool   `json:"starred"`
		By      string `json:"by"`
	}
	// ReviewEditedData is one version of the document, whole.
	ReviewEditedData struct {
		Version int       `json:"version"`
		Doc     ReviewDoc `json:"doc"`
		By      string    `json:"by"`
	}
	// ReviewApprovedData freezes the review onto the timeline: its
	// Markdown as approved and that text's SHA-256.
	ReviewApprovedData struct {
		Version  int    `json:"version"`
		By       string `json:"by"`
		Digest   string `json:"digest"`
		Markdown string `json:"markdown"`
	}
)

// Review event types.
const (
	EventReviewRequested EventType = "review_requested"
	EventReviewOpened    EventType = "review_opened"
	EventReviewOwner     EventType = "review_owner_changed"
	EventReviewScheduled EventType = "review_scheduled"
	EventStarred         EventType = "event_starred"
	EventReviewEdited    EventType = "review_edited"
	EventReviewApproved  EventType = "review_approved"
)

// Review actions.
const (
	ActRequestReview  ActionKind = "request_review"
	ActReviewOwner    ActionKind = "review_owner"
	ActScheduleReview ActionKind = "schedule_review"
	ActStarEvent      ActionKind = "star_event"
	ActEditReview     ActionKind = "edit_review"
	ActApproveReview  ActionKind = "approve_review"
)

// ReviewInput is what the review's actions take (Action.Review).
type ReviewInput struct {
	// Scheduling: the meeting's start and end (end defaults to the
	// policy's meeting length), and people to invite beyond the default
	// participants.
	Start        *time.Time `json:"start,omitempty"`
	End          *time.Time `json:"end,omitempty"`
	Participants []string   `json:"participants,omitempty"`
	// Drop leaves people out of the meeting, default participants too;
	// those invited before are sent a CANCEL.
	Drop []string `json:"drop,omitempty"`
	// PublicSummary is what a public postmortem says (default the
	// document's public summary, else its summary and impact); Unpublish
	// takes the postmortem down.
	PublicSummary *string `json:"public_summary,omitempty"`
	Unpublish     bool    `json:"unpublish,omitempty"`
	// Owner is the review's new owner.
	Owner string `json:"owner,omitempty"`
	// Seq is the event starred, or unstarred with Unstar.
	Seq    int64 `json:"seq,omitempty"`
	Unstar bool  `json:"unstar,omitempty"`
	// Doc is the whole document as edited from version BaseVersion: an
	// edit on an older version is refused, so that two editors do not
	// overwrite each other unseen.
	Doc         *ReviewDoc `json:"doc,omitempty"`
	BaseVersion int        `json:"base_version"`
	// Actors are the people who acted on the timeline (the store reads
	// them for scheduling): default participants with the role holders.
	Actors []string `json:"-"`
	// Markdown is the review as it is approved (the store renders it
	// from the draft): its digest goes on the timeline.
	Markdown string `json:"-"`
}

func reviewEvent(t EventType) bool {
	switch t {
	case EventReviewRequested, EventReviewOpened, EventReviewOwner, EventReviewScheduled, EventStarred,
		EventReviewEdited, EventReviewApproved, EventReviewUnscheduled, EventReviewPublished:
		return true
	}
	return false
}

// applyReview changes the review as a review event says.
func (inc *Incident) applyReview(at time.Time, c Change) {
	var r *Review
	if inc.Review != nil {
		r = inc.Review.clone()
	} else {
		r = &Review{}
	}
	switch d := c.Data.(type) {
	case *ReviewRequestedData:
		r.RequestedBy = d.By
	case *ReviewOpenedData:
		due := d.Due.UTC()
		r.Status, r.Owner, r.OpenedAt, r.Due = ReviewOpen, d.Owner, &at, &due
	case *ReviewOwnerData:
		r.Owner = d.Owner
	case *ReviewScheduledData:
		r.Participants, r.Dropped = slices.Clone(d.Participants), slices.Clone(d.Excluded)
		r.Meeting = &ReviewMeeting{Start: d.Start.UTC(), End: d.End.UTC(), Sequence: d.Sequence, ScheduledBy: d.By}
	case *EventStarredData:
		r.Starred = slices.DeleteFunc(r.Starred, func(s int64) bool { return s == d.Seq })
		if d.Starred {
			r.Starred = append(r.Starred, d.Seq)
			slices.Sort(r.Starred)
		}
		if len(r.Starred) == 0 {
			r.Starred = nil
		}
	case *ReviewEditedData:
		r.Doc, r.Version, r.EditedBy, r.EditedAt = d.Doc, d.Version, d.By, &at
		r.Doc.Whys = slices.Clone(d.Doc.Whys)
	case *ReviewApprovedData:
		r.Status, r.ApprovedBy, r.ApprovedAt, r.Digest = ReviewApproved, d.By, &at, d.Digest
	case *ReviewUnscheduledData:
		r.applyUnscheduled(d) // review_calendar.go
	case *ReviewPublishedData:
		r.applyPublished(at, d) // review_publish.go
	}
	inc.Review = r
}

// ReviewWanted reports whether the policy wants a review of the incident:
// its severity always gets one, or it gets one on request and someone
// asked.
func (p *Policy) ReviewWanted(inc *Incident) bool {
	if slices.Contains(p.Reviews.severities(), inc.Severity) {
		return true
	}
	return inc.Review != nil && inc.Review.RequestedBy != "" && slices.Contains(p.Reviews.onRequest(), inc.Severity)
}

// ReviewDue is when a review opened at resolved is due: the policy's
// business days after it, at closing time, on the business calendar.
func (p *Policy) ReviewDue(resolved time.Time) time.Time {
	return p.Calendar.BusinessDaysAfter(resolved, p.Reviews.DueDays()).UTC()
}

// openReview opens the review of a resolved incident the policy wants
// reviewed that has none yet, as a change applied to it: owned by the
// incident commander (or, with none, the declarer when a person of the
// directory), due ReviewDue after resolution.
func (inc *Incident) openReview(p *Policy, now time.Time) []Change {
	if inc.Status.Open() || inc.ResolvedAt == nil || inc.Review.Opened() || !p.ReviewWanted(inc) {
		return nil
	}
	owner := inc.holder(RoleIncidentCommander)
	if _, ok := p.Person(inc.DeclaredBy); owner == "" && ok {
		owner = inc.DeclaredBy
	}
	c := Change{Type: EventReviewOpened, Data: &ReviewOpenedData{Owner: owner, Due: p.ReviewDue(*inc.ResolvedAt)}}
	inc.apply(now, c)
	return []Change{c}
}

func (inc *Incident) decideReview(p *Policy, a Action) ([]Change, error) {
	in := ReviewInput{}
	if a.Review != nil {
		in = *a.Review
	}
	switch a.Kind {
	case ActRequestReview:
		return inc.requestReview(p, a.By, a.Reason)
	case ActStarEvent:
		return inc.starEvent(in.Seq, !in.Unstar, a.By)
	case ActPublishReview:
		return inc.publishReview(p, in, a.By, a.Admin) // review_publish.go
	}
	if !inc.Review.Opened() {
		return nil, Errorf(EConflict, "%s has no review: one opens when an incident the policy wants reviewed is resolved", inc.ID)
	}
	if inc.Review.Status == ReviewApproved {
		return nil, Errorf(EConflict, "the review of %s was approved by %s and is frozen", inc.ID, inc.Review.ApprovedBy)
	}
	switch a.Kind {
	case ActReviewOwner:
		return inc.reviewOwner(p, in.Owner)
	case ActScheduleReview:
		return inc.scheduleReview(p, in, a.By)
	case ActUnscheduleReview:
		return inc.unscheduleReview(a.By) // review_calendar.go
	case ActEditReview:
		return inc.editReview(in, a.By)
	case ActApproveReview:
		return inc.approveReview(in, a.By, a.Admin)
	}
	return nil, Errorf(EInvalid, "unknown action %q", a.Kind)
}

func (inc *Incident) requestReview(p *Policy, by, reason string) ([]Change, error) {
	if fe := checkText(nil, "reason", strings.TrimSpace(reason), 0, MaxReason); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid review request", Fields: fe}
	}
	switch {
	case p.ReviewWanted(inc):
		return nil, Errorf(EConflict, "%s gets a review already (%s)", inc.ID, inc.Severity)
	case !slices.Contains(p.Reviews.onRequest(), inc.Severity):
		return nil, Errorf(EConflict, "the policy reviews %s incidents only when resolved as %s, or on request as %s",
			inc.Severity, joinLevels(p.Reviews.severities()), joinLevels(p.Reviews.onRequest()))
	}
	roles := p.Reviews.requestRoles()
	if !slices.ContainsFunc(roles, func(r IncidentRole) bool { return inc.holds(r, by) }) {
		// A conflict with who holds the role on the incident, as the
		// state stands, rather than a permission the route grants.
		return nil, Errorf(EConflict, "only the %s may ask for a review of %s", strings.ReplaceAll(string(roles[0]), "_", " "), inc.ID)
	}
	return []Change{{EventReviewRequested, &ReviewRequestedData{By: by, Reason: strings.TrimSpace(reason)}}}, nil
}

func joinLevels(levels []Severity) string {
	if len(levels) == 0 {
		return "none"
	}
	return strings.Join(strs(levels), ", ")
}

func (inc *Incident) starEvent(seq int64, star bool, by string) ([]Change, error) {
	if seq < 1 || seq > inc.EventCount {
		return nil, &Error{Code: EInvalid, Message: "invalid star", Fields: []FieldError{{"seq", "no event " + strconv.FormatInt(seq, 10) + " on " + inc.ID + "'s timeline"}}}
	}
	starred := inc.Review != nil && slices.Contains(inc.Review.Starred, seq)
	if starred == star {
		what := "starred"
		if !star {
			what = "not starred"
		}
		return nil, Errorf(EConflict, "event %d of %s is already %s", seq, inc.ID, what)
	}
	return []Change{{EventStarred, &EventStarredData{Seq: seq, Starred: star, By: by}}}, nil
}

func (inc *Incident) reviewOwner(p *Policy, owner string) ([]Change, error) {
	owner = strings.TrimSpace(owner)
	if _, ok := p.Person(owner); !ok {
		return nil, &Error{Code: EInvalid, Message: "invalid review owner", Fields: []FieldError{{"owner", "no person " + quote(owner) + " in the policy's directory"}}}
	}
	if owner == inc.Review.Owner {
		return nil, Errorf(EConflict, "%s already owns the review of %s", owner, inc.ID)
	}
	return []Change{{EventReviewOwner, &ReviewOwnerData{Owner: owner, Was: inc.Review.Owner}}}, nil
}

// DefaultParticipants are whom a review meeting invites unless told
// otherwise: the review's owner, the role holders, and the people of the
// directory among actors (who acted on the timeline), in that order.
func (p *Policy) DefaultParticipants(inc *Incident, actors []string) []string {
	var out []string
	add := func(id string) {
		if _, ok := p.Person(id); ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if inc.Review != nil {
		add(inc.Review.Owner)
	}
	for _, r := range inc.Roles {
		add(r.Person)
	}
	for _, a := range actors {
		add(a)
	}
	return out
}

func (inc *Incident) scheduleReview(p *Policy, in ReviewInput, by string) ([]Change, error) {
	var fe []FieldError
	if in.Start == nil || in.Start.IsZero() {
		fe = append(fe, FieldError{"start", "when the meeting starts is required"})
	}
	participants, excluded, cancelled, pfe := p.meetingParticipants(inc, in) // review_calendar.go
	if fe = append(fe, pfe...); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid review meeting", Fields: fe}
	}
	start := in.Start.UTC().Truncate(time.Second)
	end := start.Add(p.Reviews.length())
	if in.End != nil {
		end = in.End.UTC().Truncate(time.Second)
	}
	if !end.After(start) || end.Sub(start) > 24*time.Hour {
		return nil, &Error{Code: EInvalid, Message: "invalid review meeting", Fields: []FieldError{{"end", "the meeting must end after it starts, within a day"}}}
	}
	if len(participants) == 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid review meeting", Fields: []FieldError{{"participants", "nobody to invite: name the participants"}}}
	}
	if m := inc.Review.Meeting; m != nil && m.Start.Equal(start) && m.End.Equal(end) && slices.Equal(inc.Review.Participants, participants) {
		return nil, Errorf(EConflict, "the review of %s is already scheduled then, with them", inc.ID)
	}
	return []Change{{EventReviewScheduled, &ReviewScheduledData{Start: start, End: end, Sequence: inc.Review.nextSequence(), Participants: participants,
		By: by, Excluded: excluded, Cancelled: cancelled}}}, nil
}

func (inc *Incident) editReview(in ReviewInput, by string) ([]Change, error) {
	if in.Doc == nil {
		return nil, Errorf(EInvalid, "the edit has no document")
	}
	if in.BaseVersion != inc.Review.Version {
		return nil, Errorf(EConflict, "the review of %s was edited by %s meanwhile (version %d, yours was %d): reload it and edit again",
			inc.ID, inc.Review.EditedBy, inc.Review.Version, in.BaseVersion)
	}
	doc, err := in.Doc.Validate()
	if err != nil {
		return nil, err
	}
	if docEqual(doc, inc.Review.Doc) {
		return nil, Errorf(EInvalid, "the edit changes nothing")
	}
	return []Change{{EventReviewEdited, &ReviewEditedData{Version: inc.Review.Version + 1, Doc: doc, By: by}}}, nil
}

func docEqual(a, b ReviewDoc) bool {
	return a.Summary == b.Summary && a.Impact == b.Impact && a.TechnicalFailures == b.TechnicalFailures &&
		a.ProcessFailures == b.ProcessFailures && a.WentWell == b.WentWell && a.Improve == b.Improve && a.PublicSummary == b.PublicSummary &&
		slices.EqualFunc(a.Whys, b.Whys, func(x, y Why) bool {
			return x.Why == y.Why && x.Because == y.Because && slices.Equal(x.Evidence, y.Evidence)
		})
}

// Validate returns the document trimmed, empty whys dropped, or EInvalid
// naming every field that is too long.
func (d ReviewDoc) Validate() (ReviewDoc, error) {
	var fe []FieldError
	out := ReviewDoc{}
	for _, f := range []struct {
		name    string
		in, out *string
	}{{"summary", &d.Summary, &out.Summary}, {"impact", &d.Impact, &out.Impact},
		{"technical_failures", &d.TechnicalFailures, &out.TechnicalFailures}, {"process_failures", &d.ProcessFailures, &out.ProcessFailures},
		{"went_well", &d.WentWell, &out.WentWell}, {"improve", &d.Improve, &out.Improve},
		{"public_summary", &d.PublicSummary, &out.PublicSummary}} {
		*f.out = strings.TrimSpace(*f.in)
		fe = checkText(fe, f.name, *f.out, 0, MaxText)
	}
	for i, w := range d.Whys {
		w.Why, w.Because = strings.TrimSpace(w.Why), strings.TrimSpace(w.Because)
		var ev []string
		for _, e := range w.Evidence {
			if e = strings.TrimSpace(e); e != "" {
				ev = append(ev, e)
			}
		}
		w.Evidence = ev
		if w.Why == "" && w.Because == "" && len(w.Evidence) == 0 {
			continue
		}
		name := "whys[" + strconv.Itoa(i) + "]"
		fe = checkText(fe, name+".why", w.Why, 0, MaxReason)
		fe = checkText(fe, name+".because", w.Because, 0, MaxText)
		if len(w.Evidence) > MaxEvidence {
			fe = append(fe, FieldError{name + ".evidence", "at most " + strconv.Itoa(MaxEvidence) + " links"})
		}
		for _, e := range w.Evidence {
			fe = checkText(fe, name+".evidence", e, 1, MaxReason)
		}
		out.Whys = append(out.Whys, w)
	}
	if len(out.Whys) > MaxWhys {
		fe = append(fe, FieldError{"whys", "at most " + strconv.Itoa(MaxWhys) + " whys"})
	}
	if len(fe) > 0 {
		return out, &Error{Code: EInvalid, Message: "invalid review", Fields: fe}
	}
	return out, nil
}

func (inc *Incident) approveReview(in ReviewInput, by string, admin bool) ([]Change, error) {
	r := inc.Review
	if by != r.Owner && !inc.holds(RoleIncidentCommander, by) && !admin {
		return nil, Errorf(EForbidden, "only the review's owner (%s), the incident commander or an admin may approve the review of %s", orNobody(r.Owner), inc.ID)
	}
	if in.BaseVersion != r.Version {
		return nil, Errorf(EConflict, "the review of %s was edited by %s meanwhile (version %d, you read %d): read it again before approving",
			inc.ID, r.EditedBy, r.Version, in.BaseVersion)
	}
	if strings.TrimSpace(in.Markdown) == "" {
		return nil, Errorf(EInvalid, "the review to approve is empty")
	}
	return []Change{{EventReviewApproved, &ReviewApprovedData{Version: r.Version, By: by, Digest: ReviewDigest(in.Markdown), Markdown: in.Markdown}}}, nil
}

func orNobody(s string) string {
	if s == "" {
		return "nobody"
	}
	return s
}

// ReviewDigest is the SHA-256, in hex, of a review's Markdown.
func ReviewDigest(markdown string) string {
	sum := sha256.Sum256([]byte(markdown))
	return hex.EncodeToString(sum[:])
}

// Job kinds of the review (engine/review.go runs them).
const (
	JobReviewClock = "review.clock"
	JobActionItem  = "action.due"
)

// ClockReview is the review's due-date clock in clock events.
const ClockReview ClockName = "review"

// ReviewGroup is the job group of an incident's review and action items:
// apart from the incident's own, which resolving cancels.
func ReviewGroup(n int64) string { return "review:" + strconv.FormatInt(n, 10) }

// ReviewClockJob is the review clock's job: the marks still to come.
type ReviewClockJob struct {
	Incident int64       `json:"incident"`
	Marks    []ClockMark `json:"marks"`
}

// ReviewMarks are when an open review becomes at risk (the policy's share
// of its time gone) and breached (past due).
func (p *Policy) ReviewMarks(inc *Incident) []ClockMark {
	r := inc.Review
	if !r.Opened() || r.Due == nil || r.OpenedAt == nil {
		return nil
	}
	var out []ClockMark
	if span := r.Due.Sub(*r.OpenedAt); span > 0 {
		pct := time.Duration(p.ClockRules.AtRiskPercent())
		out = append(out, ClockMark{Clock: ClockReview, At: r.OpenedAt.Add(span * pct / 100).UTC(), Due: *r.Due})
	}
	return append(out, ClockMark{Clock: ClockReview, Breach: true, At: r.Due.Add(ClockTolerance).UTC(), Due: *r.Due})
}

// MarkReview is what a review clock mark that has come asks for, unless
// the review was approved meanwhile (ok false): its event, and a
// notification to the review's owner.
func (p *Policy) MarkReview(inc *Incident, seq int64, m ClockMark, now time.Time) (Change, []Job, bool) {
	if !inc.Review.Opened() || inc.Review.Status == ReviewApproved {
		return Change{}, nil, false
	}
	c := Change{Type: EventClockAtRisk, Data: &ClockData{Clock: ClockReview, Due: m.Due}}
	what := "at risk"
	if m.Breach {
		c.Type, what = EventClockBreached, "overdue"
	}
	owner := inc.Review.Owner
	if owner == "" {
		return c, nil, true
	}
	step := stepReview
	if m.Breach {
		step++
	}
	return c, []Job{p.reviewDelivery(inc, DeliveryJob{Incident: inc.Number, Epoch: seq, Step: step, Notify: true, Review: true,
		Recipient: Recipient{Person: owner}, StepName: fmt.Sprintf("post-incident review %s (due %s)", what, m.Due.Format(time.RFC3339)),
		Until: now.Add(p.Delivery.Retry())}, now)}, true
}

// reviewDelivery is a delivery job about the review or an action item:
// in the review's group, so that resolving the incident leaves it.
func (p *Policy) reviewDelivery(inc *Incident, a DeliveryJob, at time.Time) Job {
	j := p.deliveryJob(inc, a, at)
	j.Group, j.RunAt, j.Local = ReviewGroup(inc.Number), at, nil
	return j
}

// planReview is the work review changes ask for: an opened review's
// clock; a scheduled meeting's invitations (each participant by email,
// one delivery each, keyed by the invitation's sequence) and its
// reminder before it starts.
func (p *Policy) planReview(inc *Incident, seq int64, c Change, now time.Time) []Job {
	switch d := c.Data.(type) {
	case *ReviewOpenedData:
		marks := p.ReviewMarks(inc)
		if len(marks) == 0 {
			return nil
		}
		return []Job{{Kind: JobReviewClock, Group: ReviewGroup(inc.Number), RunAt: marks[0].At,
			Key:  fmt.Sprintf("review-clock:%d:%d", inc.Number, seq),
			Args: ReviewClockJob{Incident: inc.Number, Marks: marks}}}
	case *ReviewScheduledData:
		var jobs []Job
		what := "invited"
		if d.Sequence > 0 {
			what = "invitation updated"
		}
		for _, person := range d.Participants {
			jobs = append(jobs, p.reviewDelivery(inc, DeliveryJob{Incident: inc.Number, Epoch: seq, Step: stepReviewInvite, Notify: true,
				Review: true, Invite: true, Meeting: d.Sequence + 1, Recipient: Recipient{Person: person},
				StepName: "post-incident review meeting " + what + " (" + d.Start.Format(time.RFC3339) + ")",
				Until:    now.Add(p.Delivery.Retry())}, now))
		}
		jobs = append(jobs, p.planCancels(inc, seq, ReviewMeeting{Start: d.Start, End: d.End, Sequence: d.Sequence, ScheduledBy: d.By}, d.Cancelled, now)...)
		remind := d.Start.Add(-p.Reviews.reminder())
		if !remind.After(now) {
			return jobs
		}
		for _, person := range d.Participants {
			jobs = append(jobs, p.reviewDelivery(inc, DeliveryJob{Incident: inc.Number, Epoch: seq, Step: stepReviewReminder, Notify: true,
				Review: true, Meeting: d.Sequence + 1, Recipient: Recipient{Person: person},
				StepName: "reminder: post-incident review meeting at " + d.Start.Format(time.RFC3339),
				Until:    d.Start}, remind))
		}
		return jobs
	case *ReviewUnscheduledData:
		return p.planCancels(inc, seq, ReviewMeeting{Start: d.Start, End: d.End, Sequence: d.Sequence, ScheduledBy: d.By}, d.Participants, now)
	}
	return nil
}
