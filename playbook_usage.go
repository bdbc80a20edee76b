package fireline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Playbooks learn (the guide's quarterly review): each playbook shows the
// incidents it was used in, the steps they skipped and the steps
// responders added, so that its owner sees what to change; and a
// playbook not reviewed within the policy's interval is flagged.

// DefaultPlaybookReviewEvery is how long a playbook may go unreviewed
// when the policy does not say (the guide's quarterly review).
const DefaultPlaybookReviewEvery = 90 * 24 * time.Hour

// PlaybookReviewEvery is the policy's playbook review interval.
func (p *Policy) PlaybookReviewEvery() time.Duration {
	if d := p.PlaybookRules.ReviewEvery; d.Kind == DeadlineAfter {
		return d.After
	}
	return DefaultPlaybookReviewEvery
}

// ReviewOverdue says whether a playbook's last review is older than the
// policy's interval at now, and how old it is in days.
func (p *Policy) ReviewOverdue(pb *Playbook, now time.Time) (bool, int) {
	if pb.LastReviewed.IsZero() {
		return true, 0
	}
	reviewed := time.Date(pb.LastReviewed.Year, time.Month(pb.LastReviewed.Month), pb.LastReviewed.Day, 0, 0, 0, 0, time.UTC)
	age := now.Sub(reviewed)
	return age > p.PlaybookReviewEvery(), int(age / (24 * time.Hour))
}

// PlaybookUse is one incident a playbook was attached to, and how its
// checklist went: the steps skipped (not checked by the time it was
// resolved; open, while it is open) and added by responders.
type PlaybookUse struct {
	Incident   string    `json:"incident"`
	Title      string    `json:"title"`
	Severity   Severity  `json:"severity"`
	Status     Status    `json:"status"`
	DeclaredAt time.Time `json:"declared_at"`
	// Digest is the playbook revision the incident followed.
	Digest  string   `json:"digest,omitempty"`
	Done    int      `json:"done"`
	Total   int      `json:"total"`
	Skipped []string `json:"skipped"`
	Open    []string `json:"open,omitempty"`
	Added   []string `json:"added"`
}

// PlaybookUsage is a playbook's record: its uses, newest first, and how
// often each step was skipped and each added step added.
type PlaybookUsage struct {
	Playbook      string         `json:"playbook"`
	Uses          []PlaybookUse  `json:"uses"`
	SkippedCounts map[string]int `json:"skipped_counts"`
	AddedCounts   map[string]int `json:"added_counts"`
	ReviewOverdue bool           `json:"review_overdue"`
	ReviewAgeDays int            `json:"review_age_days"`
}

// PlaybookUsageOf sums up how the incidents used playbook id.
func (p *Policy) PlaybookUsageOf(id string, incs []*Incident, now time.Time) *PlaybookUsage {
	u := &PlaybookUsage{Playbook: id, Uses: []PlaybookUse{}, SkippedCounts: map[string]int{}, AddedCounts: map[string]int{}}
	if pb, ok := p.Playbook(id); ok {
		u.ReviewOverdue, u.ReviewAgeDays = p.ReviewOverdue(pb, now)
	}
	for _, inc := range incs {
		ap := inc.Checklist.Attached(id)
		if ap == nil {
			continue
		}
		use := PlaybookUse{Incident: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status, DeclaredAt: inc.DeclaredAt,
			Digest: ap.Digest, Skipped: []string{}, Added: []string{}}
		for _, s := range ap.Steps {
			if !s.AppliesToSeverity(inc.Severity) {
				continue
			}
			use.Total++
			text := s.Key + " " + s.Text
			switch {
			case s.AddedBy != "":
				use.Added = append(use.Added, text)
				u.AddedCounts[s.Text]++
			}
			switch {
			case s.Checked:
				use.Done++
			case inc.Status.Open():
				use.Open = append(use.Open, text)
			default:
				use.Skipped = append(use.Skipped, text)
				u.SkippedCounts[text]++
			}
		}
		u.Uses = append(u.Uses, use)
	}
	slices.SortStableFunc(u.Uses, func(a, b PlaybookUse) int { return b.DeclaredAt.Compare(a.DeclaredAt) })
	return u
}

// PlaybookUsageService reads how playbooks were used.
type PlaybookUsageService interface {
	// PlaybookUsage lists the visible incidents (the newest
	// MaxPlaybookUses) playbook id was attached to. ENotFound for a
	// playbook the server does not run.
	PlaybookUsage(ctx context.Context, id string) (*PlaybookUsage, error)
}

// MaxPlaybookUses caps the incidents a playbook's record reads.
const MaxPlaybookUses = 200

// Adding a step to an incident's checklist: something the playbook
// lacked, which its record then shows.
const (
	EventStepAdded EventType  = "step_added"
	ActAddStep     ActionKind = "add_step"
)

// StepAddedData records a step a responder added to a playbook's
// checklist on one incident.
type StepAddedData struct {
	Playbook string `json:"playbook"`
	Key      string `json:"key"`
	Stage    Stage  `json:"stage"`
	Text     string `json:"text"`
	By       string `json:"by"`
}

// addStep validates and records a step added to an attached playbook, in
// the stage given (the incident's current one when none).
func (inc *Incident) addStep(id string, stage Stage, text, by string) ([]Change, error) {
	text = strings.TrimSpace(text)
	fe := checkText(nil, "text", text, 1, MaxTitle)
	ap := inc.Checklist.Attached(strings.TrimSpace(id))
	if ap == nil {
		fe = append(fe, FieldError{"playbook", "no playbook " + quote(id) + " is attached to " + inc.ID})
	}
	if stage == "" {
		stage = inc.Stage
	}
	if !slices.Contains(Stages, stage) || stage == StageClosed {
		fe = append(fe, FieldError{"stage", "unknown stage " + quote(string(stage)) + "; want one of " + joinStages()})
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid step: " + fe[0].Field + " " + fe[0].Message, Fields: fe}
	}
	key := fmt.Sprintf("%s/%d", ap.ID, len(ap.Steps)+1)
	return []Change{{EventStepAdded, &StepAddedData{Playbook: ap.ID, Key: key, Stage: stage, Text: text, By: by}}}, nil
}
