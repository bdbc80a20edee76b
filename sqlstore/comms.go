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
	var data string
	err := tx.queryRow(ctx, selectCommsSQL, inc.Number).Scan(&data)
	if isNoRows(err) {
		inc.Comms = fireline.Comms{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("comms of %s: %w", inc.ID, err)
	}
	inc.Comms = fireline.Comms{}
	if err := json.Unmarshal([]byte(data), &inc.Comms); err != nil {
		return fmt.Errorf("comms of %s: %w", inc.ID, err)
	}
	return nil
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
