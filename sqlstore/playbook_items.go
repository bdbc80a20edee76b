package sqlstore

import (
	"context"
	"fmt"

	"github.com/fireline-dev/fireline"
)

// systemActor is the server's own act at start-up: "system" on the
// timeline, seeing every incident.
var systemActor = fireline.Actor{Role: fireline.RoleAdmin}

// ClosePlaybookItems closes the open runbook items whose playbook the
// policy now loads with another digest than the one they recorded
// (fireline.ActPlaybookChanged), each incident's in a transaction of its
// own, through the incident's one append. It returns how many incidents
// it closed items on. Replicas starting together close each item once:
// the second finds it done (EConflict, skipped).
func (s *ReviewService) ClosePlaybookItems(ctx context.Context) (int, error) {
	var changed []fireline.IncidentPlaybook
	err := s.db.readTx(ctx, "playbook items", func(tx *Tx) error {
		open, err := listItems(ctx, tx, systemActor, fireline.ActionItemFilter{Status: fireline.ItemOpen})
		changed = s.policy.ChangedPlaybooks(open)
		return err
	})
	if err != nil {
		return 0, err
	}
	closed := 0
	for _, ip := range changed {
		err := s.closeOn(ctx, ip)
		if fireline.ErrorCode(err) == fireline.EConflict {
			continue
		}
		if err != nil {
			return closed, fmt.Errorf("close %s's items on playbook %s: %w", ip.Incident, ip.Playbook, err)
		}
		closed++
	}
	return closed, nil
}

func (s *ReviewService) closeOn(ctx context.Context, ip fireline.IncidentPlaybook) error {
	n, err := fireline.ParseIncidentID(ip.Incident)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, "close playbook items", func(tx *Tx) error {
		_, err := actOn(ctx, tx, s.policy, systemActor, ip.Incident, n, fireline.Action{Kind: fireline.ActPlaybookChanged, Playbook: ip.Playbook})
		return err
	})
}
