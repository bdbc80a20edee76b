package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// TestTwoReplicasPageEachStepOnce runs two servers on one PostgreSQL
// database and a shared manual clock, declares incidents through both,
// and has both replicas' runners claim at once at every stage of the
// walk: each (incident, step) is recorded once, no step runs early, and
// at the sinks every (incident, step, recipient) carries one message id
// (raw repeats, if any, only with that id).
//
// Not parallel: two busy replicas fill two connection pools (up to 40
// connections), and beside other tests the shared PostgreSQL ran out of
// connections (max_connections 100).
func TestTwoReplicasPageEachStepOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("100 incidents on two replicas")
	}
	dsn := firelinetest.PostgresDSN(t)
	const incidents = 100
	p := startPagingServer(t, dsn, businessHours)
	a := p.testServer
	b := p.restart(t, p.clock) // a second replica: same database, sinks and clock
	tok := a.newToken(t, "responder", "casey")

	var wg sync.WaitGroup
	errs := make(chan error, incidents)
	for i := range incidents {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		wg.Go(func() {
			_, err := web.NewClient(srv.URL(), tok).DeclareIncident(context.Background(), fireline.DeclareInput{
				Title: fmt.Sprintf("replica test %d", i), Severity: fireline.P2, Services: []string{"api-gateway"}})
			errs <- err
		})
		if i%16 == 15 {
			wg.Wait()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Both runners at once, at each stage of the P2 walk: the primary now,
	// the secondary at 1h, the on-call step at 1h15, the lead at 1h45.
	start := p.clock.Now()
	for _, d := range []time.Duration{0, time.Hour, 15 * time.Minute, 30 * time.Minute} {
		p.clock.Advance(d)
		now := p.clock.Now()
		var run sync.WaitGroup
		for _, srv := range []*testServer{a, b} {
			run.Go(func() {
				for range 3 { // again, for deliveries the other replica's steps enqueued
					if _, err := srv.paging.runner.RunDue(context.Background(), now); err != nil {
						t.Error(err)
					}
				}
			})
		}
		run.Wait()
	}

	// The database: one escalation_step per (incident, step), none early.
	due := map[int]time.Duration{0: 0, 1: time.Hour, 2: 75 * time.Minute, 3: 105 * time.Minute}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT incident_number, at, data FROM events WHERE type = 'escalation_step'")
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]int{}
	for rows.Next() {
		var n, at int64
		var data string
		if err := rows.Scan(&n, &at, &data); err != nil {
			t.Fatal(err)
		}
		var d fireline.EscalationStepData
		json.Unmarshal([]byte(data), &d)
		steps[fmt.Sprintf("%d/%d", n, d.Step)]++
		if ran := time.UnixMicro(at).Sub(start); ran < due[d.Step] {
			t.Errorf("INC-%d step %d ran %s after the start, before its due %s", n, d.Step, ran, due[d.Step])
		}
	}
	rows.Close()
	if len(steps) != incidents*4 {
		t.Errorf("%d (incident, step) recorded, want %d", len(steps), incidents*4)
	}
	for k, c := range steps {
		if c != 1 {
			t.Errorf("(incident/step) %s recorded %d times", k, c)
		}
	}

	// The sinks: after dedup by message id, each (incident, step,
	// recipient) once; all of them there.
	ids := map[string]map[string]bool{}
	add := func(key, id string) {
		if ids[key] == nil {
			ids[key] = map[string]bool{}
		}
		ids[key][id] = true
	}
	hooks := p.sink.Hooks()
	for _, h := range hooks {
		add(fmt.Sprintf("%v|%v|%s", h.Data["incident"], h.Data["step"], h.Path), h.ID)
	}
	mail := p.smtp.Mail()
	for _, m := range mail {
		add(m.Subject+"|"+strings.Join(m.To, ","), m.MessageID)
	}
	for key, set := range ids {
		if len(set) != 1 {
			t.Errorf("%s paged under %d message ids", key, len(set))
		}
	}
	// Per incident: 5 webhooks (primary, secondary, both again in the
	// on-call step, the lead) and the on-call line's email; and 2
	// notifications to the primary, no commander being named: the respond
	// clock at risk (45 min) and breached (1 h).
	if want := incidents * 8; len(ids) != want {
		t.Errorf("%d distinct pages, want %d", len(ids), want)
	}
	t.Logf("%d incidents: %d webhooks and %d emails received (%d distinct pages)", incidents, len(hooks), len(mail), len(ids))
}
