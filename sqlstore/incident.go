package sqlstore

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
)

// IncidentService implements fireline.IncidentService.
type IncidentService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.IncidentService = (*IncidentService)(nil)

// NewIncidentService returns the incident service over db, working under
// policy p.
func NewIncidentService(db *DB, p *fireline.Policy) *IncidentService {
	return &IncidentService{db: db, policy: p}
}

// actorFrom returns the actor in ctx; without one there is no access.
func actorFrom(ctx context.Context) (fireline.Actor, error) {
	a, ok := fireline.ActorFromContext(ctx)
	if !ok {
		return a, fireline.Errorf(fireline.EUnauthorized, "authentication required")
	}
	return a, nil
}

// DeclareIncident opens a new incident with the next number. EInvalid for
// bad input; EUnauthorized without an actor.
func (s *IncidentService) DeclareIncident(ctx context.Context, in fireline.DeclareInput) (*fireline.Incident, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in, err = in.Validate(s.policy); err != nil {
		return nil, err
	}
	var inc *fireline.Incident
	err = s.db.writeTx(ctx, "declare incident", func(tx *Tx) error {
		inc, err = declareIncident(ctx, tx, s.policy, in, actor, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

// declareIncident opens incident n with the playbooks that match it;
// labels are those of the alert that opens it (nil: none does).
func declareIncident(ctx context.Context, tx *Tx, p *fireline.Policy, in fireline.DeclareInput, actor fireline.Actor, labels map[string]string) (*fireline.Incident, error) {
	n, err := nextNumber(ctx, tx, "incident")
	if err != nil {
		return nil, err
	}
	inc, change, err := fireline.NewIncident(p, in, n, actor, tx.now)
	if err != nil {
		return nil, err
	}
	changes := append([]fireline.Change{change}, inc.AttachMatching(p, labels, tx.now)...)
	changes = append(changes, inc.StartRegulatoryClock(p, labels, tx.now)...)
	repeats, err := flagRepeats(ctx, tx, inc, changes) // review.go
	if err != nil {
		return nil, err
	}
	changes = append(changes, repeats...)
	events, err := inc.Append(actor.Name(), tx.now, changes...)
	if err != nil {
		return nil, err
	}
	if err := insertIncident(ctx, tx, inc); err != nil {
		return nil, err
	}
	if err := insertEvent(ctx, tx, inc.Number, events...); err != nil {
		return nil, err
	}
	if err := syncSets(ctx, tx, inc, nil, nil); err != nil {
		return nil, err
	}
	if err := saveParts(ctx, tx, inc, changes); err != nil { // comms.go
		return nil, err
	}
	if err := tx.plan(ctx, p, inc, changes, actor); err != nil { // jobs.go
		return nil, err
	}
	return finish(inc, tx.now), nil
}

// FindIncident returns one visible incident by human id. ENotFound if it
// does not exist or is not visible; EUnauthorized without an actor.
func (s *IncidentService) FindIncident(ctx context.Context, id string) (*fireline.Incident, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := fireline.ParseIncidentID(id)
	if err != nil {
		return nil, err
	}
	var inc *fireline.Incident
	err = s.db.readTx(ctx, "find incident", func(tx *Tx) error {
		if inc, err = findIncident(ctx, tx, actor, id, n, false); err != nil {
			return err
		}
		finish(inc, tx.now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

// Act does one action to a visible incident and records its events.
// ENotFound as FindIncident; EInvalid and EConflict from the domain, in
// which case nothing is written.
func (s *IncidentService) Act(ctx context.Context, id string, a fireline.Action) (*fireline.Incident, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := fireline.ParseIncidentID(id)
	if err != nil {
		return nil, err
	}
	a = normaliseAction(a)
	var inc *fireline.Incident
	err = s.db.writeTx(ctx, "act on incident", func(tx *Tx) error {
		inc, err = actOn(ctx, tx, s.policy, actor, id, n, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}

func actOn(ctx context.Context, tx *Tx, p *fireline.Policy, actor fireline.Actor, id string, n int64, a fireline.Action) (*fireline.Incident, error) {
	inc, err := findIncident(ctx, tx, actor, id, n, true)
	if err != nil {
		return nil, err
	}
	return actOnLoaded(ctx, tx, p, actor, inc, a)
}

// actOnLoaded is actOn for an incident already loaded and locked in tx.
func actOnLoaded(ctx context.Context, tx *Tx, p *fireline.Policy, actor fireline.Actor, inc *fireline.Incident, a fireline.Action) (*fireline.Incident, error) {
	var err error
	members, services := append([]string{}, inc.Members...), append([]string{}, inc.Services...)
	a.By, a.Admin = actor.Name(), actor.Role == fireline.RoleAdmin
	if a, err = prepareAction(ctx, tx, p, inc, a); err != nil { // review.go
		return nil, err
	}
	changes, err := inc.Do(p, a, tx.now)
	if err != nil {
		return nil, err
	}
	repeats, err := flagRepeats(ctx, tx, inc, changes)
	if err != nil {
		return nil, err
	}
	changes = append(changes, repeats...)
	events, err := inc.Append(actor.Name(), tx.now, changes...)
	if err != nil {
		return nil, err
	}
	if err := insertEvent(ctx, tx, inc.Number, events...); err != nil {
		return nil, err
	}
	if err := updateIncident(ctx, tx, inc); err != nil {
		return nil, err
	}
	if err := syncSets(ctx, tx, inc, members, services); err != nil {
		return nil, err
	}
	if err := saveParts(ctx, tx, inc, changes); err != nil { // comms.go
		return nil, err
	}
	if err := tx.plan(ctx, p, inc, changes, actor); err != nil { // jobs.go
		return nil, err
	}
	return finish(inc, tx.now), nil
}

// normaliseAction truncates instants to what the store keeps, so that the
// recorded event and the stored row agree to the microsecond.
func normaliseAction(a fireline.Action) fireline.Action {
	if a.Update.ETA != nil {
		eta := a.Update.ETA.UTC().Truncate(time.Microsecond)
		a.Update.ETA = &eta
	}
	return a
}

// Timeline returns a visible incident's events in order. ENotFound as
// FindIncident.
func (s *IncidentService) Timeline(ctx context.Context, id string) ([]*fireline.Event, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := fireline.ParseIncidentID(id)
	if err != nil {
		return nil, err
	}
	var events []*fireline.Event
	err = s.db.readTx(ctx, "timeline", func(tx *Tx) error {
		events, err = listEvents(ctx, tx, actor, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, notFound(id)
	}
	return events, nil
}

// VerifyIncident checks a visible incident's stored timeline in place
// (fireline.Verify): its row and its events are read in one transaction,
// on PostgreSQL a repeatable-read one, so that an action committed
// between the two reads cannot pass for an event added behind the row's
// back. ENotFound as FindIncident.
func (s *IncidentService) VerifyIncident(ctx context.Context, id string) (*fireline.Verification, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := fireline.ParseIncidentID(id)
	if err != nil {
		return nil, err
	}
	var v *fireline.Verification
	err = s.db.snapshotTx(ctx, "verify incident", func(tx *Tx) error {
		inc, err := findIncident(ctx, tx, actor, id, n, false)
		if err != nil {
			return err
		}
		events, err := listEvents(ctx, tx, actor, n)
		if err != nil {
			return err
		}
		v = fireline.Verify(inc, events, tx.now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// CountIncidents counts visible incidents by severity and status. Once
// many count changes have gathered (PostgreSQL), it folds them in after
// reading, so that the next read adds few.
func (s *IncidentService) CountIncidents(ctx context.Context) ([]fireline.IncidentCount, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var counts []fireline.IncidentCount
	var pending int64
	err = s.db.readTx(ctx, "count incidents", func(tx *Tx) error {
		counts, pending, err = countIncidents(ctx, tx, actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	if pending >= foldAt {
		if err := s.db.writeTx(ctx, "fold incident counts", func(tx *Tx) error { return foldCounts(ctx, tx) }); err != nil {
			s.db.logger.Warn("folding incident counts", "err", err) // the next read tries again
		}
	}
	return counts, nil
}

// notFound is the one answer for a missing and an invisible incident.
func notFound(id string) error {
	return fireline.Errorf(fireline.ENotFound, "incident %q not found", id)
}
