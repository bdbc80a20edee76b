package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestPublicUpdatesStored: drafts, approvals and publications are stored
// with the incident (its comms row), replay from the timeline, and reach
// the public record; a restricted incident and anything unpublished never
// do; maintenance windows reach it only when public.
func TestPublicUpdatesStored(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		p := policy.Default()
		status := sqlstore.NewStatusService(e.db, p)
		inc, err := e.incidents.DeclareIncident(as(alex), fireline.DeclareInput{Title: "INTERNAL-CANARY gateway 502s", Severity: fireline.P2,
			Services: []string{"api-gateway", "postgres-database"}})
		if err != nil {
			t.Fatal(err)
		}
		sec, err := e.incidents.DeclareIncident(as(alex), fireline.DeclareInput{Title: "RESTRICTED-CANARY keys leaked", Severity: fireline.P1,
			Source: fireline.SourceSecurity, Services: []string{"api-gateway"}})
		if err != nil {
			t.Fatal(err)
		}
		mustAct(t, e, admin, inc.ID, fireline.Action{Kind: fireline.ActAssignRole, Role: fireline.RoleCommunicationsLiaison, Person: "jordan"})
		mustAct(t, e, alex, inc.ID, fireline.Action{Kind: fireline.ActDraftUpdate, PublicUpdate: &fireline.PublicUpdateInput{
			Status: fireline.PublicInvestigating, Text: "We are looking into API errors.", Name: "API errors",
			Components: []fireline.ComponentImpact{{Service: "api-gateway", State: fireline.StateDegraded}}}})
		rec, err := status.PublicRecord(noContext, start.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Incidents) != 0 {
			t.Fatalf("a draft reached the public record: %+v", rec.Incidents)
		}
		if _, err := e.incidents.Act(as(alex), inc.ID, fireline.Action{Kind: fireline.ActApproveUpdate, UpdateNumber: 1}); fireline.ErrorCode(err) != fireline.EForbidden {
			t.Fatalf("alex approving = %v, want forbidden", err)
		}
		e.clock.Advance(3 * time.Minute)
		jordan := fireline.Actor{TokenID: "t-jordan", Role: fireline.RoleResponder, PersonID: "jordan"}
		got := mustAct(t, e, jordan, inc.ID, fireline.Action{Kind: fireline.ActApproveUpdate, UpdateNumber: 1})
		if u := got.Comms.Updates[0]; u.State != fireline.UpdatePublished || u.ApprovedBy != "jordan" {
			t.Fatalf("approved = %+v", u)
		}
		if _, err := e.incidents.Act(as(alex), sec.ID, fireline.Action{Kind: fireline.ActDraftUpdate,
			PublicUpdate: &fireline.PublicUpdateInput{Status: fireline.PublicInvestigating}}); fireline.ErrorCode(err) != fireline.EConflict {
			t.Fatalf("a public update of a restricted incident = %v, want conflict", err)
		}
		found, err := e.incidents.FindIncident(as(blake), inc.ID)
		if err != nil || len(found.Comms.Updates) != 1 || found.Comms.ConfirmedAt == nil || len(found.Comms.Obligations) != 1 ||
			found.Comms.Obligations[0].Outcome != fireline.OutcomeOnTime {
			t.Fatalf("stored comms = %+v, %v", found.Comms, err)
		}
		if v, err := e.incidents.VerifyIncident(as(blake), inc.ID); err != nil || !v.OK {
			t.Fatalf("verify = %+v, %v", v, err)
		}
		maint := sqlstore.NewMaintenanceService(e.db, p)
		for _, public := range []bool{true, false} {
			if _, err := maint.CreateMaintenance(as(alex), fireline.MaintenanceInput{Service: "auth-service", For: fireline.Interval(time.Hour),
				Reason: map[bool]string{true: "Auth upgrade", false: "INTERNAL-CANARY rack move"}[public], Public: public}); err != nil {
				t.Fatal(err)
			}
		}
		rec, err = status.PublicRecord(noContext, start.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Incidents) != 1 || rec.Incidents[0].Number != inc.Number || strings.Join(rec.Incidents[0].Services, ",") != "api-gateway" ||
			len(rec.Incidents[0].Updates) != 1 {
			t.Errorf("public incidents = %+v", rec.Incidents)
		}
		if len(rec.Outages) != 1 || rec.Outages[0].Number != inc.Number {
			t.Errorf("outages = %+v, want the unrestricted incident only", rec.Outages)
		}
		if len(rec.Maintenance) != 1 || rec.Maintenance[0].Reason != "Auth upgrade" {
			t.Errorf("maintenance = %+v", rec.Maintenance)
		}
		internal, err := status.InternalStatus(as(blake), start.Add(-24*time.Hour))
		if err != nil || len(internal.Open) != 1 || internal.Open[0].Liaison != "jordan" || internal.Open[0].NextPublicUpdate == nil {
			t.Errorf("internal status for a viewer = %+v, %v", internal, err)
		}
		internal, _ = status.InternalStatus(as(admin), start.Add(-24*time.Hour))
		if len(internal.Open) != 2 {
			t.Errorf("internal status for an admin: %d open, want 2", len(internal.Open))
		}
		c, err := status.UpdateCompliance(as(blake))
		if err != nil || c[1].Severity != fireline.P2 || c[1].Outcomes[fireline.OutcomeOnTime] != 1 {
			t.Errorf("compliance = %+v, %v", c, err)
		}
	})
}

func mustAct(t *testing.T, e *env, a fireline.Actor, id string, act fireline.Action) *fireline.Incident {
	t.Helper()
	inc, err := e.incidents.Act(as(a), id, act)
	if err != nil {
		t.Fatalf("%s: %v", act.Kind, err)
	}
	return inc
}
