package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements for the hot paths (docs/adr/0013-intake-throughput.md).
//
// modernc.org/sqlite parses and plans a statement every time one is run
// without a prepared handle, which cost a quarter of intake's CPU. On
// SQLite the hot statements (intake's, and the timeline's insertEvent and
// updateIncident) are therefore prepared once per DB, outside any
// transaction, and bound to each write transaction with Tx.StmtContext,
// which reuses the handle already prepared on the writer connection.
// PostgreSQL needs none of this: pgx keeps a prepared-statement cache per
// connection. A statement not prepared runs as before, unprepared.

// stmtCache is a DB's set of prepared statements, by query text.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepareStatements prepares queries on the writer, for the hot paths'
// transactions to use, and reports whether all are. It must run outside
// any transaction: the SQLite writer pool has one connection, which a
// transaction holds. A query that cannot be prepared (yet: before the
// migrations, say) is left out and runs unprepared.
func (db *DB) prepareStatements(ctx context.Context, queries ...string) bool {
	if db.dialect != DialectSQLite {
		return true
	}
	all := true
	for _, q := range queries {
		db.stmts.mu.Lock()
		_, ok := db.stmts.m[q]
		db.stmts.mu.Unlock()
		if ok {
			continue
		}
		// Not under the lock: preparing waits for the writer connection,
		// and a transaction holding it may be looking statements up.
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			db.logger.Debug("prepare statement", "query", q, "err", err)
			all = false
			continue
		}
		db.stmts.mu.Lock()
		if _, ok := db.stmts.m[q]; ok {
			s.Close()
		} else {
			if db.stmts.m == nil {
				db.stmts.m = map[string]*sql.Stmt{}
			}
			db.stmts.m[q] = s
		}
		db.stmts.mu.Unlock()
	}
	return all
}

// stmt returns query as a statement of this transaction, or nil when it
// has not been prepared (always on PostgreSQL).
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	sqlTx, ok := tx.tx.(*sql.Tx)
	if tx.db.dialect != DialectSQLite || !ok {
		return nil
	}
	if s, ok := tx.prepared[query]; ok {
		return s
	}
	tx.db.stmts.mu.Lock()
	p := tx.db.stmts.m[query]
	tx.db.stmts.mu.Unlock()
	if p == nil {
		return nil
	}
	// Bound to the transaction's connection, where it is prepared already
	// (or, after a reconnect, prepared again once).
	s := sqlTx.StmtContext(ctx, p)
	if tx.prepared == nil {
		tx.prepared = map[string]*sql.Stmt{}
	}
	tx.prepared[query] = s
	return s
}

// execCached is exec through a cached prepared statement. query must be a
// fixed text.
func (tx *Tx) execCached(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s := tx.stmt(ctx, query)
	if s == nil {
		return tx.exec(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

// queryRowCached is queryRow through a cached prepared statement.
func (tx *Tx) queryRowCached(ctx context.Context, query string, args ...any) rowScanner {
	s := tx.stmt(ctx, query)
	if s == nil {
		return tx.queryRow(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// rowScanner is a *sql.Row.
type rowScanner interface {
	Scan(dest ...any) error
}
