package sqlstore

// New alert rows of an intake batch: ids taken ahead, rows inserted
// together at the flush (docs/adr/0035).

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fireline-dev/fireline"
)

// maxAlertIDSQL finds the highest alert id (SQLite's rowid: the next row
// would take it plus one).
const maxAlertIDSQL = "SELECT COALESCE(MAX(id), 0) FROM alerts"

// addAlert gives row, made from p, an id and queues it for flushAlerts;
// incident is the incident it is attached to (0: none). The returned
// entry is the row as an open alert (nil when the row is resolved already).
func (b *intakeBatch) addAlert(ctx context.Context, row *fireline.Alert, restricted bool, incident int64, p *preparedAlert) (*openAlert, error) {
	id, err := b.alertID(ctx)
	if err != nil {
		return nil, err
	}
	ref, err := b.tx.db.integrationRef(ctx, b.tx, row.Integration)
	if err != nil {
		return nil, err
	}
	row.ID = id
	o := &openAlert{id: id, status: row.Status, incident: sql.NullInt64{Int64: incident, Valid: incident != 0}, pending: row}
	if row.ResolvedAt != nil {
		o = nil
	}
	b.pending = append(b.pending, pendingAlert{row: row, ref: ref, labels: p.labels, annotations: p.annotations, restricted: restricted, open: o})
	return o, nil
}

// alertID takes the next alert id. On SQLite the writer holds the
// database lock and intake is the only writer of alerts, so ids follow
// the highest one, looked up once per batch; on PostgreSQL, whose
// replicas write concurrently, they come from the table's sequence, as
// many at once as the batch has alerts.
func (b *intakeBatch) alertID(ctx context.Context) (int64, error) {
	if b.tx.db.dialect == DialectSQLite {
		if b.nextID == 0 {
			var highest int64
			if err := b.tx.queryRowCached(ctx, maxAlertIDSQL).Scan(&highest); err != nil {
				return 0, err
			}
			b.nextID = highest + 1
		}
		b.nextID++
		return b.nextID - 1, nil
	}
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

// flushAlerts inserts the pending alert rows in as few statements as the
// chunk sizes allow.
func (b *intakeBatch) flushAlerts(ctx context.Context) error {
	if len(b.pending) == 0 {
		return nil
	}
	if b.tx.db.dialect == DialectPostgres {
		return b.flushAlertsPostgres(ctx)
	}
	rows := b.pending
	var args []any
	for len(rows) > 0 {
		k := 1
		for _, c := range alertInsertChunks {
			if c <= len(rows) {
				k = c
				break
			}
		}
		args = args[:0]
		for _, p := range rows[:k] {
			args = appendAlertArgs(args, p.row, p.ref, p.restricted, p.labels, p.annotations)
		}
		if _, err := b.tx.execCached(ctx, insertAlertsSQL[k], args...); err != nil {
			return err
		}
		for _, p := range rows[:k] {
			if p.open != nil {
				p.open.pending = nil
			}
		}
		rows = rows[k:]
	}
	b.pending = b.pending[:0]
	return nil
}

// insertAlertsPostgresSQL inserts any number of alert rows in one round
// trip: one array per column.
const insertAlertsPostgresSQL = "INSERT INTO alerts (" + alertInsertColumns + `)
	SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::boolean[], ?::boolean[], ?::bigint[],
		?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])`

// flushAlertsPostgres inserts the pending alert rows in one statement,
// queued for the transaction's next round trip.
func (b *intakeBatch) flushAlertsPostgres(ctx context.Context) error {
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
	for _, p := range b.pending {
		if p.open != nil {
			p.open.pending = nil
		}
	}
	b.pending = b.pending[:0]
	return nil
}

// nullable is v as an element of a PostgreSQL array argument.
func nullable(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}
