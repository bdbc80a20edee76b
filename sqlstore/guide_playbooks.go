package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/fireline-dev/fireline"
)

// maxAgendaIncidents caps the incidents with a checklist the guide
// review's agenda reads for its playbooks used, newest first.
const maxAgendaIncidents = 1000

// The quarter's incidents the actor may see that have a checklist (a
// playbook attached): the declared_at index finds the quarter, the
// checklist row comes with each.
var selectAgendaPlaybooksSQL = `SELECT i.number, i.severity, i.status, i.declared_at, c.checklist
	FROM incidents i JOIN incident_checklists c ON c.incident_number = i.number
	WHERE i.declared_at >= ? AND i.declared_at < ? AND ` + visibleTo + `
	ORDER BY i.declared_at DESC LIMIT ?`

// agendaPlaybookIncidents reads the incidents declared in [from, to) the
// actor may see with their checklists.
func agendaPlaybookIncidents(ctx context.Context, tx *Tx, actor fireline.Actor, from, to time.Time) ([]*fireline.Incident, error) {
	args := append(append([]any{micros(from), micros(to)}, visibleArgs(actor)...), maxAgendaIncidents)
	rows, err := tx.query(ctx, selectAgendaPlaybooksSQL, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*fireline.Incident
	for rows.Next() {
		inc := &fireline.Incident{}
		var declared int64
		var checklist string
		if err := rows.Scan(&inc.Number, &inc.Severity, &inc.Status, &declared, &checklist); err != nil {
			return nil, err
		}
		inc.ID, inc.DeclaredAt = fireline.IncidentID(inc.Number), instant(declared)
		if err := decodeChecklist(inc, sql.NullString{String: checklist, Valid: true}); err != nil {
			return nil, err
		}
		out = append(out, inc)
	}
	return out, rows.Err()
}
