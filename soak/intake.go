package soak

import (
	"context"
	"fmt"
	"time"
)

// senders is how many clients post alerts at once.
const senders = 16

// killIntake is C1 on one process: alerts are posted by concurrent
// senders while the server is killed with SIGKILL and restarted on the
// same database, again and again; afterwards every alert of every
// request answered 200 is stored, none twice, and nothing that was never
// sent. On SQLite always; on PostgreSQL too when one is at hand.
func killIntake(ctx context.Context, r *run, res *Result) {
	f, err := r.newFixture("intake-sqlite", "")
	if err != nil {
		res.fail("%v", err)
		return
	}
	killUnderLoad(ctx, r, f, res, "sqlite: ")
	f.close()
	pf, why, err := r.postgresFixture(ctx, "intake")
	switch {
	case err != nil:
		res.fail("postgresql: %v", err)
	case pf == nil:
		res.count("postgresql: not run (%s)", why)
	default:
		killUnderLoad(ctx, r, pf, res, "postgresql: ")
		pf.close()
	}
}

// killUnderLoad runs the kills against one fixture's database.
func killUnderLoad(ctx context.Context, r *run, f *fixture, res *Result, label string) {
	p, err := r.serve(ctx, f)
	if err != nil {
		res.fail("%s%v", label, err)
		return
	}
	name, key, err := alertmanagerIntegration(ctx, p, "soak-storm")
	if err != nil {
		res.fail("%s%v", label, err)
		return
	}
	load := startLoad(p.URL, key, senders)
	var slowest time.Duration
	for i := range r.size.intakeKills {
		load.waitAcked(r.size.ackedPerKill, r.size.killEvery)
		p.kill()
		r.logf("%skill %d of %d after %d acknowledged requests", label, i+1, r.size.intakeKills, load.acked.Load())
		start := time.Now()
		if err := p.start(ctx); err != nil {
			res.fail("%srestart after kill %d: %v", label, i+1, err)
			load.stop()
			return
		}
		slowest = max(slowest, time.Since(start))
	}
	load.waitAcked(r.size.ackedPerKill, r.size.killEvery)
	load.stop()
	v, err := load.check(ctx, admin(p), name)
	if err != nil {
		res.fail("%sreading the alerts back: %v", label, err)
		return
	}
	v.judge(res, fmt.Sprintf("%s%d kills, ", label, r.size.intakeKills))
	r.logf("%sthe alerts are in %d incident(s)", label, len(v.incidents))
	r.logf("%s%d alerts indeterminate (no answer or not 200); the slowest restart took %s to be ready", label, v.indeterminate, slowest.Round(10*time.Millisecond))
}
