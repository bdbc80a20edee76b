package fireline

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustMatcher(s string) LabelMatcher {
	m, err := ParseLabelMatcher(s)
	if err != nil {
		panic(err)
	}
	return m
}

// testPlaybooks are small playbooks shaped like the guide's: a workflow
// every incident gets, and three matched ones.
func testPlaybooks() []*Playbook {
	step := func(id string, n int, st Stage, text string, sevs []Severity, auto string) PlaybookStep {
		return PlaybookStep{Key: id + "/" + string(rune('0'+n)), Stage: st, Text: text, Severities: sevs, Auto: auto}
	}
	high, low := []Severity{P1, P2}, []Severity{P3, P4}
	return []*Playbook{
		{ID: "workflow", Title: "Workflow", AppliesTo: []PlaybookMatch{{Severities: []Severity{P1, P2, P3, P4}}}, Steps: []PlaybookStep{
			step("workflow", 1, StageDetection, "Acknowledge alert or report", nil, "acknowledged"),
			step("workflow", 2, StageInitialResponse, "Designate incident commander", high, "role_assigned:incident_commander"),
			step("workflow", 3, StageInitialResponse, "Begin incident log", high, "note"),
			step("workflow", 4, StageInitialResponse, "Assign appropriate resources", low, "role_assigned"),
			step("workflow", 5, StageMitigation, "Document mitigation steps", nil, "note:mitigation_step"),
			step("workflow", 6, StageResolution, "Schedule post-incident review", nil, ""),
		}},
		{ID: "database", Title: "Database", AppliesTo: []PlaybookMatch{{Alerts: []LabelMatcher{mustMatcher(`alertname=~"Postgres.*"`)}}, {Keywords: []string{"database"}}},
			Steps: []PlaybookStep{step("database", 1, StageInvestigation, "Check database metrics", nil, "")}},
		{ID: "security", Title: "Security", AppliesTo: []PlaybookMatch{{Sources: []Source{SourceSecurity}}},
			Steps: []PlaybookStep{step("security", 1, StageMitigation, "Revoke compromised credentials", nil, "")}},
		{ID: "critical-gateway", Title: "Gateway P1", AppliesTo: []PlaybookMatch{{Severities: []Severity{P1}, Services: []string{"api-gateway"}}},
			Steps: []PlaybookStep{step("critical-gateway", 1, StageMitigation, "Fail over the gateway", nil, "")}},
		{ID: "manual", Title: "By hand only", Steps: []PlaybookStep{step("manual", 1, StageInvestigation, "Look around", nil, "")}},
	}
}

func checklistPolicy() *Policy {
	p := testPolicy()
	p.Playbooks = testPlaybooks()
	p.PlaybookRules = PlaybookPolicy{Required: []RequiredPlaybooks{{Severities: []Severity{P1, P2}, Playbooks: []string{"workflow"}}}}
	return p
}

func attachedIDs(inc *Incident) string {
	var ids []string
	for _, pb := range inc.Checklist.Playbooks {
		ids = append(ids, pb.ID)
	}
	return strings.Join(ids, ",")
}

func TestPlaybookMatching(t *testing.T) {
	p := checklistPolicy()
	pg := map[string]string{"alertname": "PostgresReplicationLag", "severity": "critical"}
	for _, tc := range []struct {
		name   string
		in     DeclareInput
		labels map[string]string
		want   string
	}{
		{"workflow for every incident", DeclareInput{Title: "Slow pages", Severity: P3, Services: []string{"web-console"}}, nil, "workflow"},
		{"alert labels", DeclareInput{Title: "Replica behind", Severity: P2, Services: []string{"web-console"}}, pg, "workflow,database"},
		{"labels must match", DeclareInput{Title: "Replica behind", Severity: P2}, map[string]string{"alertname": "MySQLDown"}, "workflow"},
		{"label rules need an alert", DeclareInput{Title: "Replica behind", Severity: P2}, nil, "workflow"},
		{"title keyword", DeclareInput{Title: "Database connections exhausted", Severity: P3}, nil, "workflow,database"},
		{"keywords are whole words", DeclareInput{Title: "Databases of cats", Severity: P3}, nil, "workflow"},
		{"security source", DeclareInput{Title: "Leaked key", Severity: P1, Source: SourceSecurity}, nil, "workflow,security"},
		{"all fields of a rule", DeclareInput{Title: "Gateway down", Severity: P1, Services: []string{"api-gateway"}}, nil, "workflow,critical-gateway"},
		{"all fields of a rule, one missing", DeclareInput{Title: "Gateway down", Severity: P2, Services: []string{"api-gateway"}}, nil, "workflow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := tc.in.Validate(p)
			if err != nil {
				t.Fatal(err)
			}
			inc, _, err := NewIncident(p, in, 1, Actor{PersonID: "alice"}, declaredAt)
			if err != nil {
				t.Fatal(err)
			}
			changes := inc.AttachMatching(p, tc.labels, declaredAt)
			if got := attachedIDs(inc); got != tc.want {
				t.Errorf("attached %q, want %q", got, tc.want)
			}
			if len(changes) != len(inc.Checklist.Playbooks) {
				t.Errorf("%d changes for %d playbooks", len(changes), len(inc.Checklist.Playbooks))
			}
			if again := inc.AttachMatching(p, tc.labels, declaredAt); len(again) != 0 {
				t.Errorf("matching again attached %d more", len(again))
			}
		})
	}
	// Why each was attached is on its event.
	inc, _, _ := NewIncident(p, DeclareInput{Title: "x", Severity: P2, Source: SourceOnCall, Restricted: ptr(false)}, 1, Actor{}, declaredAt)
	c := inc.AttachMatching(p, pg, declaredAt)
	if got := c[1].Data.(*PlaybookAttachedData).Matched; got != `alerts: alertname=~"Postgres.*"` {
		t.Errorf("matched = %q", got)
	}
}

func types(changes []Change) string {
	var s []string
	for _, c := range changes {
		s = append(s, string(c.Type))
	}
	return strings.Join(s, ",")
}

func TestChecklistThroughDoAndReplay(t *testing.T) {
	p := checklistPolicy()
	tl := declare(t, p, P1, declaredAt)
	tl.record("alice", declaredAt, tl.inc.AttachMatching(p, nil, declaredAt)...)
	if got := attachedIDs(tl.inc); got != "workflow,critical-gateway" {
		t.Fatalf("attached %q", got)
	}
	at := declaredAt.Add(time.Minute)

	// Steps tick themselves on the events their auto key names.
	if got := types(tl.must(Action{Kind: ActAcknowledge, By: "bob"}, at)); got != "acknowledged,stage_changed,step_checked" {
		t.Errorf("acknowledge: %s", got)
	}
	if got := types(tl.must(Action{Kind: ActAssignRole, Role: RoleIncidentCommander, Person: "carol", By: "bob"}, at)); got != "role_assigned,step_checked" {
		t.Errorf("assign commander: %s", got)
	}
	if got := types(tl.must(Action{Kind: ActAssignRole, Role: RoleSME, Person: "dave", By: "bob"}, at)); got != "role_assigned" {
		t.Errorf("assign SME (the P3/P4 step is not for a P1): %s", got)
	}
	s := tl.inc.Checklist.Step("workflow/2")
	if !s.Checked || s.CheckedBy != "bob" || !s.CheckedAt.Equal(at) {
		t.Errorf("workflow/2 = %+v", s)
	}

	// Checking and unchecking by hand, with notes.
	at = at.Add(time.Minute)
	tl.must(Action{Kind: ActCheckStep, StepKey: "critical-gateway/1", Text: "failed over to us-east", By: "dave"}, at)
	_, err := tl.do(Action{Kind: ActCheckStep, StepKey: "critical-gateway/1", By: "carol"}, at)
	wantCode(t, err, EConflict)
	_, err = tl.do(Action{Kind: ActCheckStep, StepKey: "workflow/99", By: "carol"}, at)
	wantCode(t, err, EInvalid)
	tl.must(Action{Kind: ActUncheckStep, StepKey: "critical-gateway/1", Text: "failover did not hold", By: "carol"}, at)
	_, err = tl.do(Action{Kind: ActUncheckStep, StepKey: "critical-gateway/1", By: "carol"}, at)
	wantCode(t, err, EConflict)
	tl.must(Action{Kind: ActCheckStep, StepKey: "critical-gateway/1", By: "carol"}, at)

	// By hand: attach, detach; a required playbook stays.
	tl.must(Action{Kind: ActAttachPlaybook, Playbook: "manual", By: "bob"}, at)
	_, err = tl.do(Action{Kind: ActAttachPlaybook, Playbook: "manual"}, at)
	wantCode(t, err, EConflict)
	_, err = tl.do(Action{Kind: ActAttachPlaybook, Playbook: "nope"}, at)
	wantCode(t, err, EInvalid)
	tl.must(Action{Kind: ActDetachPlaybook, Playbook: "manual", Reason: "not needed"}, at)
	_, err = tl.do(Action{Kind: ActDetachPlaybook, Playbook: "workflow"}, at)
	wantCode(t, err, EConflict)
	if !slices.Contains(tl.inc.Checklist.Detached, "manual") {
		t.Errorf("detached = %v", tl.inc.Checklist.Detached)
	}

	// The resolution gate: required steps open refuse the move, naming them.
	_, err = tl.do(Action{Kind: ActResolve, Text: "fixed"}, at)
	wantCode(t, err, EConflict)
	var fe *Error
	if e, ok := err.(*Error); ok {
		fe = e
	}
	if fe == nil || len(fe.Fields) != 2 || fe.Fields[0].Field != "workflow/3" || fe.Fields[1].Field != "workflow/5" ||
		!strings.Contains(fe.Message, "2 required steps open before resolution") {
		t.Errorf("gate error = %#v", err)
	}
	_, err = tl.do(Action{Kind: ActChangeStage, Stage: StageResolution}, at)
	wantCode(t, err, EConflict)
	_, err = tl.do(Action{Kind: ActResolve, Override: "customers first", By: "dave"}, at)
	wantCode(t, err, EForbidden)
	if !strings.Contains(err.Error(), "carol holds incident_commander") {
		t.Errorf("override by a non-commander: %v", err)
	}
	// A note ticks "Begin incident log"; one step stays open.
	if got := types(tl.must(Action{Kind: ActAddNote, Text: "bridge open", By: "carol"}, at)); got != "note,step_checked" {
		t.Errorf("note: %s", got)
	}
	changes := tl.must(Action{Kind: ActResolve, Text: "fixed", Override: "Mitigation documented on the bridge", By: "carol"}, at)
	if got := types(changes); got != "checklist_overridden,resolved,review_opened" {
		t.Errorf("override: %s", got)
	}
	if d := changes[0].Data.(*ChecklistOverriddenData); d.By != "carol" || !slices.Equal(d.Open, []string{"workflow/5"}) {
		t.Errorf("override data = %+v", d)
	}
	// Resolution steps are checked after resolving.
	tl.must(Action{Kind: ActCheckStep, StepKey: "workflow/6", By: "carol"}, at.Add(time.Hour))
	tl.checkReplay()

	// The export proves the checklist: edit it and verification fails.
	x := &Export{Format: ExportFormat, Incident: tl.inc, Events: tl.events}
	if err := VerifyExport(x); err != nil {
		t.Fatalf("VerifyExport: %v", err)
	}
	edited := *tl.inc
	b, _ := json.Marshal(tl.inc.Checklist)
	json.Unmarshal(b, &edited.Checklist)
	edited.Checklist.Playbooks[0].Steps[4].Checked = true
	if err := VerifyExport(&Export{Format: ExportFormat, Incident: &edited, Events: tl.events}); err == nil || !strings.Contains(err.Error(), "checklist") {
		t.Errorf("VerifyExport of an edited checklist: %v", err)
	}
}

// A gated severity with every required step checked resolves without an
// override; a P3 is not gated at all.
func TestResolutionGateOpens(t *testing.T) {
	p := checklistPolicy()
	tl := declare(t, p, P2, declaredAt)
	tl.record("alice", declaredAt, tl.inc.AttachMatching(p, nil, declaredAt)...)
	for _, k := range []string{"workflow/1", "workflow/2", "workflow/3", "workflow/5"} {
		tl.must(Action{Kind: ActCheckStep, StepKey: k, By: "bob"}, declaredAt)
	}
	if got := types(tl.must(Action{Kind: ActChangeStage, Stage: StageResolution}, declaredAt)); got != "stage_changed" {
		t.Errorf("stage: %s", got)
	}
	tl.must(Action{Kind: ActResolve}, declaredAt)

	// Alerts resolving an incident by themselves (alerts.auto_resolve)
	// are not held to the checklist.
	auto := declare(t, p, P1, declaredAt)
	auto.record("alice", declaredAt, auto.inc.AttachMatching(p, nil, declaredAt)...)
	if got := types(auto.must(Action{Kind: ActResolve, Automatic: true}, declaredAt)); got != "resolved,review_opened" {
		t.Errorf("automatic resolve: %s", got)
	}

	p3 := declare(t, p, P3, declaredAt)
	p3.record("alice", declaredAt, p3.inc.AttachMatching(p, nil, declaredAt)...)
	p3.must(Action{Kind: ActResolve}, declaredAt)
	tl.checkReplay()
	p3.checkReplay()
}

// Reclassifying attaches what matches now; steps keep their state.
func TestReclassifyingAttaches(t *testing.T) {
	p := checklistPolicy()
	tl := declare(t, p, P3, declaredAt)
	tl.record("alice", declaredAt, tl.inc.AttachMatching(p, nil, declaredAt)...)
	tl.must(Action{Kind: ActCheckStep, StepKey: "workflow/1", By: "bob"}, declaredAt)
	changes := tl.must(Action{Kind: ActChangeSeverity, Severity: P1, Reason: "all customers"}, declaredAt)
	if got := types(changes); got != "severity_changed,playbook_attached" {
		t.Errorf("severity change: %s", got)
	}
	changes = tl.must(Action{Kind: ActUpdate, Update: UpdatedData{Title: ptr("Database down")}}, declaredAt)
	if got := types(changes); got != "updated,playbook_attached" {
		t.Errorf("title change: %s", got)
	}
	if got := attachedIDs(tl.inc); got != "workflow,critical-gateway,database" {
		t.Errorf("attached %s", got)
	}
	if !tl.inc.Checklist.Step("workflow/1").Checked {
		t.Error("workflow/1 lost its check")
	}
	view := p.ChecklistView(tl.inc)
	var stages []string
	for _, s := range view {
		stages = append(stages, string(s.Stage)+":"+string(rune('0'+s.Done))+"/"+string(rune('0'+s.Total)))
	}
	if got := strings.Join(stages, " "); got != "detection:1/1 initial_response:0/2 investigation:0/1 mitigation:0/2 resolution:0/1" {
		t.Errorf("view: %s", got)
	}
	tl.checkReplay()
}
