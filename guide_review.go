package fireline

import (
	"context"
	"slices"
	"time"
)

// The guide's own review (issue 19 item 5): the policy names its owner,
// its cadence (every_months, quarterly by default) and the next due date.
// Recording a review (`fireline policy review --note`) moves the next due
// date on by the cadence from the day it happened; the history and an
// agenda of the quarter's facts show on the console's guide page.

// MaxGuideReviewNote caps a review's note.
const MaxGuideReviewNote = 4000

// GuideReviewRecord is one review of the guide that happened.
type GuideReviewRecord struct {
	Number        int64     `json:"number"`
	At            time.Time `json:"at"`
	By            string    `json:"by"`
	Note          string    `json:"note"`
	PolicyVersion string    `json:"policy_version"`
	NextDue       Date      `json:"next_due"`
}

// GuideReviewStatus is the review cycle as it stands: the policy's owner
// and cadence, the last review and the next due date (the newest record's
// when it is later than the policy file's), the history (newest first)
// and the agenda for the next review.
type GuideReviewStatus struct {
	Owner        string              `json:"owner"`
	EveryMonths  int                 `json:"every_months"`
	LastReviewed Date                `json:"last_reviewed"`
	NextDue      Date                `json:"next_due"`
	Overdue      bool                `json:"overdue"`
	History      []GuideReviewRecord `json:"history"`
	Agenda       *GuideAgenda        `json:"agenda,omitempty"`
}

// GuideAgenda is the quarter's facts for the review: incidents and clock
// misses by severity, open and overdue action items, and the people who
// still own open action items though they left the directory.
type GuideAgenda struct {
	From            time.Time       `json:"from"`
	To              time.Time       `json:"to"`
	Severities      []ReportFigures `json:"by_severity"`
	OpenActionItems int64           `json:"open_action_items"`
	OverdueItems    int64           `json:"overdue_action_items"`
	ReviewsLate     int64           `json:"reviews_late"`
	GoneOwners      []string        `json:"owners_not_in_directory"`
	// Playbooks are those the quarter's incidents used (guide_playbooks.go).
	Playbooks []AgendaPlaybook `json:"playbooks_used"`
}

// GuideReviewService records and reads the guide's reviews.
type GuideReviewService interface {
	// GuideReview returns the review cycle with its history and agenda.
	GuideReview(ctx context.Context) (*GuideReviewStatus, error)
	// RecordGuideReview records that the review happened, with a note:
	// the policy's review owner or an admin. EInvalid for a bad note,
	// EForbidden for anyone else.
	RecordGuideReview(ctx context.Context, note string) (*GuideReviewRecord, error)
}

// everyMonths is the review cadence, quarterly unless the policy says.
func (r GuideReview) everyMonths() int {
	if r.EveryMonths > 0 {
		return r.EveryMonths
	}
	return 3
}

// RecordGuideReview checks who records a review and its note, and
// returns the record, due again the cadence's months after today (in
// the calendar's zone).
func (p *Policy) RecordGuideReview(actor Actor, note string, now time.Time) (GuideReviewRecord, error) {
	if actor.Role != RoleAdmin && (actor.PersonID == "" || actor.PersonID != p.Review.Owner) {
		return GuideReviewRecord{}, Errorf(EForbidden, "only the guide's review owner (%s) or an admin records its review", p.Review.Owner)
	}
	if fe := checkText(nil, "note", note, 1, MaxGuideReviewNote); fe != nil {
		return GuideReviewRecord{}, &Error{Code: EInvalid, Message: "invalid guide review", Fields: fe}
	}
	loc := p.Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	today := now.In(loc)
	next := DateOf(time.Date(today.Year(), today.Month()+time.Month(p.Review.everyMonths()), today.Day(), 12, 0, 0, 0, time.UTC))
	return GuideReviewRecord{At: now.UTC(), By: actor.Name(), Note: note, PolicyVersion: p.VersionID(), NextDue: next}, nil
}

// GuideReviewStatus is the cycle given the history (newest first), as
// of now.
func (p *Policy) GuideReviewStatus(history []GuideReviewRecord, now time.Time) *GuideReviewStatus {
	s := &GuideReviewStatus{Owner: p.Review.Owner, EveryMonths: p.Review.everyMonths(),
		LastReviewed: p.Review.LastReviewed, NextDue: p.Review.NextDue, History: history}
	if len(history) > 0 && history[0].At.After(p.Review.LastReviewed.At(0, time.UTC)) {
		s.LastReviewed, s.NextDue = DateOf(history[0].At), history[0].NextDue
	}
	s.Overdue = !s.NextDue.IsZero() && DateOf(now).After(s.NextDue)
	return s
}

// After reports whether d is later than e.
func (d Date) After(e Date) bool {
	return d.At(0, time.UTC).After(e.At(0, time.UTC))
}

// GuideAgenda is the agenda from the quarter's report and the owners of
// open action items.
func (p *Policy) GuideAgenda(rep *Report, owners []string) *GuideAgenda {
	a := &GuideAgenda{From: rep.Filter.From, To: rep.Filter.To, Severities: rep.Severities,
		OpenActionItems: rep.Items.Open, OverdueItems: rep.Items.Overdue, ReviewsLate: rep.Reviews.Late}
	for _, o := range owners {
		if _, ok := p.Person(o); !ok && !slices.Contains(a.GoneOwners, o) {
			a.GoneOwners = append(a.GoneOwners, o)
		}
	}
	return a
}

// Guide review notices: reminders this many days before the review is
// due, and the overdue notice the day after and each week after that.
var GuideReviewRemindDays = []int{14, 1}

// GuideReviewNotice says which notice the daily check sends on today for
// a review due on next: "reminder" or "overdue", ok false for none.
func GuideReviewNotice(next, today Date) (kind string, ok bool) {
	if next.IsZero() {
		return "", false
	}
	days := int(next.At(0, time.UTC).Sub(today.At(0, time.UTC)) / (24 * time.Hour))
	switch {
	case slices.Contains(GuideReviewRemindDays, days):
		return "reminder", true
	case days < 0 && (-days-1)%7 == 0:
		return "overdue", true
	}
	return "", false
}

// NextGuideReviewDue is the date the next review is due: the newest
// record's, or the policy file's when there is none or it is later.
func (p *Policy) NextGuideReviewDue(newest *GuideReviewRecord) Date {
	if newest == nil {
		return p.Review.NextDue
	}
	return p.GuideReviewStatus([]GuideReviewRecord{*newest}, newest.At).NextDue
}
