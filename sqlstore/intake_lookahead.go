package sqlstore

// What an intake batch looks up before its jobs run: the open alerts of
// its keys, and on PostgreSQL its alert groups' locks and new alert ids
// (docs/adr/0013, 0035).

import (
	"context"
	"database/sql"
	"encoding/json"
	"hash/fnv"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/fireline-dev/fireline"
)

// groupLockClass is the first key of Fireline's advisory locks on alert
// groups (the second is groupLockKey), so that they share no key with
// other users of advisory locks in the same database.
const groupLockClass = 0x46_4c_41 // "FLA"

// groupLockKey is the advisory lock key of an alert group: a 32-bit hash
// of its service and grouping key (a collision only makes two groups wait
// for each other).
func groupLockKey(service, key string) int64 {
	h := fnv.New32a()
	h.Write([]byte(service))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return int64(int32(h.Sum32()))
}

// lockGroups takes, on PostgreSQL, the transaction's advisory locks on the
// alert groups its triggers may open incidents for, in sorted order (two
// replicas' batches never wait for each other in a cycle). Without them,
// two replicas receiving the first alerts of a new group at once each
// found no open incident and each declared one; with them the second
// waits for the first to commit, and its grouping query, a later
// statement (READ COMMITTED), then finds the first one's incident. SQLite
// needs none: its one writer holds the database lock.
func (b *intakeBatch) lockGroups(ctx context.Context, groups []int64) error {
	if b.tx.db.dialect != DialectPostgres || len(groups) == 0 {
		return nil
	}
	groups = sortedUnique(groups)
	_, err := b.tx.exec(ctx, "SELECT pg_advisory_xact_lock(?, k::int) FROM unnest(?::bigint[]) AS k ORDER BY k", groupLockClass, groups)
	return err
}

func sortedUnique(groups []int64) []int64 {
	groups = slices.Clone(groups)
	slices.Sort(groups)
	return slices.Compact(groups)
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

// prefetchSQLiteSQL looks up the open alerts of a JSON array of keys:
// one seek of alerts_open_dedup per key, in one prepared statement rather
// than a statement run per alert.
const prefetchSQLiteSQL = `SELECT a.id, a.status, a.incident_number, a.dedup_key
	FROM json_each(?) AS k JOIN alerts a ON a.dedup_key = k.value
	WHERE a.integration_ref = ? AND a.resolved_at IS NULL`

// prefetchOpen looks up, in one query per integration, the open alerts of
// the keys a batch is about to process. On PostgreSQL it locks them, and
// takes an alert id from the sequence for each key that has none, since a
// trigger of it will make a row (on SQLite, ids cost no round trip); the
// first query also takes the batch's group locks (lockGroups), before
// anything else, saving their round trip. Its own snapshot may then miss
// an alert another replica committed while this one waited: the insert of
// that key fails on the unique index and the batch runs again job by job,
// where the retry finds it.
func (b *intakeBatch) prefetchOpen(ctx context.Context, keys map[string][]string, groups []int64, services []string, alertGroups []groupKey) error {
	if b.tx.db.dialect == DialectSQLite {
		return b.prefetchOpenSQLite(ctx, keys)
	}
	if len(keys) == 0 {
		return b.lockGroups(ctx, groups)
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
	return b.tx.pipe().send(ctx, append(stmts, b.groupLookups(alertGroups)...)...)
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

func (b *intakeBatch) prefetchOpenSQLite(ctx context.Context, keys map[string][]string) error {
	for integ, list := range keys {
		if len(list) < 2 {
			continue // the lookup per alert is as cheap
		}
		js, err := json.Marshal(list)
		if err != nil {
			return err
		}
		s := b.tx.stmt(ctx, prefetchSQLiteSQL)
		if s == nil {
			return nil // not prepared (yet): look up per alert
		}
		ref, err := b.tx.db.integrationRef(ctx, b.tx, integ)
		if err != nil {
			return err
		}
		rows, err := s.QueryContext(ctx, string(js), ref)
		if err != nil {
			return err
		}
		for _, k := range list {
			b.open[alertKey{integ, k}] = nil
		}
		for rows.Next() {
			a, key := &openAlert{}, ""
			if err := rows.Scan(&a.id, &a.status, &a.incident, &key); err != nil {
				rows.Close()
				return err
			}
			b.open[alertKey{integ, key}] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// openAlert returns the open alert of an integration with a dedup key,
// locked; nil when there is none.
func (b *intakeBatch) openAlert(ctx context.Context, integration, key string) (*openAlert, error) {
	if a, ok := b.open[alertKey{integration, key}]; ok {
		return a, nil
	}
	return findOpenAlert(ctx, b.tx, integration, key)
}

// setOpen records what this batch did to an open alert (nil: resolved),
// so that later lookups ahead stay true.
func (b *intakeBatch) setOpen(integration, key string, a *openAlert) {
	k := alertKey{integration, key}
	if _, ok := b.open[k]; ok {
		b.open[k] = a
	}
}
