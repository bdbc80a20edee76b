package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fireline-dev/fireline"
)

// Live updates (docs/adr/0031-live-updates.md, 0033-generic-publishing.md).
//
// Every timeline event goes through insertEvent, which records its
// incident on the transaction. The write-transaction wrapper (inTx) then,
// on PostgreSQL, sends pg_notify(<channel>, '<number>') for each touched
// incident just before the commit (delivered only if it commits), and after
// a successful commit hands the touched numbers to the DB's relay. The
// relay reads those incidents as committed and publishes each one whose
// newest event it has not published yet. On PostgreSQL the relay also
// LISTENs on a connection of its own, so that commits of other replicas
// reach this replica's publisher through the same path; its own commits
// arrive twice and are published once.

// changesChannel is the NOTIFY channel of incident changes on the public
// schema; other schemas get a channel of their own (changesChannelFor).
const changesChannel = "fireline_changes"

// maxTracked bounds the relay's memory of what it published.
const maxTracked = 10000

// relay reads touched incidents after their commit and publishes them.
type relay struct {
	db      *DB
	pub     fireline.EventPublisher
	wake    chan struct{}
	mu      sync.Mutex
	pending map[int64]struct{}
	refresh bool
	last    map[int64]int64 // the newest seq published per incident
	stop    context.CancelFunc
	done    sync.WaitGroup
}

// startRelay makes the store tell p (Options.Publisher) about every
// committed change to an incident's timeline, by any writer (incidents,
// alert intake, paging), shortly after the commit and never for a
// rolled-back one; on PostgreSQL also about the commits of other replicas
// on the same schema. Publish is called from one goroutine of the
// store's; Close stops it.
func (db *DB) startRelay(p fireline.EventPublisher) {
	if p == nil || db.changes != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &relay{db: db, pub: p, wake: make(chan struct{}, 1), pending: map[int64]struct{}{},
		last: map[int64]int64{}, stop: cancel}
	db.changes = r
	r.done.Add(1)
	go func() { defer r.done.Done(); r.run(ctx) }()
	if db.dialect == DialectPostgres && db.pgDSN != "" {
		r.done.Add(1)
		go func() { defer r.done.Done(); r.listen(ctx) }()
	}
}

// closeRelay stops the relay and waits for its goroutines.
func (db *DB) closeRelay() {
	if db.changes != nil {
		db.changes.stop()
		db.changes.done.Wait()
	}
}

// touch records, in insertEvent, that the transaction appended an event
// to incident n.
func (tx *Tx) touch(n int64) {
	if tx.touched == nil {
		tx.touched = map[int64]struct{}{}
	}
	tx.touched[n] = struct{}{}
}

// notifyTouched sends, on PostgreSQL, one notification per touched
// incident, and the jobs notification when the transaction enqueued jobs,
// inside the transaction about to commit, in one statement: PostgreSQL
// delivers them at commit and drops them on rollback.
func (tx *Tx) notifyTouched(ctx context.Context) error {
	q := tx.notifySQL()
	if q == "" {
		return nil
	}
	_, err := tx.exec(ctx, q)
	return err
}

// notifySQL is notifyTouched's statement; "" when there is nothing to
// send (always on SQLite).
func (tx *Tx) notifySQL() string {
	if tx.db.dialect != DialectPostgres || (len(tx.touched) == 0 && !tx.notifyJobs) {
		return ""
	}
	parts := make([]string, 0, len(tx.touched)+1)
	for n := range tx.touched {
		parts = append(parts, "pg_notify('"+tx.db.changesChannel+"', '"+strconv.FormatInt(n, 10)+"')")
	}
	if tx.notifyJobs {
		parts = append(parts, "pg_notify('"+tx.db.jobsChannel+"', '')")
	}
	return "SELECT " + strings.Join(parts, ", ")
}

// publishTouched hands a committed transaction's incidents to the relay.
func (tx *Tx) publishTouched() {
	if r := tx.db.changes; r != nil && len(tx.touched) > 0 {
		r.add(tx.touched, false)
	}
}

// add queues incidents (and a full refresh) without blocking.
func (r *relay) add(numbers map[int64]struct{}, refresh bool) {
	r.mu.Lock()
	for n := range numbers {
		r.pending[n] = struct{}{}
	}
	r.refresh = r.refresh || refresh
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *relay) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		r.mu.Lock()
		pending, refresh := r.pending, r.refresh
		r.pending, r.refresh = map[int64]struct{}{}, false
		r.mu.Unlock()
		if refresh {
			r.pub.Publish(fireline.IncidentChange{Refresh: true})
		}
		if len(pending) > 0 {
			r.publish(ctx, pending)
		}
		// Commits of the next moment are published together: in a storm
		// an incident changes with every group commit, and reading it
		// back each time cost intake a tenth of its CPU, for updates no
		// one can tell apart at this pace.
		select {
		case <-ctx.Done():
			return
		case <-time.After(relayCoalesce):
		}
	}
}

// relayCoalesce is the least time between two reads of changed incidents.
const relayCoalesce = 20 * time.Millisecond

// publish reads the incidents as committed and publishes those with an
// event the relay has not published yet.
func (r *relay) publish(ctx context.Context, numbers map[int64]struct{}) {
	args := make([]any, 0, len(numbers))
	for n := range numbers {
		args = append(args, n)
	}
	var incs []*fireline.Incident
	err := r.db.readTx(ctx, "publish", func(tx *Tx) error {
		rows, err := tx.query(ctx, selectIncident+" WHERE i.number IN ("+placeholders(len(args))+") ORDER BY i.number", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			inc, err := scanIncident(rows)
			if err != nil {
				return err
			}
			incs = append(incs, finish(inc, tx.now))
		}
		return rows.Err()
	})
	if err != nil {
		if ctx.Err() == nil {
			r.db.logger.Warn("live: read changed incidents", "err", err)
			r.pub.Publish(fireline.IncidentChange{Refresh: true})
		}
		return
	}
	if len(r.last) > maxTracked {
		clear(r.last) // at worst one change is published twice
	}
	for _, inc := range incs {
		if r.last[inc.Number] >= inc.EventCount {
			continue
		}
		r.last[inc.Number] = inc.EventCount
		r.pub.Publish(fireline.IncidentChange{Incident: inc, Seq: inc.EventCount})
	}
}

// listen relays the notifications of every replica's commits into this
// one's publisher, on a connection of its own. After losing the
// connection it reconnects with backoff (250 ms doubling to 30 s) and then
// publishes a full refresh, since notifications sent meanwhile are lost.
func (r *relay) listen(ctx context.Context) {
	backoff, failed := 250*time.Millisecond, false
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, func() {
			backoff = 250 * time.Millisecond
			if failed {
				r.add(nil, true)
				failed = false
			}
		})
		if ctx.Err() != nil {
			return
		}
		failed = true
		r.db.logger.Warn("live: listen", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (r *relay) listenOnce(ctx context.Context, connected func()) error {
	conn, err := pgx.Connect(ctx, r.db.pgDSN)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{r.db.changesChannel}.Sanitize()); err != nil {
		return err
	}
	connected()
	for {
		nt, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(nt.Payload, 10, 64)
		if err != nil {
			continue
		}
		r.add(map[int64]struct{}{n: {}}, false)
	}
}

// changesChannelFor names the NOTIFY channel of a schema: replicas share
// it only when they share the schema, so that deployments (or tests) in
// different schemas of one database do not hear each other.
func changesChannelFor(schema string) string { return channelFor(changesChannel, schema) }

// channelFor names a NOTIFY channel of a schema: base itself on the
// public schema, base and a hash of the schema's name elsewhere.
func channelFor(base, schema string) string {
	if schema == "" || schema == "public" {
		return base
	}
	sum := sha256.Sum256([]byte(schema))
	return base + "_" + hex.EncodeToString(sum[:6])
}
