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
// acknowledgement; none is decided after it commits.
func TestAckRacesDueStep(t *testing.T) {
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
			ackSeq, stepSeq := int64(0), map[int]int64{}
			for _, e := range log.Events {
				switch e.Type {
				case fireline.EventAcknowledged:
					ackSeq = e.Seq
				case fireline.EventEscalationStep:
					var d fireline.EscalationStepData
					json.Unmarshal(e.Data, &d)
					stepSeq[d.Step] = e.Seq
				}
			}
			if ackSeq == 0 {
				t.Fatalf("%s was not acknowledged", id)
			}
			for step, seq := range stepSeq {
				if step > 0 && seq > ackSeq {
					t.Errorf("%s: step %d was decided after the acknowledgement (seq %d > %d)", id, step, seq, ackSeq)
				}
			}
			if _, ok := stepSeq[2]; ok {
				t.Errorf("%s: the walk went on past the acknowledgement", id)
			}
		}
	})
}

// TestWatchdog finds an open unacknowledged incident with nothing pending,
// raises the metric and pages it again.
func TestWatchdog(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		tok := p.newToken(t, "responder", "casey")
		p.declare(t, tok, fireline.P2)
		p.advance(t, 0)
		// Lose the incident's pending work, as a buggy release or a manual
		// edit might.
		if _, err := p.db.Writer().Exec("UPDATE jobs SET state = 'cancelled' WHERE state = 'pending'"); err != nil {
			t.Fatal(err)
		}
		if err := p.paging.engine.StartPeriodic(context.Background()); err != nil {
			t.Fatal(err)
		}
		p.advance(t, time.Minute)
		if got := p.paging.engine.Metrics.Unwatched(); got != 1 {
			t.Fatalf("watchdog saw %d unwatched incidents, want 1", got)
		}
		if got := p.paged()[primary]; got != 2 {
			t.Fatalf("the watchdog did not page again: %v", p.paged())
		}
		p.advance(t, time.Minute)
		if got := p.paging.engine.Metrics.Unwatched(); got != 0 {
			t.Fatalf("still unwatched after the watchdog's walk: %d", got)
		}
	})
}
