package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/fireline-dev/fireline"
)

const (
	selectCommsSQL = "SELECT comms FROM incident_comms WHERE incident_number = ?"
	upsertCommsSQL = `INSERT INTO incident_comms (incident_number, comms, published_at) VALUES (?, ?, ?)
		ON CONFLICT (incident_number) DO UPDATE SET comms = excluded.comms, published_at = excluded.published_at`
)

// loadParts reads the parts of an incident kept beside its row: its
// checklist (checklist.go), its communications and its Slack channel
// (slack.go).
func loadParts(ctx context.Context, tx *Tx, inc *fireline.Incident) error {
	if err := loadChecklist(ctx, tx, inc); err != nil {
		return err
	}
	if err := loadSecurity(ctx, tx, inc); err != nil { // security.go
		return err
	}
	if err := loadComms(ctx, tx, inc); err != nil {
		return err
	}
	return loadSlack(ctx, tx, inc)
}

// saveParts writes the parts of an incident that changes changed, in the
// transaction that records them.
func saveParts(ctx context.Context, tx *Tx, inc *fireline.Incident, changes []fireline.Change) error {
	if err := saveChecklist(ctx, tx, inc, changes); err != nil {
		return err
	}
	if err := saveSecurity(ctx, tx, inc, changes); err != nil { // security.go
		return err
	}
	return saveComms(ctx, tx, inc, changes)
}

// loadComms reads inc's public updates and cadence into it (none: nothing
// happened yet).
func loadComms(ctx context.Context, tx *Tx, inc *fireline.Incident) error {
	data, err := optionalRow(tx.queryRow(ctx, selectCommsSQL, inc.Number))
	if err == nil {
		err = decodeComms(inc, data)
	}
	if err != nil {
		return fmt.Errorf("comms of %s: %w", inc.ID, err)
	}
	return nil
}

// decodeComms sets inc's communications from their row's (NULL: no row).
func decodeComms(inc *fireline.Incident, data sql.NullString) error {
	inc.Comms = fireline.Comms{}
	if !data.Valid {
		return nil
	}
	return json.Unmarshal([]byte(data.String), &inc.Comms)
}

// saveComms writes inc's communications when changes changed them. An
// incident that has none yet (declared by an alert, not acknowledged)
// gets no row, so that intake's new incidents cost no write more.
func saveComms(ctx context.Context, tx *Tx, inc *fireline.Incident, changes []fireline.Change) error {
	if !fireline.ChangesComms(changes) || inc.Comms.IsZero() {
		return nil
	}
	data, err := json.Marshal(inc.Comms)
	if err != nil {
		return err
	}
	var published sql.NullInt64
	if p := inc.Comms.Published(); len(p) > 0 {
		published = sql.NullInt64{Int64: micros(*p[0].PublishedAt), Valid: true}
	}
	if _, err := tx.exec(ctx, upsertCommsSQL, inc.Number, string(data), published); err != nil {
		return fmt.Errorf("save comms of %s: %w", inc.ID, err)
	}
	return nil
}
