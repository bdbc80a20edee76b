package sqlstore

import (
	"context"
	"os"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// BenchmarkBaselineCommit is the ceiling the incident benchmarks are read
// against: one durable write transaction inserting one small row, through
// the same writer path (WAL + synchronous=FULL on SQLite, the pool on
// PostgreSQL). Declare and timeline append are reported as multiples of it.
func BenchmarkBaselineCommit(b *testing.B) {
	dsns := map[string]func(testing.TB) string{"sqlite": firelinetest.SQLiteDSN}
	if os.Getenv(firelinetest.PostgresEnv) != "" {
		dsns["postgres"] = firelinetest.PostgresDSN
	}
	for name, dsn := range dsns {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db, err := Open(ctx, dsn(b), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			create := "CREATE TABLE bench_baseline (id BIGINT, body TEXT)"
			if err := db.writeTx(ctx, "baseline setup", func(tx *Tx) error { _, err := tx.exec(ctx, create); return err }); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				i++
				err := db.writeTx(ctx, "baseline", func(tx *Tx) error {
					_, err := tx.exec(ctx, "INSERT INTO bench_baseline (id, body) VALUES (?, ?)", i, "x")
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
