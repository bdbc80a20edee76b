package sqlstore

import (
	"context"
	"fmt"
)

// incidentFlushPostgresSQL writes what a batch changed of one incident on
// PostgreSQL in one round trip (docs/adr/0046): its buffered events (one
// array per column), its alert_groups row when the last argument is true,
// and its row (the whole row, or only the columns no index holds, as
// writeIncident does). Data-modifying WITH clauses always run, and each
// writes a different table.
func incidentFlushPostgresSQL(unindexed bool) string {
	update := updateIncidentSQL
	if unindexed {
		update = updateIncidentUnindexedSQL
	}
	return `WITH appended AS (
		INSERT INTO events (incident_number, seq, at, actor, type, data, prev_hash, hash)
		SELECT ?::bigint, * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
	), grouped AS (
		UPDATE alert_groups SET open_alerts = ?, last_alert_at = ? WHERE incident_number = ? AND ?::boolean
	) ` + update
}

var (
	incidentFlushPostgres          = incidentFlushPostgresSQL(false)
	incidentFlushPostgresUnindexed = incidentFlushPostgresSQL(true)
)

// flushIncidentPostgres writes incident n's buffered events, its row and
// its alert_groups row, if changed, in one statement, queued to go with
// the transaction's next round trip (intake_postgres_pipe.go).
func (b *intakeBatch) flushIncidentPostgres(ctx context.Context, n int64) error {
	inc := b.incidents[n]
	events := b.events[n]
	k := len(events)
	seqs, ats := make([]int64, k), make([]int64, k)
	actors, types, data, prev, hashes := make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([]string, k)
	for i, e := range events {
		seqs[i], ats[i], actors[i], types[i] = e.Seq, micros(e.At), e.Actor, string(e.Type)
		data[i], prev[i], hashes[i] = string(e.Data), e.PrevHash, e.Hash
	}
	g := b.groups[n]
	writeGroup := g != nil && g.dirty
	var open, lastAlertAt int64
	if writeGroup {
		open, lastAlertAt = g.open, g.lastAlertAt
	}
	now := indexedOf(inc)
	was, known := b.stored[n]
	unindexed := known && was == now
	row, err := incidentUpdateArgs(inc, unindexed)
	if err != nil {
		return err
	}
	q := incidentFlushPostgres
	if unindexed {
		q = incidentFlushPostgresUnindexed
	}
	args := append([]any{n, seqs, ats, actors, types, data, prev, hashes, open, lastAlertAt, n, writeGroup}, row...)
	id := inc.ID
	err = b.tx.execLater(ctx, q, func(rows int64) error {
		if rows != 1 {
			return fmt.Errorf("write %s with %d events: %d rows affected", id, k, rows)
		}
		return nil
	}, args...)
	if err != nil {
		return fmt.Errorf("write %s with %d events: %w", id, k, err)
	}
	if k > 0 {
		b.tx.touch(n)
	}
	if writeGroup {
		g.dirty = false
	}
	delete(b.events, n)
	b.stored[n] = now
	return nil
}
