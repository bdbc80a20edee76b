package sqlstore

// Intake on PostgreSQL (intakeDialect): replicas write concurrently, so a
// batch locks what it reads (its alert groups by advisory lock, its open
// alerts and incidents by row) and takes alert ids from the sequence; and
// every statement is a round trip, so a batch reads ahead in one and
// writes what it gathered in one, with COMMIT (intake_postgres_pipe.go;
// docs/adr/0046, 0060).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/fireline-dev/fireline"
)

// postgresIntake is intake's seam on PostgreSQL.
type postgresIntake struct{ db *DB }

var _ intakeDialect = (*postgresIntake)(nil)

// commit runs the batch pipelined (intake_postgres_pipe.go).
func (d *postgresIntake) commit(ctx context.Context, op string, fn func(*Tx) error) error {
	return d.db.commitPipelined(ctx, op, fn)
}

// committedOpen is nil: another replica may resolve an alert at any
// moment, so a repeat is never answered from memory.
func (d *postgresIntake) committedOpen() *committedOpen { return nil }

// lockGroups takes the transaction's advisory locks on the
// alert groups its triggers may open incidents for, in sorted order (two
// replicas' batches never wait for each other in a cycle). Without them,
// two replicas receiving the first alerts of a new group at once each
// found no open incident and each declared one; with them the second
// waits for the first to commit, and its grouping query, a later
// statement (READ COMMITTED), then finds the first one's incident. SQLite
// needs none: its one writer holds the database lock.
func (d *postgresIntake) lockGroups(ctx context.Context, b *intakeBatch, groups []int64) error {
	if len(groups) == 0 {
		return nil
	}
	groups = sortedUnique(groups)
	_, err := b.tx.exec(ctx, "SELECT pg_advisory_xact_lock(?, k::int) FROM unnest(?::bigint[]) AS k ORDER BY k", groupLockClass, groups)
	return err
}

// lookAheadPostgresSQL takes a batch's group locks (class, keys), then
// looks up and locks the open alerts of its keys for one integration, and
// takes an alert id for each key that has none. The group locks gate the
// whole statement: an uncorrelated condition is a one-time filter,
// evaluated before the lookups. Its last column, computed once, lists
// which of the batch's services (an array) a maintenance window covers
// now, saving underMaintenance's round trips.
const lookAheadPostgresSQL = `WITH locked AS MATERIALIZED (
		SELECT pg_advisory_xact_lock(?, g::int) FROM unnest(?::bigint[]) AS g ORDER BY g)
	SELECT k.key, a.id, a.status, a.incident_number,
		CASE WHEN a.id IS NULL THEN nextval(pg_get_serial_sequence('alerts', 'id')) END,
		(SELECT COALESCE(json_agg(DISTINCT w.service), '[]')::text FROM maintenance_windows w
			WHERE w.service = ANY(?::text[]) AND w.starts_at <= ? AND w.ends_at > ?)
	FROM unnest(?::text[]) WITH ORDINALITY AS k(key, n)
	LEFT JOIN LATERAL (SELECT id, status, incident_number FROM alerts
		WHERE dedup_key = k.key AND integration_ref = ? AND resolved_at IS NULL FOR UPDATE) a ON true
	WHERE (SELECT count(*) FROM locked) >= 0
	ORDER BY k.n`

// readAhead looks up, in one statement per integration, the open alerts of
// the keys a batch is about to process, locks them, and takes an alert id
// from the sequence for each key that has none, since a trigger of it
// will make a row; the first statement also takes the batch's group locks
// (lockGroups), before anything else. Then, per alert group, its open
// incident (intake_postgres_groups.go). All go in one round trip, with
// BEGIN. A statement's snapshot may miss an alert another replica
// committed while this one waited: the insert of that key fails on the
// unique index and the batch runs again job by job, where the retry
// finds it.
func (d *postgresIntake) readAhead(ctx context.Context, b *intakeBatch, a batchAhead) error {
	keys, groups, services := a.keys, a.locks, a.services
	if len(keys) == 0 {
		return d.lockGroups(ctx, b, groups)
	}
	integrations := slices.Sorted(maps.Keys(keys)) // the same lock order on every replica
	groups = sortedUnique(groups)
	var stmts []pipedStatement
	for _, integ := range integrations {
		// One seek of alerts_open_dedup per key, whatever the planner
		// believes of the table (findOpenAlertSQL says why it names the
		// integration by its ref). Written as "dedup_key =
		// ANY(...)", a plan made while the table was small scanned every
		// open alert of the integration against the whole list: 0.8 s for
		// 3,200 keys among 29,000 alerts. Keys are locked in sorted order,
		// the same on every replica, so two batches cannot deadlock on them.
		list := slices.Clone(keys[integ])
		slices.Sort(list)
		list = slices.Compact(list)
		ref, err := b.tx.db.integrationRef(ctx, b.tx, integ)
		if err != nil {
			return err
		}
		// The group locks and the maintenance windows go with the first
		// statement only.
		now, asked := micros(b.tx.now), services
		stmts = append(stmts, pipedStatement{query: b.tx.db.rebind(lookAheadPostgresSQL),
			args: []any{groupLockClass, groups, asked, now, now, list, ref},
			rows: func(rows pgx.Rows) error { return b.readLookAhead(rows, integ, asked) }})
		groups, services = nil, []string{}
	}
	// One round trip, with the transaction's BEGIN, and the open
	// incidents of the alert groups, after their locks.
	return b.tx.pipe().send(ctx, append(stmts, b.groupLookups(a.groups)...)...)
}

// readLookAhead reads the answer to lookAheadPostgresSQL for integ, which
// asked about the maintenance windows of services.
func (b *intakeBatch) readLookAhead(rows pgx.Rows, integ string, services []string) error {
	asked := services
	for rows.Next() {
		var (
			key      string
			id, next sql.NullInt64
			status   sql.NullString
			incident sql.NullInt64
			maint    string
		)
		if err := rows.Scan(&key, &id, &status, &incident, &next, &maint); err != nil {
			return err
		}
		if len(asked) > 0 {
			if err := b.knowMaintenance(asked, maint); err != nil {
				return err
			}
			asked = nil
		}
		var open *openAlert
		if id.Valid {
			open = &openAlert{id: id.Int64, status: fireline.AlertStatus(status.String), incident: incident}
		}
		b.open[alertKey{integ, key}] = open
		if next.Valid {
			b.ids = append(b.ids, next.Int64)
		}
	}
	return rows.Err()
}

// knowMaintenance records which of services a maintenance window covers
// now: those in the JSON array under.
func (b *intakeBatch) knowMaintenance(services []string, under string) error {
	var covered []string
	if err := json.Unmarshal([]byte(under), &covered); err != nil {
		return err
	}
	for _, s := range services {
		b.maint[s] = slices.Contains(covered, s)
	}
	return nil
}

// alertID takes the next alert id from the table's sequence: replicas
// write alerts concurrently. The look-ahead took one for each new key;
// past those, as many as the batch may still need are taken at once.
func (d *postgresIntake) alertID(ctx context.Context, b *intakeBatch) (int64, error) {
	if len(b.ids) == 0 {
		// As many as the batch may still need (the look-ahead took one per
		// new key already; this is for keys it did not see).
		rows, err := b.tx.query(ctx, "SELECT nextval(pg_get_serial_sequence('alerts', 'id')) FROM generate_series(1, ?)", max(b.expect-len(b.pending), 1))
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			b.ids = append(b.ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if len(b.ids) == 0 {
			return 0, fmt.Errorf("alert ids: the sequence gave none")
		}
	}
	id := b.ids[0]
	b.ids = b.ids[1:]
	return id, nil
}

// insertAlertsPostgresSQL inserts any number of alert rows in one round
// trip: one array per column.
const insertAlertsPostgresSQL = "INSERT INTO alerts (" + alertInsertColumns + `)
	SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::boolean[], ?::boolean[], ?::bigint[],
		?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])`

// insertAlerts inserts the pending alert rows in one statement,
// queued for the transaction's next round trip.
func (d *postgresIntake) insertAlerts(ctx context.Context, b *intakeBatch) error {
	n := len(b.pending)
	var (
		ids, counts, first, last       = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		refs                           = make([]int64, n)
		incidents, starts, resolved    = make([]*int64, n), make([]*int64, n), make([]*int64, n)
		restricted, suppressed         = make([]bool, n), make([]bool, n)
		integ, service, key, status    = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		summary, source, severity, url = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		labels, annotations, details   = make([]string, n), make([]string, n), make([]string, n)
	)
	for i, p := range b.pending {
		a := p.row
		labels[i], annotations[i] = p.labels, p.annotations
		ids[i], integ[i], service[i], key[i], status[i] = a.ID, a.Integration, a.Service, a.DedupKey, string(a.Status)
		refs[i] = p.ref
		summary[i], source[i], severity[i], url[i], details[i] = a.Summary, a.Source, string(a.Severity), a.URL, string(a.Details)
		incidents[i], starts[i], resolved[i] = nullable(alertIncident(a)), nullable(microsPtr(a.StartsAt)), nullable(microsPtr(a.ResolvedAt))
		restricted[i], suppressed[i], counts[i] = p.restricted, a.Suppressed, a.Count
		first[i], last[i] = micros(a.FirstSeenAt), micros(a.LastSeenAt)
	}
	if err := b.tx.execLater(ctx, insertAlertsPostgresSQL, nil, ids, integ, service, key, status, summary, source, severity,
		labels, annotations, url, details, incidents, restricted, suppressed, counts, starts, first, last, resolved, refs); err != nil {
		return err
	}
	return nil
}

// nullable is v as an element of a PostgreSQL array argument.
func nullable(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

// addRepeatsPostgresSQL adds up repeats of many alerts (addRepeatsSQL
// says why last_seen_at only moves forward).
const addRepeatsPostgresSQL = `UPDATE alerts a SET count = a.count + v.n, last_seen_at = GREATEST(a.last_seen_at, v.t)
		FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS v(id, n, t) WHERE a.id = v.id`

// addRepeats adds up repeats of alerts in one statement, queued for the
// transaction's next round trip.
func (d *postgresIntake) addRepeats(ctx context.Context, tx *Tx, r map[int64]pendingRepeat) error {
	ids, ns, ts := make([]int64, 0, len(r)), make([]int64, 0, len(r)), make([]int64, 0, len(r))
	for _, id := range slices.Sorted(maps.Keys(r)) {
		ids, ns, ts = append(ids, id), append(ns, r[id].count), append(ts, micros(r[id].lastSeen))
	}
	return tx.execLater(ctx, addRepeatsPostgresSQL, nil, ids, ns, ts)
}

// maxEventsPerInsert keeps a multi-row insert under PostgreSQL's 65,535
// parameters.
const maxEventsPerInsert = 1000

// insertEvents inserts the events a thousand per statement, queued for
// the transaction's next round trip (insertEvent): with pipelining, the
// one statement per incident of docs/adr/0046 saves nothing more.
func (d *postgresIntake) insertEvents(ctx context.Context, tx *Tx, n int64, events []*fireline.Event) error {
	for len(events) > 0 {
		k := min(len(events), maxEventsPerInsert)
		if err := insertEvent(ctx, tx, n, events[:k]...); err != nil {
			return err
		}
		events = events[k:]
	}
	return nil
}
