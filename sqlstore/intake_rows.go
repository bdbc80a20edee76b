package sqlstore

// New alert rows of an intake batch: ids taken ahead, rows inserted
// together at the flush (docs/adr/0035).

import (
	"context"
	"database/sql"

	"github.com/fireline-dev/fireline"
)

// addAlert gives row, made from p, an id and queues it for flushAlerts;
// incident is the incident it is attached to (0: none). The returned
// entry is the row as an open alert (nil when the row is resolved already).
func (b *intakeBatch) addAlert(ctx context.Context, row *fireline.Alert, restricted bool, incident int64, p *preparedAlert) (*openAlert, error) {
	id, err := b.dialect.alertID(ctx, b)
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

// flushAlerts inserts the pending alert rows (intakeDialect.insertAlerts);
// a change to one of them from then on is a statement of its own.
func (b *intakeBatch) flushAlerts(ctx context.Context) error {
	if len(b.pending) == 0 {
		return nil
	}
	if err := b.dialect.insertAlerts(ctx, b); err != nil {
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
