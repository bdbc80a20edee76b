package sqlstore_test

import (
	"os"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// forEachDatabaseB runs a sub-benchmark per available database.
func forEachDatabaseB(b *testing.B, fn func(b *testing.B, dsn string)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, firelinetest.SQLiteDSN(b)) })
	if os.Getenv(firelinetest.PostgresEnv) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, firelinetest.PostgresDSN(b)) })
	}
}

func BenchmarkDeclare(b *testing.B) {
	forEachDatabaseB(b, func(b *testing.B, dsn string) {
		e := newEnv(b, dsn)
		in := fireline.DeclareInput{Title: "Checkout errors", Severity: fireline.P2, Services: []string{"api-gateway"}}
		ctx := as(alex)
		for b.Loop() {
			if _, err := e.incidents.DeclareIncident(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkTimelineAppend(b *testing.B) {
	forEachDatabaseB(b, func(b *testing.B, dsn string) {
		e := newEnv(b, dsn)
		id := e.declare(b, alex, fireline.DeclareInput{}).ID
		note := fireline.Action{Kind: fireline.ActAddNote, Text: "still looking"}
		ctx := as(alex)
		for b.Loop() {
			if _, err := e.incidents.Act(ctx, id, note); err != nil {
				b.Fatal(err)
			}
		}
	})
}
