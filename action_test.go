package fireline

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewIncident(t *testing.T) {
	p := testPolicy()
	tl := declare(t, p, P2, declaredAt)
	inc := tl.inc
	if inc.ID != "INC-7" || inc.Number != 7 {
		t.Errorf("ID = %q, Number = %d", inc.ID, inc.Number)
	}
	if inc.Stage != StageDetection || inc.Status != StatusTriggered {
		t.Errorf("stage %s, status %s", inc.Stage, inc.Status)
	}
	if !slices.Equal(inc.Members, []string{"alice"}) || inc.Roles == nil || len(inc.Roles) != 0 {
		t.Errorf("members %v, roles %#v", inc.Members, inc.Roles)
	}
	if inc.DeclaredBy != "alice" || !inc.DeclaredAt.Equal(declaredAt) || !inc.SeveritySetAt.Equal(declaredAt) {
		t.Errorf("declared by %s at %s, severity set at %s", inc.DeclaredBy, inc.DeclaredAt, inc.SeveritySetAt)
	}
	if inc.PolicyVersion != "test-1+0123456789ab" {
		t.Errorf("PolicyVersion = %q", inc.PolicyVersion)
	}
	if !inc.RespondBy.Equal(declaredAt.Add(time.Hour)) || !inc.EscalateBy.Equal(declaredAt.Add(2*time.Hour)) || !inc.ResolveBy.Equal(declaredAt.Add(8*time.Hour)) {
		t.Errorf("clocks %s %s %s", inc.RespondBy, inc.EscalateBy, inc.ResolveBy)
	}
	if inc.Restricted {
		t.Error("a monitoring incident is restricted")
	}
	tl.checkReplay()

	// An automation declares without becoming a member.
	in, err := DeclareInput{Title: "disk full", Severity: P4, Source: SourceSecurity}.Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	tl = declareInput(t, p, in, Actor{Role: RoleResponder, Automation: "alertmanager"}, declaredAt)
	if tl.inc.DeclaredBy != "automation:alertmanager" || len(tl.inc.Members) != 0 || !tl.inc.Restricted {
		t.Errorf("declared by %q, members %v, restricted %v", tl.inc.DeclaredBy, tl.inc.Members, tl.inc.Restricted)
	}
	if tl.inc.EscalateBy != nil {
		t.Errorf("P4 EscalateBy = %v, want nil", tl.inc.EscalateBy)
	}
	tl.checkReplay()

	// An unknown severity cannot be declared.
	if _, _, err := NewIncident(p, DeclareInput{Title: "x", Severity: "P9"}, 1, Actor{}, declaredAt); ErrorCode(err) != EInvalid {
		t.Errorf("NewIncident(P9) error = %v", err)
	}
}

type lifecycleCase struct {
	name  string
	sev   Severity // P2 when empty
	setup []Action
	act   Action
	code  string
	// fields are the field errors expected, in order.
	fields []string
	check  func(t *testing.T, inc *Incident, changes []Change, at time.Time)
}

// actAt is when the action under test runs: an hour after declaration.
var actAt = declaredAt.Add(time.Hour)

func runLifecycle(t *testing.T, tests []lifecycleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sev := tt.sev
			if sev == "" {
				sev = P2
			}
			tl := declare(t, testPolicy(), sev, declaredAt)
			for i, a := range tt.setup {
				tl.must(a, declaredAt.Add(time.Duration(i+1)*time.Minute))
			}
			changes, err := tl.do(tt.act, actAt)
			wantCode(t, err, tt.code)
			if tt.fields != nil && !slices.Equal(fieldNames(err), tt.fields) {
				t.Errorf("field errors = %v (%v), want %v", fieldNames(err), err, tt.fields)
			}
			if tt.check != nil {
				tt.check(t, tl.inc, changes, actAt)
			}
			tl.checkReplay()
		})
	}
}

var (
	ack      = Action{Kind: ActAcknowledge}
	resolve  = Action{Kind: ActResolve, Text: "rolled back"}
	reopen   = Action{Kind: ActReopen, Reason: "it came back"}
	toStage  = func(s Stage) Action { return Action{Kind: ActChangeStage, Stage: s} }
	assign   = func(r IncidentRole, p string) Action { return Action{Kind: ActAssignRole, Role: r, Person: p} }
	unassign = func(r IncidentRole, p string) Action { return Action{Kind: ActUnassignRole, Role: r, Person: p} }
	sevTo    = func(s Severity, reason string) Action {
		return Action{Kind: ActChangeSeverity, Severity: s, Reason: reason}
	}
	closeIt = []Action{resolve, toStage(StageClosed)}
)

func TestAcknowledge(t *testing.T) {
	runLifecycle(t, []lifecycleCase{
		{name: "in detection moves to initial response", act: ack, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if !slices.Equal(changeTypes(changes), []EventType{EventAcknowledged, EventStageChanged}) {
				t.Errorf("changes %v", changeTypes(changes))
			}
			if d := changes[1].Data.(*StageChangedData); *d != (StageChangedData{From: StageDetection, To: StageInitialResponse, Reason: "acknowledged"}) {
				t.Errorf("stage change %+v", d)
			}
			if inc.Status != StatusAcknowledged || inc.Stage != StageInitialResponse || inc.AcknowledgedAt == nil || !inc.AcknowledgedAt.Equal(at) {
				t.Errorf("status %s, stage %s, acknowledged %v", inc.Status, inc.Stage, inc.AcknowledgedAt)
			}
		}},
		{name: "after the stage moved on keeps the stage", setup: []Action{toStage(StageInvestigation)}, act: ack, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if !slices.Equal(changeTypes(changes), []EventType{EventAcknowledged}) || inc.Stage != StageInvestigation {
				t.Errorf("changes %v, stage %s", changeTypes(changes), inc.Stage)
			}
		}},
		{name: "twice", setup: []Action{ack}, act: ack, code: EConflict},
		{name: "resolved", setup: []Action{resolve}, act: ack, code: EConflict},
		{name: "closed", setup: closeIt, act: ack, code: EConflict},
		{name: "reopened after an acknowledgement", setup: []Action{ack, resolve, reopen}, act: ack, code: EConflict},
		{name: "reopened without one", setup: []Action{resolve, reopen}, act: ack, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if inc.Status != StatusAcknowledged || inc.Stage != StageInvestigation {
				t.Errorf("status %s, stage %s", inc.Status, inc.Stage)
			}
		}},
	})
}

func TestChangeSeverity(t *testing.T) {
	long := strings.Repeat("é", MaxReason+1)
	runLifecycle(t, []lifecycleCase{
		{name: "P3 to P1 restarts the clocks at the change", sev: P3, act: sevTo(P1, "  customer data exposed "), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if d := changes[0].Data.(*SeverityChangedData); *d != (SeverityChangedData{From: P3, To: P1, Reason: "customer data exposed"}) {
				t.Errorf("data %+v", d)
			}
			if inc.Severity != P1 || !inc.SeveritySetAt.Equal(at) || !inc.DeclaredAt.Equal(declaredAt) {
				t.Errorf("severity %s set at %s, declared %s", inc.Severity, inc.SeveritySetAt, inc.DeclaredAt)
			}
			// Immediate response and escalation: met within the 5-minute window.
			window := at.Add(DefaultImmediateWindow)
			if !inc.RespondBy.Equal(window) || inc.EscalateBy == nil || !inc.EscalateBy.Equal(window) || !inc.ResolveBy.Equal(at.Add(4*time.Hour)) {
				t.Errorf("clocks %s %v %s", inc.RespondBy, inc.EscalateBy, inc.ResolveBy)
			}
		}},
		{name: "P1 to P4 drops escalation", sev: P1, act: sevTo(P4, "only cosmetic"), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			// 11:00 Wednesday: next business day is Thursday 17:00; a week to resolve.
			if !inc.RespondBy.Equal(ny(2026, 6, 11, 17, 0)) || inc.EscalateBy != nil || !inc.ResolveBy.Equal(ny(2026, 6, 17, 11, 0)) {
				t.Errorf("clocks %s %v %s", inc.RespondBy, inc.EscalateBy, inc.ResolveBy)
			}
		}},
		{name: "P2 to P3 in hours", act: sevTo(P3, "fewer users"), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if !inc.RespondBy.Equal(at.Add(4*time.Hour)) || !inc.EscalateBy.Equal(at.Add(8*time.Hour)) || !inc.ResolveBy.Equal(at.Add(24*time.Hour)) {
				t.Errorf("clocks %s %v %s", inc.RespondBy, inc.EscalateBy, inc.ResolveBy)
			}
		}},
		{name: "on a resolved incident", setup: []Action{resolve}, act: sevTo(P1, "reclassified for the record")},
		{name: "reason required", act: sevTo(P1, ""), code: EInvalid, fields: []string{"reason"}},
		{name: "blank reason", act: sevTo(P1, "   "), code: EInvalid, fields: []string{"reason"}},
		{name: "reason too long", act: sevTo(P1, long), code: EInvalid, fields: []string{"reason"}},
		{name: "reason at the cap", act: sevTo(P1, long[:len(long)-len("é")])},
		{name: "unknown severity", act: sevTo("P5", "worse"), code: EInvalid, fields: []string{"severity"}},
		{name: "unknown severity and no reason", act: sevTo("", ""), code: EInvalid, fields: []string{"severity", "reason"}},
		{name: "same severity", act: sevTo(P2, "no change"), code: EConflict},
		{name: "closed", setup: closeIt, act: sevTo(P1, "x"), code: EConflict},
	})
}

func TestAssignRole(t *testing.T) {
	roles := func(want ...RoleAssignment) func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
		return func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			t.Helper()
			if !slices.Equal(inc.Roles, want) {
				t.Errorf("roles %v, want %v", inc.Roles, want)
			}
		}
	}
	runLifecycle(t, []lifecycleCase{
		{name: "assign", act: assign(RoleIncidentCommander, "bob"), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if d := changes[0].Data.(*RoleAssignedData); *d != (RoleAssignedData{Role: RoleIncidentCommander, Person: "bob"}) {
				t.Errorf("data %+v", d)
			}
			roles(RoleAssignment{RoleIncidentCommander, "bob"})(t, inc, changes, at)
			if !slices.Equal(inc.Members, []string{"alice", "bob"}) {
				t.Errorf("members %v", inc.Members)
			}
		}},
		{name: "reassign a single-holder role replaces the holder",
			setup: []Action{assign(RolePrimaryOnCall, "alice"), assign(RoleIncidentCommander, "bob"), assign(RoleSME, "dave")},
			act:   assign(RoleIncidentCommander, "carol"),
			check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
				if d := changes[0].Data.(*RoleAssignedData); *d != (RoleAssignedData{Role: RoleIncidentCommander, Person: "carol", Replaces: "bob"}) {
					t.Errorf("data %+v", d)
				}
				roles(RoleAssignment{RolePrimaryOnCall, "alice"}, RoleAssignment{RoleSME, "dave"}, RoleAssignment{RoleIncidentCommander, "carol"})(t, inc, changes, at)
				// The replaced holder stays a member.
				if !slices.Equal(inc.Members, []string{"alice", "bob", "dave", "carol"}) {
					t.Errorf("members %v", inc.Members)
				}
			}},
		{name: "sme holds several", setup: []Action{assign(RoleSME, "bob"), assign(RoleSME, "carol")}, act: assign(RoleSME, "dave"),
			check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
				if d := changes[0].Data.(*RoleAssignedData); d.Replaces != "" {
					t.Errorf("sme replaces %q", d.Replaces)
				}
				roles(RoleAssignment{RoleSME, "bob"}, RoleAssignment{RoleSME, "carol"}, RoleAssignment{RoleSME, "dave"})(t, inc, changes, at)
			}},
		{name: "one person holds two roles", setup: []Action{assign(RoleIncidentCommander, "bob")}, act: assign(RoleCommunicationsLiaison, "bob"),
			check: roles(RoleAssignment{RoleIncidentCommander, "bob"}, RoleAssignment{RoleCommunicationsLiaison, "bob"})},
		{name: "already held", setup: []Action{assign(RoleIncidentCommander, "bob")}, act: assign(RoleIncidentCommander, "bob"), code: EConflict},
		{name: "sme already held", setup: []Action{assign(RoleSME, "bob")}, act: assign(RoleSME, "bob"), code: EConflict},
		{name: "unknown person", act: assign(RoleIncidentCommander, "zed"), code: EInvalid, fields: []string{"person"}},
		{name: "no person", act: assign(RoleIncidentCommander, ""), code: EInvalid, fields: []string{"person"}},
		{name: "unknown role", act: assign("janitor", "bob"), code: EInvalid, fields: []string{"role"}},
		{name: "unknown role and person", act: assign("janitor", "zed"), code: EInvalid, fields: []string{"role", "person"}},
		{name: "on a resolved incident", setup: []Action{resolve}, act: assign(RoleIncidentCommander, "bob")},
		{name: "closed", setup: closeIt, act: assign(RoleIncidentCommander, "bob"), code: EConflict},
		{name: "unassign", setup: []Action{assign(RoleSME, "bob"), assign(RoleSME, "carol")}, act: unassign(RoleSME, "bob"),
			check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
				roles(RoleAssignment{RoleSME, "carol"})(t, inc, changes, at)
				if !inc.HasMember("bob") {
					t.Error("bob stopped being a member")
				}
			}},
		{name: "unassign the last role", setup: []Action{assign(RoleSME, "bob")}, act: unassign(RoleSME, "bob"), check: roles()},
		{name: "unassign a role not held", setup: []Action{assign(RoleSME, "bob")}, act: unassign(RoleSME, "carol"), code: EConflict},
		{name: "unassign the wrong role", setup: []Action{assign(RoleSME, "bob")}, act: unassign(RoleIncidentCommander, "bob"), code: EConflict},
	})
}

func TestChangeStage(t *testing.T) {
	stage := func(want Stage, status Status) func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
		return func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			t.Helper()
			if inc.Stage != want || inc.Status != status {
				t.Errorf("stage %s status %s, want %s %s", inc.Stage, inc.Status, want, status)
			}
		}
	}
	runLifecycle(t, []lifecycleCase{
		{name: "detection to investigation", act: toStage(StageInvestigation), check: stage(StageInvestigation, StatusTriggered)},
		{name: "forward to mitigation", setup: []Action{ack, toStage(StageInvestigation)}, act: Action{Kind: ActChangeStage, Stage: StageMitigation, Reason: " cause found "},
			check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
				if d := changes[0].Data.(*StageChangedData); *d != (StageChangedData{From: StageInvestigation, To: StageMitigation, Reason: "cause found"}) {
					t.Errorf("data %+v", d)
				}
				stage(StageMitigation, StatusAcknowledged)(t, inc, changes, at)
			}},
		{name: "back from mitigation to investigation while open", setup: []Action{toStage(StageMitigation)}, act: toStage(StageInvestigation), check: stage(StageInvestigation, StatusTriggered)},
		{name: "open to resolution stage stays open", act: toStage(StageResolution), check: stage(StageResolution, StatusTriggered)},
		{name: "open cannot go to review", act: toStage(StagePostIncidentReview), code: EConflict},
		{name: "open cannot be closed", act: toStage(StageClosed), code: EConflict},
		{name: "same stage", act: toStage(StageDetection), code: EConflict},
		{name: "unknown stage", act: toStage("triage"), code: EInvalid, fields: []string{"stage"}},
		{name: "reason too long", act: Action{Kind: ActChangeStage, Stage: StageInvestigation, Reason: strings.Repeat("x", MaxReason+1)}, code: EInvalid, fields: []string{"reason"}},
		{name: "reason at the cap in multibyte text", act: Action{Kind: ActChangeStage, Stage: StageInvestigation, Reason: strings.Repeat("é", MaxReason)}, check: stage(StageInvestigation, StatusTriggered)},
		{name: "resolved to review", setup: []Action{resolve}, act: toStage(StagePostIncidentReview), check: stage(StagePostIncidentReview, StatusResolved)},
		{name: "resolved to closed", setup: []Action{resolve}, act: toStage(StageClosed), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			stage(StageClosed, StatusClosed)(t, inc, changes, at)
			if inc.ClosedAt == nil || !inc.ClosedAt.Equal(at) || inc.ResolvedAt == nil {
				t.Errorf("closed at %v resolved at %v", inc.ClosedAt, inc.ResolvedAt)
			}
		}},
		{name: "review to closed", setup: []Action{resolve, toStage(StagePostIncidentReview)}, act: toStage(StageClosed), check: stage(StageClosed, StatusClosed)},
		{name: "resolved cannot go back to investigation", setup: []Action{resolve}, act: toStage(StageInvestigation), code: EConflict},
		{name: "resolved cannot go back to mitigation", setup: []Action{resolve, toStage(StagePostIncidentReview)}, act: toStage(StageMitigation), code: EConflict},
		{name: "resolved cannot go back to resolution from review", setup: []Action{resolve, toStage(StagePostIncidentReview)}, act: toStage(StageResolution), code: EConflict},
		{name: "closed refuses review", setup: closeIt, act: toStage(StagePostIncidentReview), code: EConflict},
		{name: "closed refuses investigation", setup: closeIt, act: toStage(StageInvestigation), code: EConflict},
	})
}

func TestClosedRefusesAllButReopenNoteMember(t *testing.T) {
	note := Action{Kind: ActAddNote, Text: "lessons learned"}
	member := Action{Kind: ActAddMember, Person: "erin"}
	update := Action{Kind: ActUpdate, Update: UpdatedData{Title: ptr("new title")}}
	var tests []lifecycleCase
	for _, a := range []Action{ack, sevTo(P1, "worse"), assign(RoleSME, "bob"), unassign(RoleSME, "carol"), toStage(StageMitigation), update,
		{Kind: ActEscalate, To: "engineering leads"}, resolve, {Kind: "dance"}} {
		tests = append(tests, lifecycleCase{name: "refuses " + string(a.Kind), setup: closeIt, act: a, code: EConflict})
	}
	tests = append(tests,
		lifecycleCase{name: "allows add_note", setup: closeIt, act: note},
		lifecycleCase{name: "allows add_member", setup: closeIt, act: member, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if !inc.HasMember("erin") || inc.Status != StatusClosed {
				t.Errorf("members %v status %s", inc.Members, inc.Status)
			}
		}},
		lifecycleCase{name: "allows reopen", setup: closeIt, act: reopen},
		lifecycleCase{name: "unknown action on an open incident", act: Action{Kind: "dance"}, code: EInvalid},
	)
	runLifecycle(t, tests)
}

func TestAddNote(t *testing.T) {
	var tests []lifecycleCase
	for _, kind := range NoteKinds {
		tests = append(tests, lifecycleCase{name: string(kind), act: Action{Kind: ActAddNote, NoteKind: kind, Text: " saw 502s "},
			check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
				if d := changes[0].Data.(*NoteData); *d != (NoteData{Kind: kind, Text: "saw 502s"}) {
					t.Errorf("data %+v", d)
				}
				if !inc.UpdatedAt.Equal(at) {
					t.Errorf("updated at %s", inc.UpdatedAt)
				}
			}})
	}
	tests = append(tests,
		lifecycleCase{name: "default kind", act: Action{Kind: ActAddNote, Text: "x"}, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if d := changes[0].Data.(*NoteData); d.Kind != NoteGeneral {
				t.Errorf("kind %q", d.Kind)
			}
		}},
		lifecycleCase{name: "unknown kind", act: Action{Kind: ActAddNote, NoteKind: "rumour", Text: "x"}, code: EInvalid, fields: []string{"kind"}},
		lifecycleCase{name: "empty text", act: Action{Kind: ActAddNote, Text: "  "}, code: EInvalid, fields: []string{"text"}},
		lifecycleCase{name: "unknown kind and no text", act: Action{Kind: ActAddNote, NoteKind: "rumour"}, code: EInvalid, fields: []string{"kind", "text"}},
		lifecycleCase{name: "text too long", act: Action{Kind: ActAddNote, Text: strings.Repeat("x", MaxText+1)}, code: EInvalid, fields: []string{"text"}},
		lifecycleCase{name: "invalid UTF-8", act: Action{Kind: ActAddNote, Text: "bad \xff"}, code: EInvalid, fields: []string{"text"}},
		lifecycleCase{name: "on a resolved incident", setup: []Action{resolve}, act: Action{Kind: ActAddNote, NoteKind: NoteDecision, Text: "write RCA"}},
	)
	runLifecycle(t, tests)
}

func TestUpdate(t *testing.T) {
	upd := func(u UpdatedData) Action { return Action{Kind: ActUpdate, Update: u} }
	eta := ny(2026, 6, 10, 15, 30)
	recorded := func(want UpdatedData) func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
		return func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			t.Helper()
			got := changes[0].Data.(*UpdatedData)
			if g, w := mustJSON(t, got), mustJSON(t, &want); g != w {
				t.Errorf("recorded %s, want %s", g, w)
			}
		}
	}
	runLifecycle(t, []lifecycleCase{
		{name: "title only", act: upd(UpdatedData{Title: ptr("  Gateway down  ")}), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			recorded(UpdatedData{Title: ptr("Gateway down")})(t, inc, changes, at)
			if inc.Title != "Gateway down" {
				t.Errorf("title %q", inc.Title)
			}
		}},
		{name: "unchanged fields are left out", act: upd(UpdatedData{Title: ptr("API gateway returns 502"), Description: ptr(""), Impact: ptr("all users"), Services: []string{"api-gateway"}}),
			check: recorded(UpdatedData{Impact: ptr("all users")})},
		{name: "description impact scope", act: upd(UpdatedData{Description: ptr("d"), Impact: ptr("i"), Scope: ptr("s")}), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			recorded(UpdatedData{Description: ptr("d"), Impact: ptr("i"), Scope: ptr("s")})(t, inc, changes, at)
			if inc.Description != "d" || inc.Impact != "i" || inc.Scope != "s" {
				t.Errorf("%q %q %q", inc.Description, inc.Impact, inc.Scope)
			}
		}},
		{name: "services deduplicated", act: upd(UpdatedData{Services: []string{"web-console", " api-gateway", "web-console"}}), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if !slices.Equal(inc.Services, []string{"web-console", "api-gateway"}) {
				t.Errorf("services %v", inc.Services)
			}
		}},
		{name: "services cleared", act: upd(UpdatedData{Services: []string{}}), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if inc.Services == nil || len(inc.Services) != 0 {
				t.Errorf("services %#v", inc.Services)
			}
		}},
		{name: "set ETA stores UTC", act: upd(UpdatedData{ETA: &eta}), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if inc.ETA == nil || !inc.ETA.Equal(eta) || inc.ETA.Location() != time.UTC {
				t.Errorf("eta %v", inc.ETA)
			}
		}},
		{name: "same ETA changes nothing", setup: []Action{upd(UpdatedData{ETA: &eta})}, act: upd(UpdatedData{ETA: ptr(eta.UTC())}), code: EInvalid},
		{name: "move ETA", setup: []Action{upd(UpdatedData{ETA: &eta})}, act: upd(UpdatedData{ETA: ptr(eta.Add(time.Hour))})},
		{name: "clear ETA", setup: []Action{upd(UpdatedData{ETA: &eta})}, act: upd(UpdatedData{ClearETA: true}), check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if inc.ETA != nil {
				t.Errorf("eta %v", inc.ETA)
			}
		}},
		{name: "clear an absent ETA changes nothing", act: upd(UpdatedData{ClearETA: true}), code: EInvalid},
		{name: "set and clear ETA", act: upd(UpdatedData{ETA: &eta, ClearETA: true}), code: EInvalid, fields: []string{"eta"}},
		{name: "nothing", act: upd(UpdatedData{}), code: EInvalid},
		{name: "same title", act: upd(UpdatedData{Title: ptr(" API gateway returns 502 ")}), code: EInvalid},
		{name: "same services", act: upd(UpdatedData{Services: []string{"api-gateway", "api-gateway"}}), code: EInvalid},
		{name: "empty title", act: upd(UpdatedData{Title: ptr(" ")}), code: EInvalid, fields: []string{"title"}},
		{name: "title too long", act: upd(UpdatedData{Title: ptr(strings.Repeat("x", MaxTitle+1))}), code: EInvalid, fields: []string{"title"}},
		{name: "title at the cap", act: upd(UpdatedData{Title: ptr(strings.Repeat("ü", MaxTitle))})},
		{name: "impact too long", act: upd(UpdatedData{Impact: ptr(strings.Repeat("x", MaxImpactScope+1))}), code: EInvalid, fields: []string{"impact"}},
		{name: "unknown service", act: upd(UpdatedData{Services: []string{"api-gateway", "mainframe"}}), code: EInvalid, fields: []string{"services"}},
		{name: "every field wrong at once", act: upd(UpdatedData{Title: ptr(""), Scope: ptr(strings.Repeat("x", MaxImpactScope+1)), Services: []string{"mainframe"}, ETA: &eta, ClearETA: true}),
			code: EInvalid, fields: []string{"title", "scope", "services", "eta"}},
	})
}

func TestEscalateResolveReopenAddMember(t *testing.T) {
	runLifecycle(t, []lifecycleCase{
		{name: "escalate to a person", act: Action{Kind: ActEscalate, To: " erin ", Text: "no progress"}, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if d := changes[0].Data.(*EscalatedData); *d != (EscalatedData{To: "erin", Note: "no progress", Person: "erin"}) {
				t.Errorf("data %+v", d)
			}
			// The page that follows meets the clock, not the request.
			if inc.EscalatedAt != nil {
				t.Errorf("escalated at %v", inc.EscalatedAt)
			}
		}},
		{name: "escalate to a text that names nobody", act: Action{Kind: ActEscalate, To: "engineering leads"}, code: EInvalid, fields: []string{"to"}},
		{name: "escalate to an unknown chain step", act: Action{Kind: ActEscalate, To: "technical:9"}, code: EInvalid, fields: []string{"to"}},
		{name: "escalate needs a target", act: Action{Kind: ActEscalate, To: " "}, code: EInvalid, fields: []string{"to"}},
		{name: "escalate a resolved incident", setup: []Action{resolve}, act: Action{Kind: ActEscalate, To: "erin"}, code: EConflict},
		{name: "page the primary again", act: Action{Kind: ActPage}, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if d := changes[0].Data.(*PageRequestedData); changes[0].Type != EventPageRequested || d.Person != "" || d.Step != nil {
				t.Errorf("changes %+v", changes)
			}
		}},
		{name: "page a step", act: Action{Kind: ActPage, Step: ptr(1)}, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if d := changes[0].Data.(*PageRequestedData); d.Step == nil || *d.Step != 1 {
				t.Errorf("data %+v", d)
			}
		}},
		{name: "page a step the walk does not have", act: Action{Kind: ActPage, Step: ptr(40)}, code: EInvalid, fields: []string{"step"}},
		{name: "page an unknown person", act: Action{Kind: ActPage, Person: "zed"}, code: EInvalid, fields: []string{"person"}},
		{name: "page a person and a step", act: Action{Kind: ActPage, Person: "erin", Step: ptr(0)}, code: EInvalid, fields: []string{"person"}},
		{name: "page a resolved incident", setup: []Action{resolve}, act: Action{Kind: ActPage, Person: "erin"}, code: EConflict},
		{name: "resolve from detection", act: Action{Kind: ActResolve, Text: " rolled back "}, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if d := changes[0].Data.(*ResolvedData); d.Summary != "rolled back" {
				t.Errorf("data %+v", d)
			}
			if inc.Status != StatusResolved || inc.Stage != StageResolution || inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(at) {
				t.Errorf("status %s stage %s resolved %v", inc.Status, inc.Stage, inc.ResolvedAt)
			}
		}},
		{name: "resolve from mitigation", setup: []Action{ack, toStage(StageMitigation)}, act: Action{Kind: ActResolve}, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if inc.Status != StatusResolved || inc.Stage != StageResolution {
				t.Errorf("status %s stage %s", inc.Status, inc.Stage)
			}
		}},
		{name: "resolve twice", setup: []Action{resolve}, act: resolve, code: EConflict},
		{name: "resolve summary too long", act: Action{Kind: ActResolve, Text: strings.Repeat("x", MaxText+1)}, code: EInvalid, fields: []string{"text"}},
		{name: "reopen an acknowledged incident", setup: []Action{ack, resolve}, act: reopen, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if inc.Status != StatusAcknowledged || inc.Stage != StageInvestigation || inc.ResolvedAt != nil || inc.AcknowledgedAt == nil {
				t.Errorf("status %s stage %s resolved %v acked %v", inc.Status, inc.Stage, inc.ResolvedAt, inc.AcknowledgedAt)
			}
		}},
		{name: "reopen an unacknowledged incident", setup: []Action{resolve}, act: reopen, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if inc.Status != StatusTriggered || inc.Stage != StageInvestigation {
				t.Errorf("status %s stage %s", inc.Status, inc.Stage)
			}
		}},
		{name: "reopen a closed incident", setup: append([]Action{ack}, closeIt...), act: reopen, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if inc.Status != StatusAcknowledged || inc.ClosedAt != nil || inc.ResolvedAt != nil {
				t.Errorf("status %s closed %v resolved %v", inc.Status, inc.ClosedAt, inc.ResolvedAt)
			}
		}},
		{name: "reopen keeps the clocks", sev: P3, setup: []Action{resolve}, act: reopen, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if !inc.ResolveBy.Equal(declaredAt.Add(24 * time.Hour)) {
				t.Errorf("resolve by %s", inc.ResolveBy)
			}
		}},
		{name: "reopen an open incident", act: reopen, code: EConflict},
		{name: "reopen needs a reason", setup: []Action{resolve}, act: Action{Kind: ActReopen, Reason: " "}, code: EInvalid, fields: []string{"reason"}},
		{name: "add member", act: Action{Kind: ActAddMember, Person: "erin"}, check: func(t *testing.T, inc *Incident, changes []Change, at time.Time) {
			if !slices.Equal(inc.Members, []string{"alice", "erin"}) {
				t.Errorf("members %v", inc.Members)
			}
		}},
		{name: "add a member twice", setup: []Action{{Kind: ActAddMember, Person: "erin"}}, act: Action{Kind: ActAddMember, Person: "erin"}, code: EConflict},
		{name: "add the declarer", act: Action{Kind: ActAddMember, Person: "alice"}, code: EConflict},
		{name: "add a role holder", setup: []Action{assign(RoleSME, "bob")}, act: Action{Kind: ActAddMember, Person: "bob"}, code: EConflict},
		{name: "add an unknown member", act: Action{Kind: ActAddMember, Person: "zed"}, code: EInvalid, fields: []string{"person"}},
	})
}

func TestBreachesAt(t *testing.T) {
	p := testPolicy()
	type step struct {
		a  Action
		at time.Time
		// paged, when set, is recorded instead of a: a walk step as the
		// engine records it.
		paged *EscalationStepData
	}
	at := func(min int) time.Time { return declaredAt.Add(time.Duration(min) * time.Minute) }
	// An escalation is met by the step that pages the required level, not
	// by a person's escalate action (which the engine then pages).
	reached := &EscalationStepData{Step: 3, Name: "lead", Recipients: []Recipient{{Person: "bob"}}, Escalates: true}
	below := &EscalationStepData{Step: 2, Name: "on-call", Recipients: []Recipient{{Person: "carol"}}}
	nobody := &EscalationStepData{Step: 3, Name: "lead", Escalates: true, Skipped: "the step resolved to no one"}
	esc := Action{Kind: ActEscalate, To: "bob"}
	// P2 declared Wednesday 10:00: respond by 11:00, escalate by 12:00,
	// resolve by 18:00.
	tests := []struct {
		name  string
		sev   Severity
		steps []step
		now   time.Time
		want  Breaches
	}{
		{"fresh", P2, nil, at(30), Breaches{}},
		{"exactly at respond-by", P2, nil, at(60), Breaches{}},
		{"respond missed", P2, nil, at(61), Breaches{Respond: true}},
		{"acknowledged in time", P2, []step{{ack, at(59), nil}}, at(90), Breaches{}},
		{"acknowledged at the deadline", P2, []step{{ack, at(60), nil}}, at(90), Breaches{}},
		{"acknowledged late", P2, []step{{ack, at(61), nil}}, at(90), Breaches{Respond: true}},
		{"escalate missed", P2, []step{{ack, at(1), nil}}, at(121), Breaches{Escalate: true}},
		{"escalated in time", P2, []step{{ack, at(1), nil}, {esc, at(100), nil}, {at: at(100), paged: reached}}, at(200), Breaches{}},
		{"escalation asked for but not paged", P2, []step{{ack, at(1), nil}, {esc, at(100), nil}}, at(200), Breaches{Escalate: true}},
		{"paged below the required level", P2, []step{{ack, at(1), nil}, {at: at(100), paged: below}}, at(200), Breaches{Escalate: true}},
		{"the required level resolved to no one", P2, []step{{ack, at(1), nil}, {at: at(100), paged: nobody}}, at(200), Breaches{Escalate: true}},
		{"escalated within the tolerance", P2, []step{{at: at(120).Add(ClockTolerance), paged: reached}}, at(200), Breaches{Respond: true}},
		{"escalated late", P2, []step{{ack, at(1), nil}, {at: at(130), paged: reached}}, at(200), Breaches{Escalate: true}},
		{"escalated in time then again late", P2, []step{{ack, at(1), nil}, {at: at(100), paged: reached}, {at: at(130), paged: reached}}, at(200), Breaches{}},
		{"resolved before escalate-by", P2, []step{{ack, at(1), nil}, {resolve, at(100), nil}}, at(600), Breaches{}},
		{"resolved after escalate-by", P2, []step{{ack, at(1), nil}, {resolve, at(200), nil}}, at(600), Breaches{Escalate: true}},
		{"resolve missed", P2, []step{{ack, at(1), nil}, {at: at(2), paged: reached}}, at(481), Breaches{Resolve: true}},
		{"resolved late", P2, []step{{ack, at(1), nil}, {at: at(2), paged: reached}, {resolve, at(500), nil}}, at(600), Breaches{Resolve: true}},
		{"reopened, unresolved past resolve-by", P2, []step{{ack, at(1), nil}, {at: at(2), paged: reached}, {resolve, at(100), nil}, {reopen, at(300), nil}}, at(481), Breaches{Resolve: true}},
		// "Immediate" is met within the immediate window (5 minutes).
		{"P1 acknowledged within the immediate window", P1, []step{{ack, at(4), nil}, {at: declaredAt, paged: reached}}, at(10), Breaches{}},
		{"P1 acknowledged after the immediate window", P1, []step{{ack, at(5).Add(2 * time.Second), nil}, {at: declaredAt, paged: reached}}, at(10), Breaches{Respond: true}},
		{"P1 unacknowledged past the window", P1, []step{{at: declaredAt, paged: reached}}, at(5).Add(2 * time.Second), Breaches{Respond: true}},
		{"P1 never escalated", P1, []step{{ack, at(1), nil}}, at(6), Breaches{Escalate: true}},
		{"P4 never breaches escalation", P4, nil, at(7*24*60 + 1), Breaches{Respond: true, Resolve: true}},
		{"severity raised: clocks restart", P4, []step{{sevTo(P2, "worse"), at(120), nil}}, at(170), Breaches{}},
		{"severity raised: new respond-by missed", P4, []step{{sevTo(P2, "worse"), at(120), nil}}, at(181), Breaches{Respond: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := declare(t, p, tt.sev, declaredAt)
			for _, s := range tt.steps {
				if s.paged != nil {
					tl.recordPaging(Change{Type: EventEscalationStep, Data: s.paged}, s.at)
					continue
				}
				tl.must(s.a, s.at)
			}
			if got := tl.inc.BreachesAt(tt.now); got != tt.want {
				t.Errorf("BreachesAt(+%s) = %+v, want %+v", tt.now.Sub(declaredAt), got, tt.want)
			}
			tl.checkReplay()
		})
	}
}

func TestVisibleTo(t *testing.T) {
	restricted := &Incident{Restricted: true, Members: []string{"alice", "bob"}}
	open := &Incident{Members: []string{"alice"}}
	tests := []struct {
		name string
		inc  *Incident
		a    Actor
		want bool
	}{
		{"member responder", restricted, Actor{Role: RoleResponder, PersonID: "bob"}, true},
		{"member viewer", restricted, Actor{Role: RoleViewer, PersonID: "alice"}, true},
		{"admin non-member", restricted, Actor{Role: RoleAdmin, PersonID: "erin"}, true},
		{"admin automation", restricted, Actor{Role: RoleAdmin, Automation: "backup"}, true},
		{"other responder", restricted, Actor{Role: RoleResponder, PersonID: "carol"}, false},
		{"other viewer", restricted, Actor{Role: RoleViewer, PersonID: "carol"}, false},
		{"automation responder", restricted, Actor{Role: RoleResponder, Automation: "alertmanager"}, false},
		{"nobody", restricted, Actor{}, false},
		{"unrestricted viewer", open, Actor{Role: RoleViewer, PersonID: "carol"}, true},
		{"unrestricted anyone", open, Actor{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.inc.VisibleTo(tt.a); got != tt.want {
				t.Errorf("VisibleTo(%+v) = %v, want %v", tt.a, got, tt.want)
			}
		})
	}

	// Through the lifecycle: a security incident is visible to its
	// declarer, to people given roles or added, and to admins.
	p := testPolicy()
	in, err := DeclareInput{Title: "credential leak", Severity: P1, Source: SourceSecurity}.Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	tl := declareInput(t, p, in, Actor{Role: RoleResponder, PersonID: "alice"}, declaredAt)
	carol := Actor{Role: RoleResponder, PersonID: "carol"}
	dave := Actor{Role: RoleViewer, PersonID: "dave"}
	if !tl.inc.Restricted || !tl.inc.VisibleTo(Actor{Role: RoleResponder, PersonID: "alice"}) || tl.inc.VisibleTo(carol) || tl.inc.VisibleTo(dave) {
		t.Fatalf("restricted %v", tl.inc.Restricted)
	}
	tl.must(assign(RoleSME, "carol"), actAt)
	tl.must(Action{Kind: ActAddMember, Person: "dave"}, actAt)
	if !tl.inc.VisibleTo(carol) || !tl.inc.VisibleTo(dave) || tl.inc.VisibleTo(Actor{Role: RoleResponder, PersonID: "erin"}) {
		t.Error("role holders and added members must see the incident, others not")
	}
	tl.checkReplay()
}

// Do promises an unchanged incident on error, even when the error comes
// after the change was applied (here: the policy lost the severity).
func TestDoUnchangedWhenClocksFail(t *testing.T) {
	p := testPolicy()
	tl := declare(t, p, P3, declaredAt)
	tl.must(assign(RoleSME, "bob"), actAt)
	noP3 := testPolicy()
	noP3.Severities = slices.DeleteFunc(noP3.Severities, func(s SeverityPolicy) bool { return s.Level == P3 })
	tl.p = noP3
	for _, a := range []Action{ack, assign(RoleSME, "carol"), {Kind: ActAddNote, Text: "x"}, resolve} {
		if _, err := tl.do(a, actAt.Add(time.Minute)); ErrorCode(err) != EInvalid {
			t.Errorf("Do(%s) under a policy without P3: error %v, want EInvalid", a.Kind, err)
		}
	}
	// The valid way out: change to a severity the policy has.
	tl.must(sevTo(P2, "policy changed"), actAt.Add(2*time.Minute))
	tl.checkReplay()
}

// Incidents copied by value must not share role or member storage: work
// on one copy must never show up in the other.
func TestIncidentCopiesDoNotShareSlices(t *testing.T) {
	p := testPolicy()
	tl := declare(t, p, P2, declaredAt)
	tl.must(assign(RoleSME, "bob"), actAt)
	tl.must(assign(RoleSME, "carol"), actAt)
	tl.must(assign(RoleSME, "dave"), actAt)
	tl.must(Action{Kind: ActAddMember, Person: "erin"}, actAt)

	cp := *tl.inc
	tl.must(assign(RoleSME, "erin"), actAt.Add(time.Minute))
	if _, err := cp.Do(p, assign(RoleIncidentCommander, "alice"), actAt.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantRoles := []RoleAssignment{{RoleSME, "bob"}, {RoleSME, "carol"}, {RoleSME, "dave"}, {RoleSME, "erin"}}
	if !slices.Equal(tl.inc.Roles, wantRoles) {
		t.Errorf("roles of the original %v, want %v", tl.inc.Roles, wantRoles)
	}
	wantCopy := []RoleAssignment{{RoleSME, "bob"}, {RoleSME, "carol"}, {RoleSME, "dave"}, {RoleIncidentCommander, "alice"}}
	if !slices.Equal(cp.Roles, wantCopy) {
		t.Errorf("roles of the copy %v, want %v", cp.Roles, wantCopy)
	}
	tl.checkReplay()

	// Members too.
	tl2 := declare(t, p, P2, declaredAt)
	tl2.must(Action{Kind: ActAddMember, Person: "bob"}, actAt)
	tl2.must(Action{Kind: ActAddMember, Person: "carol"}, actAt) // len 3, cap 4
	cp2 := *tl2.inc
	tl2.must(Action{Kind: ActAddMember, Person: "dave"}, actAt)
	if _, err := cp2.Do(p, Action{Kind: ActAddMember, Person: "erin"}, actAt); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tl2.inc.Members, []string{"alice", "bob", "carol", "dave"}) || !slices.Equal(cp2.Members, []string{"alice", "bob", "carol", "erin"}) {
		t.Errorf("members %v and %v", tl2.inc.Members, cp2.Members)
	}
	tl2.checkReplay()

	// The change returned by NewIncident does not alias the incident.
	services := []string{"api-gateway", "web-console"}
	inc, _, err := NewIncident(p, DeclareInput{Title: "t", Severity: P3, Services: services}, 1, Actor{PersonID: "alice"}, declaredAt)
	if err != nil {
		t.Fatal(err)
	}
	services[0] = "mutated"
	if inc.Services[0] != "api-gateway" {
		t.Errorf("incident services follow the input: %v", inc.Services)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	return incidentJSONAny(t, v)
}
