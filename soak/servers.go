package soak

import (
	"context"
	"fmt"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// fixture is what most scenarios start with: a webhook receiver, the
// soak's policy paging it, and the database the servers use.
type fixture struct {
	dir, db, policy string
	rc              *receiver
	procs           []*proc
	cleanups        []func()
}

// newFixture makes a receiver and a policy in a new directory; db is the
// database URL, or "" for a SQLite file in that directory.
func (r *run) newFixture(name, db string) (*fixture, error) {
	f := &fixture{dir: r.tempDir(name), db: db}
	if f.db == "" {
		f.db = f.dir + "/fireline.db"
	}
	rc, err := newReceiver()
	if err != nil {
		return nil, err
	}
	f.rc = rc
	f.cleanups = append(f.cleanups, rc.close)
	if f.policy, err = writePolicy(f.dir, rc.URL); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// postgresFixture is newFixture on a new database of the run's
// PostgreSQL; it returns "" and why when there is none.
func (r *run) postgresFixture(ctx context.Context, name string) (*fixture, string, error) {
	server, why := r.postgresServer(ctx)
	if server == "" {
		return nil, why, nil
	}
	dsn, drop, err := createDatabase(ctx, server, name)
	if err != nil {
		return nil, "", err
	}
	f, err := r.newFixture(name, dsn)
	if err != nil {
		drop()
		return nil, "", err
	}
	f.cleanups = append(f.cleanups, drop)
	return f, "", nil
}

// serve starts one more `fireline serve` on the fixture's database, in a
// directory of its own.
func (r *run) serve(ctx context.Context, f *fixture) (*proc, error) {
	dir := f.dir
	if len(f.procs) > 0 {
		dir = r.tempDir(fmt.Sprintf("replica-%d", len(f.procs)+1))
	}
	p, err := startServe(ctx, r.cfg.Binary, dir, serverEnv(f.db, f.policy))
	if err != nil {
		return nil, err
	}
	f.procs = append(f.procs, p)
	return p, nil
}

// close stops the servers first (they use the database), then the rest,
// last made first.
func (f *fixture) close() {
	for _, p := range f.procs {
		p.stop()
	}
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// admin is the API client with the bootstrap admin token.
func admin(p *proc) *web.Client { return web.NewClient(p.URL, adminToken) }

// alertmanagerIntegration creates an Alertmanager integration for the
// API gateway and returns its name and key.
func alertmanagerIntegration(ctx context.Context, p *proc, name string) (string, string, error) {
	in, err := admin(p).CreateIntegration(ctx, fireline.IntegrationInput{Name: name, Type: fireline.IntegrationAlertmanager, Service: "api-gateway"})
	if err != nil {
		return "", "", err
	}
	return in.Name, in.Key, nil
}
