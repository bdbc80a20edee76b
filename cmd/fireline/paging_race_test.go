package main

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestAckRacesDueStep acknowledges incidents while their secondary step
// falls due: a page is sent only for a step recorded before the
// acknowledgement; after it commits, only the step telling the
// escalation audience (the Engineering Lead, by escalate-by) runs, as a
// notification.
func TestAckRacesDueStep(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		const n = 12
		ids := make([]string, n)
		for i := range ids {
			ids[i] = p.declare(t, tok, fireline.P2)
		}
		p.advance(t, 0)
		p.clock.Advance(time.Hour) // every secondary step is due now
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := p.paging.runner.RunDue(context.Background(), p.clock.Now()); err != nil {
				t.Error(err)
			}
		})
		for _, id := range ids {
			wg.Go(func() { p.cli(t, tok, "incident", "ack", id) })
		}
		wg.Wait()
		p.advance(t, 4*time.Hour)
		for _, id := range ids {
			var log struct{ Events []*fireline.Event }
			p.cliJSON(t, tok, &log, "incident", "log", id)
			ackSeq, stepSeq, steps := int64(0), map[int]int64{}, map[int]fireline.EscalationStepData{}
			for _, e := range log.Events {
				switch e.Type {
				case fireline.EventAcknowledged:
					ackSeq = e.Seq
				case fireline.EventEscalationStep:
					var d fireline.EscalationStepData
					json.Unmarshal(e.Data, &d)
					stepSeq[d.Step], steps[d.Step] = e.Seq, d
				}
			}
			if ackSeq == 0 {
				t.Fatalf("%s was not acknowledged", id)
			}
			for step, seq := range stepSeq {
				if d := steps[step]; step > 0 && seq > ackSeq && !(d.Escalates && d.Notify) {
					t.Errorf("%s: step %d was decided after the acknowledgement (seq %d > %d): %+v", id, step, seq, ackSeq, d)
				}
			}
			if d, ok := steps[3]; !ok || !d.Notify || d.Recipients[0].Person != "casey" {
				t.Errorf("%s: the Engineering Lead was not told after the acknowledgement: %+v", id, d)
			}
			if _, ok := stepSeq[2]; ok {
				t.Errorf("%s: the walk went on past the acknowledgement", id)
			}
		}
	})
}

// TestWatchdog repairs a lost walk and leaves a finished one alone: an
// open unacknowledged incident whose pending jobs were lost is counted
// and given the rest of its walk (not paged again from the start); one
// whose walk ended unanswered is not paged again, however long it stays
// open.
func TestWatchdog(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		if err := p.paging.engine.StartPeriodic(context.Background()); err != nil {
			t.Fatal(err)
		}
		lost := p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		// Lose the incident's pending work, as a buggy release or a manual
		// edit might.
		if _, err := p.db.Writer().Exec("UPDATE jobs SET state = 'cancelled' WHERE state = 'pending' AND group_key = 'incident:1'"); err != nil {
			t.Fatal(err)
		}
		p.advance(t, time.Minute)
		if got := p.paging.engine.Metrics.Unwatched(); got != 1 {
			t.Fatalf("watchdog saw %d unwatched incidents, want 1", got)
		}
		p.expectPaged(t, "repaired: the primary is not paged again", map[string]int{primary: 1})
		p.advance(t, time.Minute)
		if got := p.paging.engine.Metrics.Unwatched(); got != 0 {
			t.Fatalf("still unwatched after the repair: %d", got)
		}
		p.advance(t, time.Hour-2*time.Minute)
		p.expectPaged(t, "the repaired walk pages the secondary at respond-by", map[string]int{primary: 1, secondary: 1})
		// The walk and its repeat run to their end: unanswered.
		p.advance(t, 2*time.Hour)
		want := map[string]int{primary: 3, secondary: 3, "mail:oncall@berrys.ai": 2, "casey": 2}
		p.expectPaged(t, "the walk and its repeat", want)
		var inc fireline.Incident
		p.cliJSON(t, tok, &inc, "incident", "show", lost)
		if inc.UnansweredAt == nil {
			t.Fatal("the walk ended but the incident is not unanswered")
		}
		// Hours later, with nothing left pending, the watchdog still
		// leaves the finished walk alone. (The repaired clock marks ran:
		// the resolve clock's breach at 8h paged the Director.)
		p.advance(t, 10*time.Hour)
		want["devon"] = 1
		p.expectPaged(t, "a finished walk is not repaired", want)
		if got := p.paging.engine.Metrics.Unwatched(); got != 0 {
			t.Fatalf("the watchdog counts a finished walk as lost: %d", got)
		}
		if n := p.jobs(t, "SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND group_key = 'incident:1'"); n != 0 {
			t.Fatalf("%d jobs still pending for the finished walk", n)
		}
	})
}

// jobs runs a counting query on the jobs table.
func (p *pagingServer) jobs(t *testing.T, q string) int {
	t.Helper()
	var n int
	if err := p.db.Reader().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
