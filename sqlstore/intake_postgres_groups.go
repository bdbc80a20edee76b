package sqlstore

// The open incidents of a PostgreSQL batch's alert groups, looked up in
// the batch's first round trip (intake_postgres_pipe.go) rather than one
// query and three part reads each when the batch's first trigger of the
// group runs (groupIncident).

import (
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fireline-dev/fireline"
)

// groupPartsPostgresSQL reads the parts (loadParts) of the incident
// groupIncidentSQL finds, with its number: a statement of its own, after
// the one that locks the incident, so that it reads them as they are
// once locked.
var groupPartsPostgresSQL = `SELECT x.number,
		(SELECT checklist FROM incident_checklists WHERE incident_number = x.number),
		(SELECT data FROM incident_reviews WHERE incident_number = x.number),
		(SELECT comms FROM incident_comms WHERE incident_number = x.number),
		(SELECT security FROM incident_security WHERE incident_number = x.number),
		(SELECT state FROM incident_slack WHERE incident_number = x.number)
	FROM (SELECT i.number FROM incidents i JOIN alert_groups g ON g.incident_number = i.number
		WHERE g.service = ? AND g.group_key = ? AND g.last_alert_at >= ? AND i.status IN (?, ?) AND i.restricted = ?
		ORDER BY g.incident_number DESC LIMIT 1) x`

// groupLookups are the statements that find, lock and load the open
// incident of each alert group, as groupIncident would, into the batch.
func (b *intakeBatch) groupLookups(groups []groupKey) []pipedStatement {
	var stmts []pipedStatement
	since := micros(b.tx.now.Add(-b.policy.Alerts.Window()))
	for _, k := range groups {
		args := []any{k.service, k.key, since, string(fireline.StatusTriggered), string(fireline.StatusAcknowledged), k.restricted}
		var found *fireline.Incident
		stmts = append(stmts, pipedStatement{query: b.tx.db.rebind(groupIncidentSQL + b.tx.forUpdateOf("i, g")), args: args,
			rows: func(rows pgx.Rows) error {
				var err error
				found, err = b.readGroupIncident(rows, k)
				return err
			}},
			pipedStatement{query: b.tx.db.rebind(groupPartsPostgresSQL), args: args,
				rows: func(rows pgx.Rows) error { return b.readGroupParts(rows, found) }})
	}
	return stmts
}

// readGroupIncident reads the open incident of group k, if any, into the
// batch, as groupIncident does.
func (b *intakeBatch) readGroupIncident(rows pgx.Rows, k groupKey) (*fireline.Incident, error) {
	if !rows.Next() {
		b.byKey[k] = 0
		return nil, rows.Err()
	}
	g := &groupRow{exists: true}
	inc, err := scanIncident(withColumns(rows, &g.open, &g.lastAlertAt))
	if err != nil {
		return nil, err
	}
	b.incidents[inc.Number] = inc
	b.stored[inc.Number] = indexedOf(inc)
	b.groups[inc.Number] = g
	b.byKey[k] = inc.Number
	return inc, nil
}

// readGroupParts reads the parts of inc, found by the statement before.
func (b *intakeBatch) readGroupParts(rows pgx.Rows, inc *fireline.Incident) error {
	if inc == nil {
		return nil
	}
	if !rows.Next() {
		return fmt.Errorf("parts of %s: not found after its lock", inc.ID)
	}
	var (
		n                                       int64
		checklist, review, comms, security, slk sql.NullString
	)
	if err := rows.Scan(&n, &checklist, &review, &comms, &security, &slk); err != nil {
		return err
	}
	if n != inc.Number {
		return fmt.Errorf("parts of %s: found %d", inc.ID, n)
	}
	return firstError(decodeChecklist(inc, checklist), decodeReview(inc, review), decodeComms(inc, comms),
		decodeSecurity(inc, security), decodeSlack(inc, slk))
}
