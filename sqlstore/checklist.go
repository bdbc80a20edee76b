package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/fireline-dev/fireline"
)

const (
	selectChecklistSQL = "SELECT checklist FROM incident_checklists WHERE incident_number = ?"
	upsertChecklistSQL = `INSERT INTO incident_checklists (incident_number, checklist) VALUES (?, ?)
		ON CONFLICT (incident_number) DO UPDATE SET checklist = excluded.checklist`
)

// loadChecklist reads inc's checklist into it (none: no playbooks), and
// its review and action items (loadReview). Every
// path that acts on an incident loads it first, since the domain's
// actions read it (the resolution gate, matching, steps that tick
// themselves).
func loadChecklist(ctx context.Context, tx *Tx, inc *fireline.Incident) error {
	data, err := optionalRow(tx.queryRow(ctx, selectChecklistSQL, inc.Number))
	if err == nil {
		err = decodeChecklist(inc, data)
	}
	if err != nil {
		return fmt.Errorf("checklist of %s: %w", inc.ID, err)
	}
	return loadReview(ctx, tx, inc) // review.go
}

// decodeChecklist sets inc's checklist from its row's (NULL: no row).
func decodeChecklist(inc *fireline.Incident, data sql.NullString) error {
	inc.Checklist = fireline.Checklist{}
	if !data.Valid {
		return nil
	}
	return json.Unmarshal([]byte(data.String), &inc.Checklist)
}

// optionalRow reads the one text column of a row that may not exist
// (NULL then).
func optionalRow(row rowScanner) (sql.NullString, error) {
	var data sql.NullString
	err := row.Scan(&data)
	if isNoRows(err) {
		return sql.NullString{}, nil
	}
	return data, err
}

// saveChecklist writes inc's checklist (and its review, saveReview) when
// changes changed it, in the
// transaction that records them.
func saveChecklist(ctx context.Context, tx *Tx, inc *fireline.Incident, changes []fireline.Change) error {
	if err := saveReview(ctx, tx, inc, changes); err != nil { // review.go
		return err
	}
	if !fireline.ChangesChecklist(changes) {
		return nil
	}
	data, err := json.Marshal(inc.Checklist)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, upsertChecklistSQL, inc.Number, string(data)); err != nil {
		return fmt.Errorf("save checklist of %s: %w", inc.ID, err)
	}
	return nil
}
