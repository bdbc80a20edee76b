package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/fireline-dev/fireline"
)

const (
	selectSecuritySQL = "SELECT security FROM incident_security WHERE incident_number = ?"
	upsertSecuritySQL = `INSERT INTO incident_security (incident_number, security) VALUES (?, ?)
		ON CONFLICT (incident_number) DO UPDATE SET security = excluded.security`
)

// loadSecurity reads inc's evidence and regulatory clock into it (none:
// nothing preserved, no clock).
func loadSecurity(ctx context.Context, tx *Tx, inc *fireline.Incident) error {
	var data string
	err := tx.queryRowCached(ctx, selectSecuritySQL, inc.Number).Scan(&data)
	if isNoRows(err) {
		return decodeSecurity(inc, sql.NullString{})
	}
	if err != nil {
		return fmt.Errorf("security of %s: %w", inc.ID, err)
	}
	return decodeSecurity(inc, sql.NullString{String: data, Valid: true})
}

// decodeSecurity sets inc's security from its row's (NULL: no row).
func decodeSecurity(inc *fireline.Incident, data sql.NullString) error {
	inc.Security = fireline.Security{}
	if !data.Valid {
		return nil
	}
	if err := json.Unmarshal([]byte(data.String), &inc.Security); err != nil {
		return fmt.Errorf("security of %s: %w", inc.ID, err)
	}
	return nil
}

// saveSecurity writes inc's evidence and regulatory clock when changes
// changed them, in the transaction that records them. Incidents with
// none get no row.
func saveSecurity(ctx context.Context, tx *Tx, inc *fireline.Incident, changes []fireline.Change) error {
	if !fireline.ChangesSecurity(changes) {
		return nil
	}
	data, err := json.Marshal(inc.Security)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, upsertSecuritySQL, inc.Number, string(data)); err != nil {
		return fmt.Errorf("save security of %s: %w", inc.ID, err)
	}
	return nil
}
