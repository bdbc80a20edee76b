package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// start is a Monday morning inside the default guide's business hours
// (10:00 in New York).
var start = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

// Actors used across the tests.
var (
	admin     = fireline.Actor{TokenID: "t-admin", Role: fireline.RoleAdmin, PersonID: "kai"}
	alex      = fireline.Actor{TokenID: "t-alex", Role: fireline.RoleResponder, PersonID: "alex"}
	blake     = fireline.Actor{TokenID: "t-blake", Role: fireline.RoleViewer, PersonID: "blake"}
	ingest    = fireline.Actor{TokenID: "t-ingest", Role: fireline.RoleResponder, Automation: "alertmanager"}
	noContext = context.Background()
)

// quiet drops the store's log lines, which tests check through errors.
var quiet = slog.New(slog.DiscardHandler)

func as(a fireline.Actor) context.Context {
	return fireline.NewContextWithActor(context.Background(), a)
}

// env is one migrated store on a fresh database, with a manual clock.
type env struct {
	dsn       string
	db        *sqlstore.DB
	clock     *firelinetest.Clock
	incidents *sqlstore.IncidentService
	tokens    *sqlstore.TokenService
}

func newEnv(t testing.TB, dsn string) *env {
	t.Helper()
	return newEnvWith(t, dsn, sqlstore.Options{Planner: noWork})
}

// noWork is the planner of the store's own tests: no paging, as when no
// engine runs, so that timelines hold only what the test records.
func noWork(*fireline.Policy, *fireline.Incident, []fireline.Change, fireline.Actor, time.Time) (fireline.Work, error) {
	return fireline.Work{}, nil
}

// newEnvWith opens the database with opts (its clock and logger are the
// test's).
func newEnvWith(t testing.TB, dsn string, opts sqlstore.Options) *env {
	t.Helper()
	e := &env{dsn: dsn, clock: firelinetest.NewClock(start)}
	e.db = openDB(t, dsn, e.clock, opts)
	if err := e.db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	p := policy.Default()
	e.incidents = sqlstore.NewIncidentService(e.db, p)
	e.tokens = sqlstore.NewTokenService(e.db, p)
	return e
}

func openDB(t testing.TB, dsn string, clock *firelinetest.Clock, opts sqlstore.Options) *sqlstore.DB {
	t.Helper()
	opts.Now, opts.Logger = clock.Now, quiet
	db, err := sqlstore.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// raw opens the database directly, around the store, as an intruder or an
// operator with SQL access would.
func raw(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(dsn, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// integrationRef reads the ref an integration's alerts carry
// (docs/adr/0042).
func integrationRef(t testing.TB, dsn, id string) int64 {
	t.Helper()
	var ref int64
	if err := raw(t, dsn).QueryRow("SELECT ref FROM integrations WHERE id = '" + id + "'").Scan(&ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

func (e *env) declare(t testing.TB, a fireline.Actor, in fireline.DeclareInput) *fireline.Incident {
	t.Helper()
	if in.Severity == "" {
		in.Severity = fireline.P2
	}
	if in.Title == "" {
		in.Title = "Checkout errors"
	}
	inc, err := e.incidents.DeclareIncident(as(a), in)
	if err != nil {
		t.Fatalf("declare: %v", err)
	}
	return inc
}

func (e *env) act(t testing.TB, a fireline.Actor, id string, act fireline.Action) *fireline.Incident {
	t.Helper()
	inc, err := e.incidents.Act(as(a), id, act)
	if err != nil {
		t.Fatalf("%s %s: %v", act.Kind, id, err)
	}
	return inc
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := fireline.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func sameJSON(t testing.TB, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}
