package web_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

func newClientEnv(t *testing.T) (*env, *httptest.Server) {
	e := newEnv(t)
	srv := httptest.NewServer(e.handler)
	t.Cleanup(srv.Close)
	return e, srv
}

func TestClientRoundTrip(t *testing.T) {
	_, srv := newClientEnv(t)
	ctx := context.Background()
	c := web.NewClient(srv.URL+"/", responderToken)

	inc, err := c.DeclareIncident(ctx, fireline.DeclareInput{Title: "Checkout down", Severity: fireline.P1, Services: []string{"api"}})
	if err != nil || inc.ID != "INC-1" || inc.DeclaredBy != "alice" {
		t.Fatalf("declare: %+v, %v", inc, err)
	}
	for _, a := range []fireline.Action{
		{Kind: fireline.ActAcknowledge},
		{Kind: fireline.ActAssignRole, Role: fireline.RoleSME, Person: "bob"},
		{Kind: fireline.ActUnassignRole, Role: fireline.RoleSME, Person: "bob"},
		{Kind: fireline.ActChangeSeverity, Severity: fireline.P2, Reason: "one region"},
		{Kind: fireline.ActChangeStage, Stage: fireline.StageMitigation},
		{Kind: fireline.ActAddNote, NoteKind: fireline.NoteDecision, Text: "roll back"},
		{Kind: fireline.ActUpdate, Update: fireline.UpdatedData{Impact: ptr("no checkouts")}},
		{Kind: fireline.ActEscalate, To: "bob", Text: "need help"},
		{Kind: fireline.ActAddMember, Person: "carol"},
		{Kind: fireline.ActResolve, Text: "rolled back"},
		{Kind: fireline.ActReopen, Reason: "back"},
	} {
		if inc, err = c.Act(ctx, "INC-1", a); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	if inc.Severity != fireline.P2 || inc.Impact != "no checkouts" || !inc.HasMember("carol") || inc.EventCount != 14 { // resolving the P2 opened its review
		t.Errorf("after actions: %+v", inc)
	}

	yes := true
	page, err := c.FindIncidents(ctx, fireline.IncidentFilter{Open: &yes, Severity: []fireline.Severity{fireline.P2}, Limit: 10})
	if err != nil || len(page.Incidents) != 1 {
		t.Errorf("find: %+v, %v", page, err)
	}
	events, err := c.Timeline(ctx, "INC-1")
	if err != nil || len(events) != 14 {
		t.Errorf("timeline: %d events, %v", len(events), err)
	}
	x, err := c.Export(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := fireline.VerifyExport(x); err != nil {
		t.Errorf("export: %v", err)
	}
	counts, err := c.CountIncidents(ctx)
	if err != nil || len(counts) != 1 || counts[0].Count != 1 {
		t.Errorf("counts: %+v, %v", counts, err)
	}
	me, err := c.Me(ctx)
	if err != nil || me.PersonID != "alice" || me.Role != fireline.RoleResponder {
		t.Errorf("me: %+v, %v", me, err)
	}
	people, err := c.People(ctx)
	if err != nil || len(people) != 3 {
		t.Errorf("people: %+v, %v", people, err)
	}
	p, err := c.Policy(ctx)
	if err != nil || len(p.Severities) != 4 || p.Severities[0].Resolve.String() != "4h" {
		t.Errorf("policy: %+v, %v", p, err)
	}
}

func TestClientTokens(t *testing.T) {
	_, srv := newClientEnv(t)
	ctx := context.Background()
	admin := web.NewClient(srv.URL, adminToken)
	tok, secret, err := admin.CreateToken(ctx, fireline.TokenInput{Role: fireline.RoleViewer, Automation: "grafana"})
	if err != nil || tok.ID == "" || tok.Role != fireline.RoleViewer || !strings.HasPrefix(secret, fireline.TokenPrefix) {
		t.Fatalf("create: %+v %q %v", tok, secret, err)
	}
	toks, err := admin.ListTokens(ctx)
	if err != nil || len(toks) != 5 {
		t.Errorf("list: %d, %v", len(toks), err)
	}
	if me, err := web.NewClient(srv.URL, secret).Me(ctx); err != nil || me.Automation != "grafana" {
		t.Errorf("new token's me: %+v, %v", me, err)
	}
	if err := admin.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	err = admin.RevokeToken(ctx, tok.ID)
	if fireline.ErrorCode(err) != fireline.EConflict {
		t.Errorf("second revoke: %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	_, srv := newClientEnv(t)
	ctx := context.Background()
	c := web.NewClient(srv.URL, responderToken)
	if _, err := c.DeclareIncident(ctx, fireline.DeclareInput{Title: "Checkout down", Severity: fireline.P1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Act(ctx, "INC-1", fireline.Action{Kind: fireline.ActAcknowledge}); err != nil {
		t.Fatal(err)
	}

	_, err := c.Act(ctx, "INC-1", fireline.Action{Kind: fireline.ActAcknowledge})
	var fe *fireline.Error
	if !errors.As(err, &fe) || fe.Code != fireline.EConflict || fe.Message != "INC-1 is already acknowledged" {
		t.Errorf("conflict: %#v", err)
	}

	_, err = c.DeclareIncident(ctx, fireline.DeclareInput{Severity: "P7"})
	if !errors.As(err, &fe) || fe.Code != fireline.EInvalid || fe.Message != "invalid incident" || len(fe.Fields) != 2 || fe.Fields[0].Field != "title" {
		t.Errorf("invalid: %#v", err)
	}
	if !strings.Contains(err.Error(), "title: is required") {
		t.Errorf("message %q lacks the field errors", err)
	}

	for code, call := range map[string]func() error{
		fireline.ENotFound:     func() error { _, err := c.FindIncident(ctx, "INC-404"); return err },
		fireline.EForbidden:    func() error { _, err := c.ListTokens(ctx); return err },
		fireline.EUnauthorized: func() error { _, err := web.NewClient(srv.URL, "fl_nope").Me(ctx); return err },
	} {
		if got := fireline.ErrorCode(call()); got != code {
			t.Errorf("got code %q, want %q", got, code)
		}
	}

	_, err = web.NewClient("http://127.0.0.1:1", responderToken).Me(ctx)
	if fireline.ErrorCode(err) != fireline.EUnavailable || !strings.Contains(err.Error(), "cannot reach server at http://127.0.0.1:1") {
		t.Errorf("unreachable: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
