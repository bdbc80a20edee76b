package fireline

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// commsPolicy is the test policy with public services in a group, a
// technical chain and the guide's contacts.
func commsPolicy() *Policy {
	p := testPolicy()
	p.Services[0].Public, p.Services[1].Public, p.Services[3].Public = true, true, true
	p.Comms.Groups = []ComponentGroup{{ID: "platform", Name: "Platform", Services: []string{"api-gateway", "agent-orchestrator"}}}
	p.People = append(p.People, Person{ID: "dora", Name: "Dora", Title: "Director of Engineering"})
	p.Contacts = []Contact{{ID: "management", Name: "Management", Email: "management@example.com"},
		{ID: "communications", Name: "Comms", Email: "comms@example.com"}}
	p.EscalationChains = []EscalationChain{{ID: "technical", Name: "Technical Escalation", Steps: []EscalationStep{
		{Title: "On-Call Engineer", People: []string{"alice"}}, {Title: "Engineering Lead", People: []string{"bob"}},
		{Title: "Director of Engineering", Titles: []string{"Director of Engineering"}}}}}
	p.Severities[1].Escalation.Chain, p.Severities[1].Escalation.ThroughStep = "technical", 2
	p.Comms.Audiences = []Audience{{ID: "stakeholders", Severities: []Severity{P1, P2}, Contacts: []string{"management", "communications"}}}
	return p
}

func draft(status PublicStatus, by string, components ...ComponentImpact) Action {
	return Action{Kind: ActDraftUpdate, By: by, PublicUpdate: &PublicUpdateInput{Status: status, Components: components}}
}

func TestPublicUpdateApproval(t *testing.T) {
	p := commsPolicy()
	tl := declare(t, p, P2, declaredAt)
	tl.must(Action{Kind: ActAssignRole, Role: RoleIncidentCommander, Person: "carol"}, declaredAt)
	tl.must(Action{Kind: ActAssignRole, Role: RoleCommunicationsLiaison, Person: "dave"}, declaredAt)

	at := declaredAt.Add(5 * time.Minute)
	changes := tl.must(draft(PublicInvestigating, "bob", ComponentImpact{"api-gateway", StatePartialOutage}), at)
	if got := types(changes); got != "public_update_drafted" {
		t.Fatalf("a P2 draft = %s, want only drafted (P2 needs approval)", got)
	}
	u := tl.inc.Comms.Updates[0]
	if u.State != UpdateDraft || !strings.Contains(u.Text, "API Gateway") || !strings.Contains(u.Text, "a partial outage") {
		t.Errorf("draft = %+v, want the investigating template with the incident's facts", u)
	}
	// A responder who is neither commander nor liaison may not approve.
	_, err := tl.do(Action{Kind: ActApproveUpdate, UpdateNumber: 1, By: "bob"}, at)
	wantCode(t, err, EForbidden)
	_, err = tl.do(Action{Kind: ActApproveUpdate, UpdateNumber: 2, By: "dave"}, at)
	wantCode(t, err, ENotFound)

	at = at.Add(3 * time.Minute)
	changes = tl.must(Action{Kind: ActApproveUpdate, UpdateNumber: 1, By: "dave"}, at)
	if got := types(changes); got != "public_update_approved,public_update_published" {
		t.Fatalf("approval = %s", got)
	}
	u = tl.inc.Comms.Updates[0]
	if u.State != UpdatePublished || u.ApprovedBy != "dave" || !u.PublishedAt.Equal(at) {
		t.Errorf("approved update = %+v", u)
	}
	// Declared by a person: confirmed at declaration, first update due
	// 15 minutes later, met on time.
	if len(tl.inc.Comms.Obligations) != 1 || tl.inc.Comms.Obligations[0].Outcome != OutcomeOnTime ||
		!tl.inc.Comms.Obligations[0].Due.Equal(declaredAt.Add(15*time.Minute)) || !tl.inc.Comms.Obligations[0].First {
		t.Errorf("obligations = %+v, want the first met on time", tl.inc.Comms.Obligations)
	}
	_, err = tl.do(Action{Kind: ActApproveUpdate, UpdateNumber: 1, By: "dave"}, at)
	wantCode(t, err, EConflict)

	// Rejected drafts never publish.
	tl.must(Action{Kind: ActDraftUpdate, By: "bob", PublicUpdate: &PublicUpdateInput{Status: PublicIdentified, Text: "Found it"}}, at)
	tl.must(Action{Kind: ActRejectUpdate, UpdateNumber: 2, By: "carol", Reason: "too vague"}, at)
	if u := tl.inc.Comms.Updates[1]; u.State != UpdateRejected || u.RejectedBy != "carol" || u.Reason != "too vague" {
		t.Errorf("rejected = %+v", u)
	}
	if len(tl.inc.Comms.Published()) != 1 {
		t.Errorf("published = %d, want 1", len(tl.inc.Comms.Published()))
	}
	tl.checkReplay()
	x := &Export{Format: ExportFormat, Incident: tl.inc, Events: tl.events}
	if err := VerifyExport(x); err != nil {
		t.Fatalf("VerifyExport: %v", err)
	}
	edited := *tl.inc
	edited.Comms.Updates = slices.Clone(edited.Comms.Updates)
	edited.Comms.Updates[0].Text = "Nothing happened"
	if err := VerifyExport(&Export{Format: ExportFormat, Incident: &edited, Events: tl.events}); err == nil || !strings.Contains(err.Error(), "comms") {
		t.Errorf("VerifyExport of an edited update = %v, want comms named", err)
	}
}

func TestPublicUpdateRules(t *testing.T) {
	p := commsPolicy()
	tl := declare(t, p, P3, declaredAt)
	// P3 publishes without approval.
	changes := tl.must(draft(PublicIdentified, "bob"), declaredAt)
	if got := types(changes); got != "public_update_drafted,public_update_published" {
		t.Errorf("a P3 draft = %s, want drafted and published", got)
	}
	_, err := tl.do(Action{Kind: ActDraftUpdate, By: "bob", PublicUpdate: &PublicUpdateInput{Status: "fixed",
		Components: []ComponentImpact{{"model-orchestration", StateMajorOutage}, {"api-gateway", "down"}}}}, declaredAt)
	wantCode(t, err, EInvalid)
	if got := strings.Join(fieldNames(err), " "); got != "status text components[0].service components[1].state" {
		t.Errorf("fields = %s", got)
	}
	tl.checkReplay()

	in, _ := DeclareInput{Title: "Leaked keys", Severity: P1, Source: SourceSecurity, Services: []string{"api-gateway"}}.Validate(p)
	sec := declareInput(t, p, in, Actor{Role: RoleResponder, PersonID: "alice"}, declaredAt)
	_, err = sec.do(draft(PublicInvestigating, "alice"), declaredAt)
	wantCode(t, err, EConflict)
}

func TestCadence(t *testing.T) {
	p := commsPolicy()
	// Declared by an alert (no person): not confirmed until acknowledged.
	in, _ := DeclareInput{Title: "API 502", Severity: P2, Source: SourceMonitoring, Services: []string{"api-gateway"}}.Validate(p)
	tl := declareInput(t, p, in, Actor{Role: RoleAdmin, Automation: "intake"}, declaredAt)
	if _, _, ok := p.NextUpdateDue(tl.inc); ok {
		t.Fatal("an unconfirmed incident has an update due")
	}
	ack := declaredAt.Add(2 * time.Minute)
	tl.must(Action{Kind: ActAcknowledge}, ack)
	due, first, ok := p.NextUpdateDue(tl.inc)
	if !ok || !first || !due.Equal(ack.Add(15*time.Minute)) {
		t.Fatalf("due = %v %v %v, want 15 minutes after the acknowledgement", due, first, ok)
	}
	w := p.PlanWork(tl.inc, []Change{{EventAcknowledged, &AcknowledgedData{}}}, Actor{PersonID: "alice"}, ack)
	job := findJob(w.Jobs, JobCommsDue)
	if job == nil || !job.RunAt.Equal(due.Add(-5*time.Minute)) {
		t.Fatalf("cadence job = %+v, want one at the reminder", job)
	}
	// The reminder: nobody holds commander or liaison, so the primary on
	// call is told (none in this policy), then the job waits for the
	// deadline.
	tl.must(Action{Kind: ActAssignRole, Role: RoleCommunicationsLiaison, Person: "dave"}, ack)
	a := job.Args.(CommsJob)
	c, work, next, ok := p.CommsMark(tl.inc, a, job.RunAt, nil)
	if !ok || c.Type != EventUpdateDueSoon || !next.Reminded || len(work.Jobs) != 1 || work.Jobs[0].Args.(DeliveryJob).Recipient.Person != "dave" {
		t.Fatalf("reminder = %v %+v %+v %v", c.Type, work, next, ok)
	}
	tl.recordPaging(c, job.RunAt)
	// The deadline passes: overdue, and the Director of Engineering (the
	// step after P2's through_step 2) is told.
	at := due.Add(ClockTolerance)
	c, work, _, ok = p.CommsMark(tl.inc, next, at, nil)
	if !ok || c.Type != EventUpdateOverdue || len(work.Steps) != 1 || !strings.Contains(work.Steps[0].Steps[0].Name, "Director of Engineering") {
		t.Fatalf("deadline = %v %+v %v", c.Type, work, ok)
	}
	tl.recordPaging(c, at)
	if _, _, _, ok := p.CommsMark(tl.inc, next, at, nil); ok {
		t.Error("an obligation recorded overdue is marked again")
	}
	// Published late: the obligation is late; the next is an hour on.
	late := due.Add(20 * time.Minute)
	tl.must(Action{Kind: ActAssignRole, Role: RoleIncidentCommander, Person: "carol"}, late)
	tl.must(draft(PublicInvestigating, "carol"), late)
	tl.must(Action{Kind: ActApproveUpdate, UpdateNumber: 1, By: "carol"}, late)
	if o := tl.inc.Comms.Obligations; len(o) != 1 || o[0].Outcome != OutcomeLate || !o[0].MetAt.Equal(late) {
		t.Errorf("obligations = %+v, want one late", o)
	}
	due2, first, _ := p.NextUpdateDue(tl.inc)
	if first || !due2.Equal(late.Add(time.Hour)) {
		t.Errorf("next due = %v, want an hour after the update", due2)
	}
	// Missed: the hourly update never came before resolution.
	job2 := p.commsJob(tl.inc, due2, false, late)
	c, _, _, _ = p.CommsMark(tl.inc, CommsJob{Incident: 7, Due: due2, Reminded: true}, due2.Add(time.Second), nil)
	tl.recordPaging(c, due2.Add(time.Second))
	tl.must(Action{Kind: ActResolve}, due2.Add(time.Minute))
	got := ComplianceOf(tl.inc.Comms.Obligations)
	if got[1].Severity != P2 || got[1].Outcomes[OutcomeLate] != 1 || got[1].Outcomes[OutcomeMissed] != 1 || got[1].Total != 2 {
		t.Errorf("compliance = %+v", got[1])
	}
	if job2.Key == job.Key {
		t.Error("two deadlines share a job key")
	}
	tl.checkReplay()
}

func findJob(jobs []Job, kind string) *Job {
	for i := range jobs {
		if jobs[i].Kind == kind {
			return &jobs[i]
		}
	}
	return nil
}

func TestStakeholderNotices(t *testing.T) {
	p := commsPolicy()
	tl := declare(t, p, P1, declaredAt)
	w := p.PlanWork(tl.inc, []Change{{EventDeclared, &DeclaredData{Severity: P1}}}, Actor{PersonID: "alice"}, declaredAt)
	var to []string
	for _, j := range w.Jobs {
		if d, ok := j.Args.(DeliveryJob); ok && d.Notice == NoticeInitial {
			to = append(to, d.Recipient.Contact)
		}
	}
	if strings.Join(to, " ") != "management communications" {
		t.Errorf("initial notices to %v", to)
	}
	tl.must(Action{Kind: ActResolve}, declaredAt.Add(time.Hour))
	w = p.PlanWork(tl.inc, []Change{{EventResolved, &ResolvedData{}}}, Actor{PersonID: "alice"}, declaredAt.Add(time.Hour))
	n := 0
	for _, j := range w.Jobs {
		if d, ok := j.Args.(DeliveryJob); ok && d.Notice == NoticeResolution && !d.Stale(tl.inc) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("resolution notices = %d, want 2 that are not stale once resolved", n)
	}
	p3 := declare(t, p, P3, declaredAt)
	if w := p.PlanWork(p3.inc, []Change{{EventDeclared, &DeclaredData{Severity: P3}}}, Actor{PersonID: "alice"}, declaredAt); slices.ContainsFunc(w.Jobs, func(j Job) bool {
		d, ok := j.Args.(DeliveryJob)
		return ok && d.Notice != ""
	}) {
		t.Error("a P3 told the stakeholders")
	}
}

func TestStatusView(t *testing.T) {
	p := commsPolicy()
	now := ny(2026, 6, 10, 12, 0)
	pub := func(n int, st PublicStatus, at time.Time, cs ...ComponentImpact) PublicUpdate {
		return PublicUpdate{Number: n, Status: st, Name: "API errors", Text: string(st), Components: cs, State: UpdatePublished, PublishedAt: &at}
	}
	resolved := now.Add(-48 * time.Hour)
	rec := &PublicRecord{
		Incidents: []PublicIncident{
			{Number: 3, Severity: P2, Services: []string{"api-gateway"}, DeclaredAt: now.Add(-time.Hour),
				Updates: []PublicUpdate{pub(1, PublicInvestigating, now.Add(-50*time.Minute)), pub(2, PublicIdentified, now.Add(-20*time.Minute), ComponentImpact{"api-gateway", StateDegraded})}},
			{Number: 1, Severity: P1, Services: []string{"agent-orchestrator"}, DeclaredAt: now.Add(-50 * time.Hour), ResolvedAt: &resolved,
				Updates: []PublicUpdate{pub(1, PublicInvestigating, now.Add(-49*time.Hour))}},
		},
		Outages: []OutageSpan{
			{Number: 3, Services: []string{"api-gateway"}, Severity: P2, Start: now.Add(-time.Hour)},
			{Number: 1, Services: []string{"agent-orchestrator"}, Severity: P1, Start: now.Add(-50 * time.Hour), End: &resolved},
			{Number: 9, Services: []string{"web-console"}, Severity: P1, Start: now.Add(-10 * time.Minute)}, // no public update yet
		},
		Maintenance: []*MaintenanceWindow{{ID: "m1", Service: "agent-orchestrator", Reason: "Database upgrade", StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour), Public: true}},
	}
	v := p.StatusView(rec, now)
	state := map[string]ComponentState{}
	var order []string
	for _, c := range v.Components {
		state[c.ID], order = c.State, append(order, c.ID)
	}
	if got := strings.Join(order, " "); got != "platform api-gateway agent-orchestrator web-console" {
		t.Errorf("components = %s", got)
	}
	// The liaison's word (degraded) overrides P2's partial outage; the
	// P1 without a public update still shows; maintenance is in progress.
	want := map[string]ComponentState{"api-gateway": StateDegraded, "agent-orchestrator": StateUnderMaintenance,
		"platform": StateDegraded, "web-console": StateMajorOutage}
	for id, st := range want {
		if state[id] != st {
			t.Errorf("%s = %s, want %s", id, state[id], st)
		}
	}
	if v.Indicator != "major" || v.Description != "Partial System Outage" {
		t.Errorf("indicator = %s %q", v.Indicator, v.Description)
	}
	if len(v.Active) != 1 || v.Active[0].Status != PublicIdentified || v.Active[0].Updates[0].Number != 2 {
		t.Errorf("active = %+v", v.Active)
	}
	if v.Incidents[1].Status != PublicResolved || !v.Incidents[1].ResolvedAt.Equal(resolved) {
		t.Errorf("an incident resolved without a resolving update = %+v, want resolved", v.Incidents[1])
	}
	if !v.ValidUntil.Equal(now.Add(time.Hour)) {
		t.Errorf("valid until %v, want the maintenance's end", v.ValidUntil)
	}
	for _, c := range v.Components {
		if c.ID == "agent-orchestrator" {
			// 2 hours of major outage two days ago, in 89.5 days.
			if len(c.Days) != UptimeDays || c.Days[UptimeDays-3].State != StateMajorOutage || c.Uptime > 99.95 || c.Uptime < 99.85 {
				t.Errorf("uptime = %.3f, days %v", c.Uptime, c.Days[UptimeDays-3:])
			}
		}
	}
}

func TestSubscribers(t *testing.T) {
	p := commsPolicy()
	in, err := SubscribeInput{Email: " Ana@Example.COM ", Components: []string{"api-gateway", "api-gateway"}}.Validate(p)
	if err != nil || in.Email != "Ana@example.com" || len(in.Components) != 1 {
		t.Fatalf("Validate = %+v, %v", in, err)
	}
	_, err = SubscribeInput{Email: "Ana <ana@example.com>", Components: []string{"model-orchestration"}}.Validate(p)
	wantCode(t, err, EInvalid)
	if got := strings.Join(fieldNames(err), " "); got != "email components" {
		t.Errorf("fields = %s", got)
	}
	all, some := &Subscriber{}, &Subscriber{Components: []string{"web-console"}}
	if !all.Follows([]string{"api-gateway"}) || some.Follows([]string{"api-gateway"}) || !some.Follows([]string{"api-gateway", "web-console"}) {
		t.Error("Follows")
	}
	// Published updates of a P1/P2 fan out to customers, in a group of
	// their own (resolving must not cancel the last update's); a P3's
	// do not.
	for _, tc := range []struct {
		sev  Severity
		want int
	}{{P2, 1}, {P3, 0}} {
		tl := declare(t, p, tc.sev, declaredAt)
		tl.must(Action{Kind: ActAssignRole, Role: RoleIncidentCommander, Person: "carol"}, declaredAt)
		changes := tl.must(draft(PublicInvestigating, "carol"), declaredAt)
		if tc.sev == P2 {
			changes = tl.must(Action{Kind: ActApproveUpdate, UpdateNumber: 1, By: "carol"}, declaredAt)
		}
		var jobs []Job
		for _, j := range p.PlanWork(tl.inc, changes, Actor{PersonID: "carol"}, declaredAt).Jobs {
			if j.Kind == JobCustomerFanout {
				jobs = append(jobs, j)
			}
		}
		if len(jobs) != tc.want || (tc.want > 0 && jobs[0].Group != "customers") {
			t.Errorf("%s: fan-out jobs %+v", tc.sev, jobs)
		}
	}
	if id := PublicID([]byte("k"), "incident", "7"); len(id) != 12 || id != PublicID([]byte("k"), "incident", "7") || id == PublicID([]byte("j"), "incident", "7") {
		t.Errorf("PublicID = %q", id)
	}
}
