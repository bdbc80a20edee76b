package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// reviewParts is an incident_reviews row's data.
type reviewParts struct {
	Review      *fireline.Review      `json:"review,omitempty"`
	ActionItems []fireline.ActionItem `json:"action_items,omitempty"`
	Repeats     []fireline.RepeatFlag `json:"repeats,omitempty"`
}

const (
	selectReviewSQL = "SELECT data FROM incident_reviews WHERE incident_number = ?"
	upsertReviewSQL = `INSERT INTO incident_reviews (incident_number, data, due_at, approved_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (incident_number) DO UPDATE SET data = excluded.data, due_at = excluded.due_at, approved_at = excluded.approved_at`
	upsertItemSQL = `INSERT INTO action_items (number, incident_number, owner, status, deadline, item, created_at, closed_at, tracker_issue)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (number) DO UPDATE SET owner = excluded.owner, status = excluded.status, deadline = excluded.deadline,
		item = excluded.item, closed_at = excluded.closed_at, tracker_issue = excluded.tracker_issue`
)

// loadReview reads inc's review, action items and repeat flags into it
// (none: no row). Every path that loads an incident to act on it loads
// them with its checklist (loadChecklist).
func loadReview(ctx context.Context, tx *Tx, inc *fireline.Incident) error {
	data, err := optionalRow(tx.queryRowCached(ctx, selectReviewSQL, inc.Number))
	if err == nil {
		err = decodeReview(inc, data)
	}
	if err != nil {
		return fmt.Errorf("review of %s: %w", inc.ID, err)
	}
	return nil
}

// decodeReview sets inc's review, action items and repeat flags from
// their row's data (NULL: no row).
func decodeReview(inc *fireline.Incident, data sql.NullString) error {
	inc.Review, inc.ActionItems, inc.Repeats = nil, nil, nil
	if !data.Valid {
		return nil
	}
	var parts reviewParts
	if err := json.Unmarshal([]byte(data.String), &parts); err != nil {
		return err
	}
	inc.Review, inc.ActionItems, inc.Repeats = parts.Review, parts.ActionItems, parts.Repeats
	return nil
}

// saveReview writes inc's review row, and its action items' rows, when
// changes touched them, in the transaction that records them.
func saveReview(ctx context.Context, tx *Tx, inc *fireline.Incident, changes []fireline.Change) error {
	review, items := false, false
	for _, c := range changes {
		switch c.Data.(type) {
		case *fireline.ActionItemAddedData, *fireline.ActionItemUpdatedData, *fireline.ItemPushRequestedData, *fireline.ItemTrackedData, *fireline.ItemIssueStateData,
			*fireline.ItemTrackerFailedData:
			review, items = true, true
		case *fireline.ReviewRequestedData, *fireline.ReviewOpenedData, *fireline.ReviewOwnerData, *fireline.ReviewScheduledData,
			*fireline.EventStarredData, *fireline.ReviewEditedData, *fireline.ReviewApprovedData, *fireline.RepeatFlaggedData,
			*fireline.ReviewUnscheduledData, *fireline.ReviewPublishedData:
			review = true
		}
	}
	if !review {
		return nil
	}
	data, err := json.Marshal(reviewParts{Review: inc.Review, ActionItems: inc.ActionItems, Repeats: inc.Repeats})
	if err != nil {
		return err
	}
	var due, approved *time.Time // for reports (00019)
	if inc.Review != nil {
		due, approved = inc.Review.Due, inc.Review.ApprovedAt
	}
	if _, err := tx.exec(ctx, upsertReviewSQL, inc.Number, string(data), microsPtr(due), microsPtr(approved)); err != nil {
		return fmt.Errorf("save review of %s: %w", inc.ID, err)
	}
	if !items {
		return nil
	}
	for _, it := range inc.ActionItems {
		data, err := json.Marshal(it)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, upsertItemSQL, it.Number, inc.Number, it.Owner, string(it.Status), micros(it.Deadline), string(data),
			micros(it.CreatedAt), microsPtr(it.ClosedAt), trackerKey(it.Tracked)); err != nil {
			return fmt.Errorf("save %s: %w", it.ID, err)
		}
	}
	return nil
}

// prepareAction fills in what an action needs from the database before
// the domain decides it: the next action item number, the people who
// acted on the timeline (a meeting's default participants), the review's
// Markdown as it is approved.
func prepareAction(ctx context.Context, tx *Tx, p *fireline.Policy, inc *fireline.Incident, a fireline.Action) (fireline.Action, error) {
	switch a.Kind {
	case fireline.ActAddActionItem:
		n, err := nextNumber(ctx, tx, "action_item")
		if err != nil {
			return a, err
		}
		in := fireline.ActionItemInput{}
		if a.Item != nil {
			in = *a.Item
		}
		in.Number, a.Item = n, &in
	case fireline.ActScheduleReview, fireline.ActApproveReview:
		in := fireline.ReviewInput{}
		if a.Review != nil {
			in = *a.Review
		}
		events, err := listEvents(ctx, tx, pagerActor, inc.Number)
		if err != nil {
			return a, err
		}
		in.Actors = fireline.Actors(events)
		if a.Kind == fireline.ActApproveReview && inc.Review.Opened() {
			alerts, err := incidentAlerts(ctx, tx, inc.Number)
			if err != nil {
				return a, err
			}
			// The review as it reads once approved: by whom and when.
			approved := *inc
			r := *inc.Review
			now := tx.now
			r.Status, r.ApprovedBy, r.ApprovedAt = fireline.ReviewApproved, a.By, &now
			approved.Review = &r
			in.Markdown = p.Markdown(p.DraftReview(&approved, events, alerts))
		}
		a.Review = &in
	}
	return a, nil
}

// flagRepeats flags a new or reclassified incident whose services have
// action items still open from earlier, unrestricted incidents.
func flagRepeats(ctx context.Context, tx *Tx, inc *fireline.Incident, changes []fireline.Change) ([]fireline.Change, error) {
	if !slices.ContainsFunc(changes, func(c fireline.Change) bool {
		if d, ok := c.Data.(*fireline.UpdatedData); ok {
			return d.Services != nil
		}
		return c.Type == fireline.EventDeclared
	}) || len(inc.Services) == 0 {
		return nil, nil
	}
	open, err := listItems(ctx, tx, fireline.Actor{Role: fireline.RoleViewer}, fireline.ActionItemFilter{Status: fireline.ItemOpen})
	if err != nil {
		return nil, err
	}
	return inc.FlagRepeats(open, tx.now), nil
}

// incidentAlerts are the alerts attached to incident n.
func incidentAlerts(ctx context.Context, tx *Tx, n int64) ([]fireline.Alert, error) {
	rows, err := tx.query(ctx, "SELECT "+alertColumns+" FROM alerts a WHERE a.incident_number = ? ORDER BY a.id", n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fireline.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// listItems lists the action items the actor may see (those of incidents
// visible to it), by deadline.
func listItems(ctx context.Context, tx *Tx, actor fireline.Actor, f fireline.ActionItemFilter) ([]fireline.ActionItem, error) {
	q := "SELECT a.item FROM action_items a JOIN incidents i ON i.number = a.incident_number WHERE " + visibleTo
	args := visibleArgs(actor)
	if f.Status != "" {
		q += " AND a.status = ?"
		args = append(args, string(f.Status))
	}
	if f.Owner != "" {
		q += " AND a.owner = ?"
		args = append(args, f.Owner)
	}
	if f.Overdue {
		q += " AND a.status = 'open' AND a.deadline < ?"
		args = append(args, micros(tx.now))
	}
	if f.Incident != "" {
		n, err := fireline.ParseIncidentID(f.Incident)
		if err != nil {
			return nil, err
		}
		q += " AND a.incident_number = ?"
		args = append(args, n)
	}
	rows, err := tx.query(ctx, q+" ORDER BY a.deadline, a.number", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []fireline.ActionItem{}
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var it fireline.ActionItem
		if err := json.Unmarshal([]byte(data), &it); err != nil {
			return nil, err
		}
		if f.Service == "" || slices.Contains(it.Services, f.Service) {
			out = append(out, it)
		}
	}
	return out, rows.Err()
}

// ReviewService implements fireline.ReviewService.
type ReviewService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.ReviewService = (*ReviewService)(nil)

// NewReviewService returns the review service over db under policy p.
func NewReviewService(db *DB, p *fireline.Policy) *ReviewService {
	return &ReviewService{db: db, policy: p}
}

// Review returns a visible incident's review document as it stands.
// ENotFound as FindIncident.
func (s *ReviewService) Review(ctx context.Context, id string) (*fireline.ReviewDraft, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := fireline.ParseIncidentID(id)
	if err != nil {
		return nil, err
	}
	var d *fireline.ReviewDraft
	err = s.db.snapshotTx(ctx, "review", func(tx *Tx) error {
		inc, err := findIncident(ctx, tx, actor, id, n, false)
		if err != nil {
			return err
		}
		events, err := listEvents(ctx, tx, actor, n)
		if err != nil {
			return err
		}
		alerts, err := incidentAlerts(ctx, tx, n)
		if err != nil {
			return err
		}
		d = s.policy.DraftReview(finish(inc, tx.now), events, alerts)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ActionItems lists the visible action items the filter selects, by
// deadline. EInvalid for a bad filter.
func (s *ReviewService) ActionItems(ctx context.Context, f fireline.ActionItemFilter) ([]fireline.ActionItem, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && f.Status != fireline.ItemOpen && f.Status != fireline.ItemDone {
		return nil, &fireline.Error{Code: fireline.EInvalid, Message: "invalid filter",
			Fields: []fireline.FieldError{{Field: "status", Message: "want open or done, not " + strings.TrimSpace(string(f.Status))}}}
	}
	if err := s.policy.CheckTeam(f.Team); err != nil {
		return nil, err
	}
	var out []fireline.ActionItem
	err = s.db.readTx(ctx, "action items", func(tx *Tx) error {
		out, err = listItems(ctx, tx, actor, f)
		return err
	})
	if f.Team != "" { // the directory is the policy's, not the database's
		out = slices.DeleteFunc(out, func(it fireline.ActionItem) bool { return !s.policy.InTeam(&it, f.Team) })
	}
	return out, err
}

// publicPostmortem sets a public incident's postmortem from its review
// row's data, if one was published (the public record's query selects
// unrestricted incidents only).
func publicPostmortem(inc *fireline.PublicIncident, data sql.NullString) error {
	if !data.Valid {
		return nil
	}
	var parts struct {
		Review *struct {
			Published *fireline.ReviewPublication `json:"published"`
		} `json:"review"`
	}
	if err := json.Unmarshal([]byte(data.String), &parts); err != nil {
		return err
	}
	if parts.Review != nil {
		inc.Postmortem = parts.Review.Published
	}
	return nil
}
