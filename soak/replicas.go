package soak

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fireline-dev/fireline"
)

// killGap is the time between two kills of a replica.
const killGap = 2 * time.Second

// replicaWalks is E2 with real processes: two replicas share a new
// database on PostgreSQL, P2 incidents are declared through both while
// one replica or the other is killed with SIGKILL and restarted, again
// and again, during the incidents' escalation walks. Each walk must
// reach its end, each step be recorded once, and each page arrive at the
// receiver under one message id.
func replicaWalks(ctx context.Context, r *run, res *Result) {
	f, why, err := r.postgresFixture(ctx, "replicas")
	switch {
	case err != nil:
		res.fail("%v", err)
		return
	case f == nil:
		res.Skipped = why
		return
	}
	defer f.close()
	var procs []*proc
	for range 2 {
		p, err := r.serve(ctx, f)
		if err != nil {
			res.fail("%v", err)
			return
		}
		procs = append(procs, p)
	}
	var wg sync.WaitGroup
	wg.Go(func() { killReplicas(ctx, r, procs, res) })
	declared := declareSpread(ctx, procs, r.size.walks, time.Duration(r.size.replicaKills)*killGap*2/3)
	wg.Wait()
	for _, p := range procs {
		if !p.alive() {
			res.fail("a replica is down after the kills")
			return
		}
	}
	v, err := awaitWalks(ctx, procs[0], f.rc)
	if err != nil {
		res.fail("%v", err)
		return
	}
	v.judge(res)
	f.rc.judgeSignatures(res)
	res.count("%d declared, %d kills", declared, r.size.replicaKills)
}

// killReplicas kills the replicas in turn, each restarted at once.
func killReplicas(ctx context.Context, r *run, procs []*proc, res *Result) {
	for k := range r.size.replicaKills {
		time.Sleep(killGap)
		p := procs[k%len(procs)]
		p.kill()
		if err := p.start(ctx); err != nil {
			res.fail("restarting replica %d after kill %d: %v", k%len(procs)+1, k+1, err)
			return
		}
	}
	r.logf("%d kills done", r.size.replicaKills)
}

// declareSpread declares n P2 incidents evenly over the window, through
// the replicas in turn (the other one when a request fails), and returns
// how many were answered.
func declareSpread(ctx context.Context, procs []*proc, n int, window time.Duration) int {
	ok := 0
	for i := range n {
		for try := 0; try < 20; try++ {
			p := procs[(i+try)%len(procs)]
			_, err := admin(p).DeclareIncident(ctx, fireline.DeclareInput{Title: fmt.Sprintf("%s %d", walkTitle, i), Severity: fireline.P2, Services: []string{"api-gateway"}})
			if err == nil {
				ok++
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(window / time.Duration(n))
	}
	return ok
}

// awaitWalks waits (up to a minute) until every walk reached its end and
// the pages stopped coming, then checks them.
func awaitWalks(ctx context.Context, p *proc, rc *receiver) (walkCheck, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, err := checkWalks(ctx, admin(p), rc.attempts())
		if err != nil || (v.unfinished == 0 && len(v.problems) == 0) || time.Now().After(deadline) {
			if err == nil {
				// Let deliveries in flight land, then judge them all.
				time.Sleep(2 * time.Second)
				v, err = checkWalks(ctx, admin(p), rc.attempts())
			}
			return v, err
		}
		time.Sleep(500 * time.Millisecond)
	}
}
