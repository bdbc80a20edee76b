package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Planner statistics (docs/adr/0054). PostgreSQL chooses plans on
// statistics: without them it guesses, and an open-incident list or a
// common-word search read far more rows than their page (22 and 33 ms
// until ANALYZE, 1.3 and 1.5 ms after, at 50,000 incidents). Autovacuum
// gathers them when it runs, but it may be off, and a new index or an
// upgraded database has none. So the store analyzes Fireline's tables
// after migrating, and RefreshStatistics, which a periodic job runs,
// analyzes those changed much since: by a fifth of their rows and at
// least 1,000 (autovacuum's own rule is a tenth, so with autovacuum on it
// rarely finds work).
//
// SQLite is left without statistics, as every test runs it: the few plans
// that must stop at their page are named (INDEXED BY), and statistics
// would change others that nobody has measured with them.
const (
	analyzeShare = 0.2
	analyzeMin   = 1000
)

// analyzeAfterMigrating gathers statistics for every table of Fireline's
// schema that holds rows, after migrations ran (PostgreSQL). An empty
// table is left as it is: statistics saying "empty" would only have the
// planner scan it while it is small, which its defaults do not.
func (db *DB) analyzeAfterMigrating(ctx context.Context) error {
	if db.dialect != DialectPostgres {
		return nil
	}
	tables, err := db.pgTables(ctx, false)
	if err != nil {
		return err
	}
	var full []string
	for _, t := range tables {
		var rows bool
		if err := db.read.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+quoteIdent(t)+")").Scan(&rows); err != nil {
			return err
		}
		if rows {
			full = append(full, t)
		}
	}
	return db.analyze(ctx, full)
}

// RefreshStatistics analyzes the tables that changed much since their
// statistics were gathered, and returns their names (PostgreSQL; none on
// SQLite). It first folds in the incident count changes gathered
// (counts.go), which reads of the counts otherwise fold only once there
// are many: where nobody reads them, they would pile up.
func (db *DB) RefreshStatistics(ctx context.Context) ([]string, error) {
	if db.dialect != DialectPostgres {
		return nil, nil
	}
	fold := func(tx *Tx) error { return firstError(foldCounts(ctx, tx), foldReportDays(ctx, tx)) }
	if err := db.writeTx(ctx, "fold incident counts and report sums", fold); err != nil {
		return nil, err
	}
	tables, err := db.pgTables(ctx, true)
	if err != nil {
		return nil, db.dbError("statistics", err)
	}
	if err := db.analyze(ctx, tables); err != nil {
		return nil, db.dbError("statistics", err)
	}
	return tables, nil
}

func (db *DB) analyze(ctx context.Context, tables []string) error {
	for _, t := range tables {
		if _, err := db.write.ExecContext(ctx, "ANALYZE "+quoteIdent(t)); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// pgTables lists the tables of Fireline's schema; with stale, only those
// never analyzed that have rows, or changed by analyzeShare of their rows
// and analyzeMin since last analyzed.
func (db *DB) pgTables(ctx context.Context, stale bool) ([]string, error) {
	q := "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()"
	if stale {
		q += ` AND (n_mod_since_analyze > ` + strconv.FormatFloat(analyzeShare, 'f', -1, 64) + ` * n_live_tup + ` + strconv.Itoa(analyzeMin) + `
			OR (last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup + n_mod_since_analyze > 0))`
	}
	rows, err := db.read.QueryContext(ctx, q+" ORDER BY relname")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}

// quoteIdent quotes a table's name.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
