package sqlstore

// The open incidents of a PostgreSQL batch's alert groups, looked up in
// the batch's first round trip (intake_postgres_pipe.go) rather than one
// query and three part reads each when the batch's first trigger of the
// group runs (groupIncident).

import (
	"database/sql"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/fireline-dev/fireline"
)

// groupNumberPostgresSQL is the number of an alert group's open incident
// (service, group key, since, the two open statuses, restriction), as
// groupIncidentSQL finds it, in an order the planner cannot choose: the
// group's rows first, by alert_groups_key, once (an InitPlan), then each
// one's incident by number (a subplan: as EXISTS, the planner hashed every
// open incident instead). Joined the other way, which the planner chose
// while the tables had no statistics, every lookup read every open
// incident: a batch of 64 groups cost 64 x 64 probes (docs/adr/0068).
const groupNumberPostgresSQL = `(SELECT max(n) FROM unnest(ARRAY(SELECT incident_number FROM alert_groups
		WHERE service = ? AND group_key = ? AND last_alert_at >= ?)) AS n
	WHERE (SELECT status IN (?, ?) AND restricted = ? FROM incidents WHERE number = n))`

// groupIncidentPostgresSQL finds and locks the open incident of an alert
// group and its group row (groupNumberPostgresSQL's arguments, then the
// statuses, restriction and since again, checked on the rows as locked).
var groupIncidentPostgresSQL = selectIncidentColumns + `, g.open_alerts, g.last_alert_at
	FROM incidents i JOIN alert_groups g ON g.incident_number = i.number
	WHERE i.number = ` + groupNumberPostgresSQL + ` AND i.status IN (?, ?) AND i.restricted = ? AND g.last_alert_at >= ?`

// groupPartsPostgresSQL reads the parts (loadParts) of the incident
// groupIncidentPostgresSQL finds, with its number: a statement of its own,
// after the one that locks the incident, so that it reads them as they
// are once locked. OFFSET 0 keeps the number computed once, not once per
// part.
const groupPartsPostgresSQL = `SELECT x.number,
		(SELECT checklist FROM incident_checklists WHERE incident_number = x.number),
		(SELECT data FROM incident_reviews WHERE incident_number = x.number),
		(SELECT comms FROM incident_comms WHERE incident_number = x.number),
		(SELECT security FROM incident_security WHERE incident_number = x.number),
		(SELECT state FROM incident_slack WHERE incident_number = x.number)
	FROM (SELECT ` + groupNumberPostgresSQL + ` AS number OFFSET 0) x WHERE x.number IS NOT NULL`

// groupLookups are the statements that find, lock and load the open
// incident of each alert group, as groupIncident would, into the batch.
func (b *intakeBatch) groupLookups(groups []groupKey) []pipedStatement {
	var stmts []pipedStatement
	since := micros(b.tx.now.Add(-b.policy.Alerts.Window()))
	for _, k := range groups {
		args := []any{k.service, k.key, since, string(fireline.StatusTriggered), string(fireline.StatusAcknowledged), k.restricted}
		locked := append(slices.Clone(args), args[3], args[4], args[5], since)
		var found *fireline.Incident
		stmts = append(stmts, pipedStatement{query: b.tx.db.rebind(groupIncidentPostgresSQL + b.tx.forUpdateOf("i, g")), args: locked,
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
