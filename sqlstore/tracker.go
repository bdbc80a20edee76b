package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/fireline-dev/fireline"
)

// Action items tracked in GitHub Issues (tracker.go, ADR 0065): the
// tracker_issue column (migration 00020) finds the item a webhook is
// about; pushing and syncing are actions on the item's incident.

// trackerKey is an item's tracker_issue (NULL when untracked).
func trackerKey(t *fireline.TrackedIssue) any {
	if t == nil {
		return nil
	}
	return t.Key()
}

// Act does an action on the locked incident as actor, as a person's
// action is done: decided, recorded, its work planned (the tracker's
// answers).
func (tx *PageTx) Act(ctx context.Context, actor fireline.Actor, a fireline.Action) error {
	_, err := actOnLoaded(ctx, tx.Tx, tx.policy, actor, tx.inc, a)
	return err
}

// TrackerService implements fireline.TrackerService.
type TrackerService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.TrackerService = (*TrackerService)(nil)

// NewTrackerService returns the tracker service over db under policy p.
func NewTrackerService(db *DB, p *fireline.Policy) *TrackerService {
	return &TrackerService{db: db, policy: p}
}

// PushActionItem asks for a visible item to be pushed to the tracker.
// ENotFound when the actor cannot see it; EConflict from the domain.
func (s *TrackerService) PushActionItem(ctx context.Context, item string) (*fireline.Incident, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := fireline.ParseActionItemID(item)
	if err != nil {
		return nil, err
	}
	var inc *fireline.Incident
	err = s.db.writeTx(ctx, "push action item", func(tx *Tx) error {
		var number int64
		row := tx.queryRow(ctx, "SELECT a.incident_number FROM action_items a JOIN incidents i ON i.number = a.incident_number WHERE a.number = ? AND "+visibleTo,
			append([]any{n}, visibleArgs(actor)...)...)
		if err := row.Scan(&number); errors.Is(err, sql.ErrNoRows) {
			return fireline.Errorf(fireline.ENotFound, "action item %q not found", item)
		} else if err != nil {
			return err
		}
		a := fireline.Action{Kind: fireline.ActPushActionItem, Issue: &fireline.IssueInput{Item: n}}
		inc, err = actOn(ctx, tx, s.policy, actor, fireline.IncidentID(number), number, a)
		return err
	})
	return inc, err
}

// IssueChanged applies an issue's state seen at the tracker to the item
// tracked in it, as the tracker (fireline.TrackerActor). Nothing
// happens when no item is tracked in it or the state changes nothing.
func (s *TrackerService) IssueChanged(ctx context.Context, repo string, issue int64, state, login string) error {
	return s.db.writeTx(ctx, "issue changed", func(tx *Tx) error {
		var incN, itemN int64
		row := tx.queryRow(ctx, "SELECT incident_number, number FROM action_items WHERE tracker_issue = ?", fireline.IssueKey(repo, issue))
		if err := row.Scan(&incN, &itemN); errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		inc, err := findIncident(ctx, tx, fireline.TrackerActor, fireline.IncidentID(incN), incN, true)
		if err != nil {
			return err
		}
		if len(fireline.SyncIssue(inc.ActionItem(itemN), state, login, false)) == 0 {
			return nil // already known: Fireline's own change, or a repeat
		}
		in := &fireline.IssueInput{Item: itemN, State: state, Login: login}
		_, err = actOnLoaded(ctx, tx, s.policy, fireline.TrackerActor, inc, fireline.Action{Kind: fireline.ActSyncActionItem, Issue: in})
		return err
	})
}
