package sqlstore_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

func TestDeclare(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		inc := e.declare(t, alex, fireline.DeclareInput{Title: "  API down ", Severity: fireline.P1,
			Services: []string{"api-gateway", "api-gateway"}, Description: "5xx everywhere"})
		if inc.ID != "INC-1" || inc.Title != "API down" || inc.EventCount != 1 || inc.HeadHash == "" {
			t.Fatalf("declared %+v", inc)
		}
		if !slices.Equal(inc.Services, []string{"api-gateway"}) || !slices.Equal(inc.Members, []string{"alex"}) {
			t.Fatalf("services %v members %v", inc.Services, inc.Members)
		}
		// P1: "immediate" is met within the policy's immediate window.
		if !inc.DeclaredAt.Equal(start) || !inc.RespondBy.Equal(start.Add(fireline.DefaultImmediateWindow)) || inc.EscalateBy == nil {
			t.Fatalf("clocks: declared %v respond %v escalate %v", inc.DeclaredAt, inc.RespondBy, inc.EscalateBy)
		}
		if inc.Breaches.Escalate || inc.Breaches.Respond {
			t.Fatalf("breaches at declaration: %+v", inc.Breaches)
		}
		got, err := e.incidents.FindIncident(as(alex), "inc-1")
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "found incident", got, inc)

		second := e.declare(t, ingest, fireline.DeclareInput{Source: fireline.SourceMonitoring})
		if second.ID != "INC-2" || second.DeclaredBy != "automation:alertmanager" || len(second.Members) != 0 {
			t.Fatalf("second: %+v", second)
		}
		_, err = e.incidents.DeclareIncident(as(alex), fireline.DeclareInput{Severity: "P9", Services: []string{"nope"}})
		wantCode(t, err, fireline.EInvalid)
		e.clock.Advance(time.Hour)
		if got, _ := e.incidents.FindIncident(as(alex), "INC-1"); !got.Breaches.Respond || !got.Breaches.Escalate {
			t.Fatalf("breaches an hour later: %+v", got.Breaches)
		}
	})
}

func TestConcurrentDeclare(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		const n = 20
		ids := make(chan string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				inc, err := e.incidents.DeclareIncident(as(alex), fireline.DeclareInput{Title: fmt.Sprint("parallel ", i), Severity: fireline.P3})
				if err != nil {
					t.Error(err)
					return
				}
				ids <- inc.ID
			})
		}
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		for i := 1; i <= n; i++ {
			if !seen[fireline.IncidentID(int64(i))] {
				t.Errorf("missing %s; got %v", fireline.IncidentID(int64(i)), seen)
			}
		}
	})
}

func TestConcurrentActs(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		id := e.declare(t, alex, fireline.DeclareInput{}).ID
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if _, err := e.incidents.Act(as(alex), id, fireline.Action{Kind: fireline.ActAddNote, Text: fmt.Sprint("note ", i)}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		inc, err := e.incidents.FindIncident(as(alex), id)
		if err != nil || inc.EventCount != n+1 {
			t.Fatalf("after %d concurrent notes: %+v %v", n, inc, err)
		}
		checkTimeline(t, e, id, inc)
	})
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		id := e.declare(t, alex, fireline.DeclareInput{Severity: fireline.P2, Services: []string{"api-gateway"}}).ID
		eta := start.Add(3*time.Hour + 123456789*time.Nanosecond)
		title := "Checkout errors in EU"
		steps := []fireline.Action{
			{Kind: fireline.ActAcknowledge},
			{Kind: fireline.ActAssignRole, Role: fireline.RoleIncidentCommander, Person: "casey"},
			{Kind: fireline.ActAssignRole, Role: fireline.RoleSME, Person: "devon"},
			{Kind: fireline.ActChangeSeverity, Severity: fireline.P1, Reason: "all regions"},
			{Kind: fireline.ActChangeStage, Stage: fireline.StageInvestigation},
			{Kind: fireline.ActAddNote, NoteKind: fireline.NoteFinding, Text: "bad deploy"},
			{Kind: fireline.ActUpdate, Update: fireline.UpdatedData{Title: &title, ETA: &eta,
				Services: []string{"api-gateway", "web-dashboard"}}},
			{Kind: fireline.ActEscalate, To: "technical:2"},
			{Kind: fireline.ActAddMember, Person: "emery"},
			{Kind: fireline.ActUnassignRole, Role: fireline.RoleSME, Person: "devon"},
			{Kind: fireline.ActResolve, Text: "rolled back"},
			{Kind: fireline.ActReopen, Reason: "errors again"},
			{Kind: fireline.ActResolve, Text: "fixed"},
			{Kind: fireline.ActChangeStage, Stage: fireline.StagePostIncidentReview},
			{Kind: fireline.ActChangeStage, Stage: fireline.StageClosed},
		}
		var inc *fireline.Incident
		for _, a := range steps {
			e.clock.Advance(7*time.Minute + 1500*time.Nanosecond)
			inc = e.act(t, alex, id, a)
		}
		if inc.Status != fireline.StatusClosed || inc.Severity != fireline.P1 || inc.Title != title {
			t.Fatalf("after lifecycle: %+v", inc)
		}
		if !inc.ETA.Equal(eta.Truncate(time.Microsecond)) {
			t.Fatalf("eta %v", inc.ETA)
		}
		found, err := e.incidents.FindIncident(as(alex), id)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "found after lifecycle", found, inc)
		checkTimeline(t, e, id, found)

		// Filters follow the synced services and members.
		page, err := e.incidents.FindIncidents(as(alex), fireline.IncidentFilter{Service: "web-dashboard"})
		if err != nil || len(page.Incidents) != 1 {
			t.Fatalf("service filter after update: %v %v", page, err)
		}
	})
}

// checkTimeline verifies the hash chain and that replaying it gives the
// stored incident.
func checkTimeline(t *testing.T, e *env, id string, inc *fireline.Incident) {
	t.Helper()
	events, err := e.incidents.Timeline(as(alex), id)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(events)) != inc.EventCount || events[len(events)-1].Hash != inc.HeadHash {
		t.Fatalf("%d events, incident counts %d", len(events), inc.EventCount)
	}
	if err := fireline.VerifyChain(events); err != nil {
		t.Fatal(err)
	}
	x := &fireline.Export{Format: fireline.ExportFormat, ExportedAt: e.clock.Now(), Incident: inc, Events: events}
	if err := fireline.VerifyExport(x); err != nil {
		t.Fatalf("replay does not match the stored incident: %v", err)
	}
}

func TestInvalidActionChangesNothing(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		id := e.declare(t, alex, fireline.DeclareInput{}).ID
		e.act(t, alex, id, fireline.Action{Kind: fireline.ActAcknowledge})
		before, _ := e.incidents.FindIncident(as(alex), id)
		for _, c := range []struct {
			a    fireline.Action
			code string
		}{
			{fireline.Action{Kind: fireline.ActAcknowledge}, fireline.EConflict},
			{fireline.Action{Kind: "explode"}, fireline.EInvalid},
			{fireline.Action{Kind: fireline.ActAssignRole, Role: "chef", Person: "nobody"}, fireline.EInvalid},
			{fireline.Action{Kind: fireline.ActChangeSeverity, Severity: fireline.P2, Reason: "same"}, fireline.EConflict},
			{fireline.Action{Kind: fireline.ActReopen, Reason: "open already"}, fireline.EConflict},
		} {
			_, err := e.incidents.Act(as(alex), id, c.a)
			wantCode(t, err, c.code)
		}
		_, err := e.incidents.Act(as(alex), "INC-99", fireline.Action{Kind: fireline.ActAcknowledge})
		wantCode(t, err, fireline.ENotFound)
		after, _ := e.incidents.FindIncident(as(alex), id)
		sameJSON(t, "incident after refused actions", after, before)
		events, _ := e.incidents.Timeline(as(alex), id)
		if len(events) != 3 {
			t.Fatalf("%d events, want 3", len(events))
		}
	})
}

func TestNoActor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, firelinetest.SQLiteDSN(t))
	_, err := e.incidents.DeclareIncident(noContext, fireline.DeclareInput{Title: "x", Severity: fireline.P1})
	wantCode(t, err, fireline.EUnauthorized)
	_, err = e.incidents.FindIncident(noContext, "INC-1")
	wantCode(t, err, fireline.EUnauthorized)
	_, err = e.incidents.FindIncidents(noContext, fireline.IncidentFilter{})
	wantCode(t, err, fireline.EUnauthorized)
	_, err = e.incidents.Timeline(noContext, "INC-1")
	wantCode(t, err, fireline.EUnauthorized)
	_, err = e.incidents.Act(noContext, "INC-1", fireline.Action{Kind: fireline.ActAcknowledge})
	wantCode(t, err, fireline.EUnauthorized)
	_, err = e.incidents.CountIncidents(noContext)
	wantCode(t, err, fireline.EUnauthorized)
	_, err = e.tokens.ListTokens(noContext)
	wantCode(t, err, fireline.EUnauthorized)
	wantCode(t, e.tokens.RevokeToken(noContext, "x"), fireline.EUnauthorized)
}

func TestRestrictedVisibility(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		open := e.declare(t, alex, fireline.DeclareInput{Severity: fireline.P3})
		secret := e.declare(t, alex, fireline.DeclareInput{Title: "Leaked keys", Severity: fireline.P1, Source: fireline.SourceSecurity})
		if !secret.Restricted || open.Restricted {
			t.Fatalf("restricted: open %v security %v", open.Restricted, secret.Restricted)
		}
		_, missing := e.incidents.FindIncident(as(blake), "INC-99")
		checkInvisible(t, e, blake, secret.ID, missing)
		checkInvisible(t, e, ingest, secret.ID, missing)
		for _, a := range []fireline.Actor{alex, admin} {
			checkVisible(t, e, a, secret.ID, 2)
		}
		e.act(t, alex, secret.ID, fireline.Action{Kind: fireline.ActAddMember, Person: "blake"})
		checkVisible(t, e, blake, secret.ID, 2)
	})
}

// checkInvisible asserts that every read and the write path answer as for
// a missing incident, and that lists and counts leave it out.
func checkInvisible(t *testing.T, e *env, a fireline.Actor, id string, missing error) {
	t.Helper()
	_, err := e.incidents.FindIncident(as(a), id)
	wantCode(t, err, fireline.ENotFound)
	if err.Error() != fmt.Sprintf("incident %q not found", id) || missing.Error() != `incident "INC-99" not found` {
		t.Fatalf("invisible says %q, missing says %q", err, missing)
	}
	_, err = e.incidents.Timeline(as(a), id)
	wantCode(t, err, fireline.ENotFound)
	_, err = e.incidents.Act(as(a), id, fireline.Action{Kind: fireline.ActAddNote, Text: "peek"})
	wantCode(t, err, fireline.ENotFound)
	page, err := e.incidents.FindIncidents(as(a), fireline.IncidentFilter{})
	if err != nil || len(page.Incidents) != 1 || page.Incidents[0].ID == id {
		t.Fatalf("list as %s: %v %v", a.Name(), page, err)
	}
	counts, err := e.incidents.CountIncidents(as(a))
	if err != nil || len(counts) != 1 || counts[0].Count != 1 || counts[0].Severity != fireline.P3 {
		t.Fatalf("counts as %s: %+v %v", a.Name(), counts, err)
	}
}

func checkVisible(t *testing.T, e *env, a fireline.Actor, id string, total int) {
	t.Helper()
	if _, err := e.incidents.FindIncident(as(a), id); err != nil {
		t.Fatalf("find as %s: %v", a.Name(), err)
	}
	if _, err := e.incidents.Timeline(as(a), id); err != nil {
		t.Fatalf("timeline as %s: %v", a.Name(), err)
	}
	e.act(t, a, id, fireline.Action{Kind: fireline.ActAddNote, Text: "seen by " + a.Name()})
	page, err := e.incidents.FindIncidents(as(a), fireline.IncidentFilter{})
	if err != nil || len(page.Incidents) != total {
		t.Fatalf("list as %s: %v %v", a.Name(), page, err)
	}
	counts, _ := e.incidents.CountIncidents(as(a))
	var n int64
	for _, c := range counts {
		n += c.Count
	}
	if n != int64(total) {
		t.Fatalf("count as %s: %+v", a.Name(), counts)
	}
}
