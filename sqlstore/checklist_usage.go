package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// PlaybookUsageService implements fireline.PlaybookUsageService: the
// visible incidents a playbook was attached to, found by its id in their
// stored checklists, newest first and at most fireline.MaxPlaybookUses.
type PlaybookUsageService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.PlaybookUsageService = (*PlaybookUsageService)(nil)

// NewPlaybookUsageService returns the service over db under policy p.
func NewPlaybookUsageService(db *DB, p *fireline.Policy) *PlaybookUsageService {
	return &PlaybookUsageService{db: db, policy: p}
}

// The checklist is JSON: an attached playbook shows as {"id":"ID",...};
// the LIKE narrows the rows and the domain checks each.
var selectPlaybookUsesSQL = selectIncident + ` WHERE i.number IN (
	SELECT incident_number FROM incident_checklists WHERE checklist LIKE ?) AND ` + visibleTo + `
	ORDER BY i.number DESC LIMIT ?`

// PlaybookUsage reads the record of playbook id. ENotFound for a
// playbook the server does not run.
func (s *PlaybookUsageService) PlaybookUsage(ctx context.Context, id string) (*fireline.PlaybookUsage, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := s.policy.Playbook(id); !ok {
		return nil, fireline.Errorf(fireline.ENotFound, "no playbook %q (fireline playbook list)", id)
	}
	var incs []*fireline.Incident
	var now time.Time
	err = s.db.readTx(ctx, "playbook usage", func(tx *Tx) error {
		now = tx.now
		incs, err = playbookIncidents(ctx, tx, actor, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.policy.PlaybookUsageOf(id, incs, now), nil
}

func playbookIncidents(ctx context.Context, tx *Tx, actor fireline.Actor, id string) ([]*fireline.Incident, error) {
	pattern := `%"id":"` + strings.NewReplacer(`%`, ``, `_`, ``).Replace(id) + `"%`
	args := append(append([]any{pattern}, visibleArgs(actor)...), fireline.MaxPlaybookUses)
	rows, err := tx.query(ctx, selectPlaybookUsesSQL, args...)
	if err != nil {
		return nil, err
	}
	var incs []*fireline.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		incs = append(incs, inc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, inc := range incs {
		if err := loadChecklist(ctx, tx, inc); err != nil {
			return nil, err
		}
	}
	return incs, nil
}
