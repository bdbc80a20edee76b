package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // freshSchema's connection
)

// Prepare gives a bench its default database (a SQLite file in a new
// temporary directory) and starts the CPU profile when asked; the returned
// function undoes both.
func Prepare(dsns *[]string, cpuProfile string) (func(), error) {
	var undo []func()
	done := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if len(*dsns) == 0 {
		dir, err := os.MkdirTemp("", "fireline-bench-")
		if err != nil {
			return nil, err
		}
		undo = append(undo, func() { os.RemoveAll(dir) })
		*dsns = []string{filepath.Join(dir, "bench.db")}
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			done()
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			done()
			return nil, err
		}
		undo = append(undo, func() { pprof.StopCPUProfile(); f.Close() })
	}
	return done, nil
}

// isPostgres says whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool { return strings.HasPrefix(dsn, "postgres") }

// benchDatabase names the database a bench measures (sqlite or postgres)
// and gives the DSN to measure: on PostgreSQL a fresh schema, dropped by
// the returned function (a no-op on SQLite).
func benchDatabase(ctx context.Context, dsn string) (name, use string, drop func(), err error) {
	if !isPostgres(dsn) {
		return "sqlite", dsn, func() {}, nil
	}
	fresh, drop, err := freshSchema(ctx, dsn)
	return "postgres", fresh, drop, err
}

// freshSchema makes an empty schema in the PostgreSQL database and returns
// a DSN that uses it, and a function that drops it.
func freshSchema(ctx context.Context, dsn string) (string, func(), error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	schema := "fl_bench_" + strings.ToLower(rand.Text()[:12])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	}, nil
}
