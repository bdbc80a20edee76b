package sqlstore

// PostgreSQL's intake transaction, pipelined (docs/adr/0060). Every
// statement of a transaction is a round trip to the server, and a group
// commit holds its alert groups' locks from its first statement to its
// last, so round trips are what limit intake on PostgreSQL, and what two
// replicas on one database wait for each other through. pgPipe runs the
// transaction on one connection and sends what needs no answer before the
// next statement with it: BEGIN with the batch's look-ahead, and the
// batch's writes with the notifications and COMMIT.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgPipe is a write transaction on one PostgreSQL connection whose BEGIN
// and queued writes go out with the next statement, in one pgx batch
// (pipelined: one round trip). It is a txConn: statements run through it
// by the store's shared helpers send what is queued first.
type pgPipe struct {
	conn   *sql.Conn
	begun  bool // BEGIN has been sent and succeeded
	done   bool // committed or rolled back
	queued []pipedStatement
	// err is a failure to send queued work ahead of a statement whose
	// answer (a *sql.Row) cannot carry it: the commit fails with it.
	err error
}

var _ txConn = (*pgPipe)(nil)

// pipedStatement is one statement of a pipeline, already in PostgreSQL's
// placeholders ($1). check, if set, sees its command tag; rows, if set,
// reads its rows.
type pipedStatement struct {
	query string
	args  []any
	check func(pgconn.CommandTag) error
	rows  func(pgx.Rows) error
}

// queue adds a write to go out with the next round trip.
func (p *pgPipe) queue(s pipedStatement) { p.queued = append(p.queued, s) }

// send sends, in one round trip, BEGIN if it has not gone yet, the queued
// writes, then stmts, and reads each answer in order. The first failure
// stops it: PostgreSQL skips the rest of a failed pipeline.
func (p *pgPipe) send(ctx context.Context, stmts ...pipedStatement) error {
	if p.err != nil {
		return p.err
	}
	all := append(p.queued, stmts...)
	p.queued = nil
	if p.begun && len(all) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	if !p.begun {
		b.Queue("BEGIN")
	}
	for _, s := range all {
		b.Queue(s.query, s.args...)
	}
	err := p.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("pipelined intake needs the pgx driver, not %T", dc)
		}
		br := c.Conn().SendBatch(ctx, b)
		return errors.Join(p.read(br, all), br.Close())
	})
	if err != nil {
		p.err = err
	}
	return err
}

// read reads a batch's answers: BEGIN's if it was sent, then stmts'.
func (p *pgPipe) read(br pgx.BatchResults, stmts []pipedStatement) error {
	if !p.begun {
		if _, err := br.Exec(); err != nil {
			return err
		}
		p.begun = true
	}
	for _, s := range stmts {
		if err := readOne(br, s); err != nil {
			return err
		}
	}
	return nil
}

func readOne(br pgx.BatchResults, s pipedStatement) error {
	if s.rows != nil {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		err = s.rows(rows)
		rows.Close()
		return errors.Join(err, rows.Err())
	}
	tag, err := br.Exec()
	if err == nil && s.check != nil {
		err = s.check(tag)
	}
	return err
}

// ExecContext runs a statement after what is queued, in the same round
// trip.
func (p *pgPipe) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if p.begun && len(p.queued) == 0 {
		return p.conn.ExecContext(ctx, query, args...)
	}
	var tag pgconn.CommandTag
	err := p.send(ctx, pipedStatement{query: query, args: args, check: func(t pgconn.CommandTag) error { tag = t; return nil }})
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// QueryContext sends what is queued, then runs the query.
func (p *pgPipe) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := p.send(ctx); err != nil {
		return nil, err
	}
	return p.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext sends what is queued, then runs the query. When sending
// fails, the row fails (with the cancelled context's error: a *sql.Row
// carries no other) and so does the commit, with the failure itself.
func (p *pgPipe) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := p.send(ctx); err != nil {
		failed, cancel := context.WithCancel(ctx)
		cancel()
		return p.conn.QueryRowContext(failed, query, args...)
	}
	return p.conn.QueryRowContext(ctx, query, args...)
}

// commit sends the queued writes, the notifications and COMMIT in one
// round trip.
func (p *pgPipe) commit(ctx context.Context, notify ...pipedStatement) error {
	stmts := append(notify, pipedStatement{query: "COMMIT", check: func(t pgconn.CommandTag) error {
		if t.String() != "COMMIT" { // an aborted transaction answers ROLLBACK
			return fmt.Errorf("commit: the transaction was rolled back (%s)", t)
		}
		return nil
	}})
	err := p.send(ctx, stmts...)
	if err == nil {
		p.done = true
	}
	return err
}

// close rolls back a transaction that did not commit and gives the
// connection back to the pool (which drops it if a transaction is still
// open on it).
func (p *pgPipe) close() {
	if p.begun && !p.done {
		p.conn.ExecContext(context.Background(), "ROLLBACK")
	}
	p.conn.Close()
}

// commitPipelined runs fn in a write transaction on a pgPipe and commits
// it when fn returns nil, as commitWrite does with a *sql.Tx.
func (db *DB) commitPipelined(ctx context.Context, op string, fn func(*Tx) error) error {
	failures := db.writeBegins() // writehealth.go
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return db.dbError(op, err)
	}
	p := &pgPipe{conn: conn}
	defer p.close()
	tx := &Tx{tx: p, db: db, now: db.frozenNow()}
	if err := fn(tx); err != nil {
		return db.dbError(op, err)
	}
	if err := p.commit(ctx, tx.notifyStatements()...); err != nil {
		return db.dbError(op, err)
	}
	db.writeCommitted(failures)
	tx.afterCommit()
	tx.publishTouched() // publish.go
	return nil
}

// pipe is the transaction's pgPipe; nil when it runs on a *sql.Tx.
func (tx *Tx) pipe() *pgPipe {
	p, _ := tx.tx.(*pgPipe)
	return p
}

// execLater runs a write whose answer nothing waits for: on a pipelined
// transaction it goes out with the next round trip (at the latest with
// COMMIT), elsewhere at once. check, if set, sees the rows it changed.
func (tx *Tx) execLater(ctx context.Context, query string, check func(rows int64) error, args ...any) error {
	p := tx.pipe()
	if p == nil {
		res, err := tx.execCached(ctx, query, args...)
		if err != nil || check == nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		return check(n)
	}
	s := pipedStatement{query: tx.db.rebind(query), args: args}
	if check != nil {
		s.check = func(t pgconn.CommandTag) error { return check(t.RowsAffected()) }
	}
	p.queue(s)
	return nil
}

// sendQueued sends a pipelined transaction's queued writes now, so that
// their failures are this caller's.
func (tx *Tx) sendQueued(ctx context.Context) error {
	if p := tx.pipe(); p != nil && len(p.queued) > 0 {
		return p.send(ctx)
	}
	return nil
}

// Fixed texts, so that pgx prepares them once per connection, whatever
// the incidents: notifySQL's statement names them in its text.
const (
	notifyIncidentsSQL = "SELECT count(pg_notify($1, n::text)) FROM unnest($2::bigint[]) AS n"
	notifyJobsSQL      = "SELECT pg_notify($1, '')"
)

// notifyStatements are notifyTouched's notifications as pipelined
// statements.
func (tx *Tx) notifyStatements() []pipedStatement {
	var stmts []pipedStatement
	if len(tx.touched) > 0 {
		numbers := make([]int64, 0, len(tx.touched))
		for n := range tx.touched {
			numbers = append(numbers, n)
		}
		stmts = append(stmts, pipedStatement{query: notifyIncidentsSQL, args: []any{tx.db.changesChannel, numbers}})
	}
	if tx.notifyJobs {
		stmts = append(stmts, pipedStatement{query: notifyJobsSQL, args: []any{tx.db.jobsChannel}})
	}
	return stmts
}
