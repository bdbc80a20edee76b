package bench

import (
	"context"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/sqlstore"
)

// planNothing is the seeding store's planner: history pages no one.
func planNothing(*fireline.Policy, *fireline.Incident, []fireline.Change, fireline.Actor, time.Time) (fireline.Work, error) {
	return fireline.Work{}, nil
}

// scaleSeeder adds incidents through the store's own code, many to a
// transaction.
type scaleSeeder struct {
	incidents *sqlstore.IncidentService
	rand      *mrand.Rand
	total     int // incidents so far
	open      int
}

var (
	scaleServices   = []string{"Checkout", "Search", "Payments", "Login", "API gateway", "Billing", "Notifications", "Reports"}
	scaleServiceIDs = []string{"api-gateway", "agent-orchestrator", "auth-service", "planning-system"}
	scaleSymptoms   = []string{"latency", "errors", "timeouts", "outage", "degraded throughput", "disk full", "certificate expiry", "memory leak"}
	scaleSeverity   = []fireline.Severity{fireline.P1, fireline.P2, fireline.P2, fireline.P3, fireline.P3, fireline.P3, fireline.P3, fireline.P4, fireline.P4, fireline.P4}
)

// scaleCommonWord is in an eighth of the titles; scaleRareWord in one
// description (INC-500's), at every size: the search finds as many.
const (
	scaleCommonWord = "latency"
	scaleRareWord   = "zeppelin"
)

func seedActor() context.Context {
	return fireline.NewContextWithActor(context.Background(), fireline.Actor{Role: fireline.RoleAdmin, Automation: "bench-seed"})
}

// longTimeline declares INC-1 and records notes on it until it has n
// events, a thousand to a transaction.
func (s *scaleSeeder) longTimeline(ctx context.Context, n int) error {
	incs, err := s.incidents.SeedIncidents(seedActor(), []sqlstore.Seed{{Declare: fireline.DeclareInput{
		Title: "Checkout latency in eu-west-1, long-running", Severity: fireline.P2, Description: "the long timeline"}}})
	if err != nil {
		return err
	}
	s.total, s.open = 1, 1
	for have := 1; have < n; {
		k := min(1000, n-have)
		notes := make([]fireline.Action, k)
		for i := range notes {
			notes[i] = fireline.Action{Kind: fireline.ActAddNote, Text: "update " + strconv.Itoa(have+i) + ": still watching the checkout latency"}
		}
		if _, err := s.incidents.ActAll(seedActor(), incs[0].ID, notes); err != nil {
			return err
		}
		have += k
	}
	return ctx.Err()
}

// grow adds incidents until there are size: resolved ones first, then
// the open share, so that the newest incidents are open (the case that
// made the closed list walk them).
func (s *scaleSeeder) grow(ctx context.Context, size int, openShare float64) error {
	add := size - s.total
	open := int(float64(add) * openShare)
	for done := 0; done < add; {
		k := min(500, add-done)
		seeds := make([]sqlstore.Seed, k)
		for i := range seeds {
			seeds[i] = s.seed(s.total+done+i+1, done+i >= add-open)
		}
		if _, err := s.incidents.SeedIncidents(seedActor(), seeds); err != nil {
			return err
		}
		done += k
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	s.total, s.open = size, s.open+open
	return nil
}

// seed is incident n: open or resolved (half the open ones acknowledged),
// one in a hundred restricted.
func (s *scaleSeeder) seed(n int, open bool) sqlstore.Seed {
	r := s.rand
	in := fireline.DeclareInput{
		Title:       scaleServices[r.IntN(len(scaleServices))] + " " + scaleSymptoms[r.IntN(len(scaleSymptoms))] + " in eu-west-" + strconv.Itoa(r.IntN(9)+1),
		Severity:    scaleSeverity[r.IntN(len(scaleSeverity))],
		Description: "Reported by monitoring; ticket OPS-" + strconv.Itoa(n),
	}
	if n == 500 {
		in.Description += "; the " + scaleRareWord + " dashboard is red"
	}
	if n%4 == 0 { // a quarter name a service, for the report by service
		in.Services = []string{scaleServiceIDs[n/4%len(scaleServiceIDs)]}
	}
	if n%100 == 50 {
		in.Source = fireline.SourceSecurity
	}
	var actions []fireline.Action
	switch {
	case !open:
		actions = []fireline.Action{{Kind: fireline.ActResolve, Text: "fixed"}}
	case n%2 == 0:
		actions = []fireline.Action{{Kind: fireline.ActAcknowledge}}
	}
	return sqlstore.Seed{Declare: in, Actions: actions}
}
