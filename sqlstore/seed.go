package sqlstore

import (
	"context"

	"github.com/fireline-dev/fireline"
)

// Seed is an incident to declare and what to do to it then.
type Seed struct {
	Declare fireline.DeclareInput
	Actions []fireline.Action
}

// SeedIncidents declares incidents and does actions to each, all in one
// transaction, through the same code as DeclareIncident and Act (valid
// hash chains, counts, search index, members): for benchmarks and tests
// that need many incidents or a long timeline quickly. The work the
// store's planner decides is stored as for any declaration: open the
// database with a Planner that plans nothing to seed history that pages
// no one. It returns the incidents as they stand. EInvalid and EConflict
// as DeclareIncident and Act, in which case nothing is written.
func (s *IncidentService) SeedIncidents(ctx context.Context, seeds []Seed) ([]*fireline.Incident, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*fireline.Incident, 0, len(seeds))
	err = s.db.writeTx(ctx, "seed incidents", func(tx *Tx) error {
		out = out[:0]
		for _, sd := range seeds {
			in, err := sd.Declare.Validate(s.policy)
			if err != nil {
				return err
			}
			inc, err := declareIncident(ctx, tx, s.policy, in, actor, nil)
			if err != nil {
				return err
			}
			for _, a := range sd.Actions {
				if inc, err = actOn(ctx, tx, s.policy, actor, inc.ID, inc.Number, normaliseAction(a)); err != nil {
					return err
				}
			}
			out = append(out, inc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ActAll does actions to a visible incident, in order, in one
// transaction, as Act does each. ENotFound, EInvalid and EConflict as
// Act, in which case nothing is written.
func (s *IncidentService) ActAll(ctx context.Context, id string, actions []fireline.Action) (*fireline.Incident, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := fireline.ParseIncidentID(id)
	if err != nil {
		return nil, err
	}
	var inc *fireline.Incident
	err = s.db.writeTx(ctx, "act on incident", func(tx *Tx) error {
		for _, a := range actions {
			if inc, err = actOn(ctx, tx, s.policy, actor, id, n, normaliseAction(a)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inc, nil
}
