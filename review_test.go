package fireline

import (
	"strings"
	"testing"
	"time"
)

// TestBusinessDaysAfter: a review is due at closing time on the fifth
// business day after the day of resolution, in the calendar's zone:
// weekends and holidays skipped, closing time read on that day's clock
// across a daylight-saving change.
func TestBusinessDaysAfter(t *testing.T) {
	cal := testCalendar()
	tests := []struct {
		name     string
		resolved time.Time
		days     int
		want     time.Time
	}{
		{"a Monday: the next Monday", ny(2026, 6, 8, 10, 0), 5, ny(2026, 6, 15, 17, 0)},
		{"a Wednesday: across the weekend", ny(2026, 6, 10, 16, 59), 5, ny(2026, 6, 17, 17, 0)},
		{"after closing counts the day it falls on", ny(2026, 6, 10, 23, 30), 5, ny(2026, 6, 17, 17, 0)},
		{"late Friday in New York is Saturday in UTC: still Friday's", ny(2026, 6, 12, 22, 0), 5, ny(2026, 6, 19, 17, 0)},
		{"a Saturday: Monday to Friday", ny(2026, 6, 13, 11, 0), 5, ny(2026, 6, 19, 17, 0)},
		{"Thanksgiving skipped", ny(2026, 11, 23, 10, 0), 5, ny(2026, 12, 1, 17, 0)},
		{"Christmas skipped", ny(2026, 12, 22, 10, 0), 5, ny(2026, 12, 30, 17, 0)},
		{"Memorial Day skipped", ny(2026, 5, 22, 10, 0), 5, ny(2026, 6, 1, 17, 0)},
		{"DST ends on Sunday 1 November: 17:00 EST, 22:00 UTC", ny(2026, 10, 28, 10, 0), 5, utc(2026, 11, 4, 22, 0)},
		{"DST starts on Sunday 8 March: 17:00 EDT, 21:00 UTC", ny(2026, 3, 4, 10, 0), 5, utc(2026, 3, 11, 21, 0)},
		{"one business day", ny(2026, 7, 2, 10, 0), 1, ny(2026, 7, 6, 17, 0)},
	}
	for _, tt := range tests {
		if got := cal.BusinessDaysAfter(tt.resolved, tt.days); !got.Equal(tt.want) {
			t.Errorf("%s: %d business days after %s = %s, want %s", tt.name, tt.days, tt.resolved, got.In(newYork), tt.want.In(newYork))
		}
	}
}

// reviewTimeline is a P1 declared by alice, alice commanding, resolved.
func reviewTimeline(t *testing.T, sev Severity) *timeline {
	t.Helper()
	tl := declare(t, testPolicy(), sev, declaredAt)
	tl.mustDo(Action{Kind: ActAssignRole, Role: RoleIncidentCommander, Person: "alice"}, declaredAt.Add(time.Minute))
	tl.mustDo(Action{Kind: ActAcknowledge}, declaredAt.Add(2*time.Minute))
	tl.mustDo(Action{Kind: ActAddNote, NoteKind: NoteMitigation, Text: "Rolled back deploy 4711"}, declaredAt.Add(30*time.Minute))
	return tl
}

func (tl *timeline) mustDo(a Action, at time.Time) []Change {
	tl.t.Helper()
	changes, err := tl.do(a, at)
	if err != nil {
		tl.t.Fatalf("%s: %v", a.Kind, err)
	}
	return changes
}

func (tl *timeline) verify() {
	tl.t.Helper()
	if err := VerifyExport(&Export{Format: ExportFormat, Incident: tl.inc, Events: tl.events}); err != nil {
		tl.t.Fatalf("verify: %v", err)
	}
}

func TestReviewThroughDoAndReplay(t *testing.T) {
	tl := reviewTimeline(t, P1)
	resolved := declaredAt.Add(2 * time.Hour) // Wednesday 12:00
	changes := tl.mustDo(Action{Kind: ActResolve, Text: "rolled back"}, resolved)
	if got := types(changes); got != "resolved,review_opened" {
		t.Fatalf("resolve recorded %s", got)
	}
	r := tl.inc.Review
	if r.Status != ReviewOpen || r.Owner != "alice" || !r.Due.Equal(ny(2026, 6, 17, 17, 0)) {
		t.Fatalf("review = %+v, want open, owned by alice, due Wednesday 17 June 17:00", r)
	}
	// The review clock: at risk at 75% of its time, breached past due.
	marks := tl.p.ReviewMarks(tl.inc)
	if len(marks) != 2 || marks[0].Breach || !marks[1].Breach || !marks[1].At.Equal(r.Due.Add(ClockTolerance)) {
		t.Fatalf("marks = %+v", marks)
	}
	w := tl.p.PlanWork(tl.inc, changes, Actor{PersonID: "bob"}, resolved)
	if len(w.Jobs) != 1 || w.Jobs[0].Kind != JobReviewClock || w.Jobs[0].Group != ReviewGroup(7) {
		t.Fatalf("resolving planned %+v", w.Jobs)
	}

	at := resolved.Add(time.Hour)
	tl.mustDo(Action{Kind: ActStarEvent, Review: &ReviewInput{Seq: 4}, By: "bob"}, at)
	_, err := tl.do(Action{Kind: ActStarEvent, Review: &ReviewInput{Seq: 4}, By: "bob"}, at)
	wantCode(t, err, EConflict)
	_, err = tl.do(Action{Kind: ActStarEvent, Review: &ReviewInput{Seq: 99}, By: "bob"}, at)
	wantCode(t, err, EInvalid)

	start := ny(2026, 6, 16, 15, 0)
	tl.mustDo(Action{Kind: ActScheduleReview, Review: &ReviewInput{Start: &start, Actors: []string{"alice", "bob", "automation:pager"}, Participants: []string{"carol"}}, By: "alice"}, at)
	if m := tl.inc.Review.Meeting; m == nil || m.Sequence != 0 || !m.End.Equal(start.Add(time.Hour)) || strings.Join(tl.inc.Review.Participants, ",") != "alice,bob,carol" {
		t.Fatalf("meeting = %+v, participants %v", m, tl.inc.Review.Participants)
	}
	later := start.Add(time.Hour)
	changes = tl.mustDo(Action{Kind: ActScheduleReview, Review: &ReviewInput{Start: &later, Actors: []string{"alice", "bob"}, Participants: []string{"carol"}}, By: "alice"}, at)
	if tl.inc.Review.Meeting.Sequence != 1 {
		t.Fatalf("rescheduled sequence %d, want 1", tl.inc.Review.Meeting.Sequence)
	}
	w = tl.p.PlanWork(tl.inc, changes, Actor{PersonID: "alice"}, at)
	invites, reminders := 0, 0
	for _, j := range w.Jobs {
		a := j.Args.(DeliveryJob)
		switch {
		case a.Invite && a.Meeting == 2 && j.RunAt.Equal(at):
			invites++
		case !a.Invite && a.Meeting == 2 && j.RunAt.Equal(later.Add(-24*time.Hour)):
			reminders++
		}
	}
	if invites != 3 || reminders != 3 {
		t.Fatalf("rescheduling planned %d invitations and %d reminders, want 3 and 3: %+v", invites, reminders, w.Jobs)
	}

	doc := ReviewDoc{Whys: []Why{{Why: "Why did the gateway return 502?", Because: "The upstream pool was empty", Evidence: []string{"https://logs.berrys.ai/q/1"}}, {}}}
	tl.mustDo(Action{Kind: ActEditReview, Review: &ReviewInput{Doc: &doc}, By: "bob"}, at)
	if tl.inc.Review.Version != 1 || len(tl.inc.Review.Doc.Whys) != 1 {
		t.Fatalf("after the edit: %+v", tl.inc.Review)
	}
	doc.WentWell = "Paging reached the on-call at once."
	_, err = tl.do(Action{Kind: ActEditReview, Review: &ReviewInput{Doc: &doc, BaseVersion: 0}, By: "carol"}, at)
	wantCode(t, err, EConflict) // carol edited version 0 after bob's version 1
	tl.mustDo(Action{Kind: ActEditReview, Review: &ReviewInput{Doc: &doc, BaseVersion: 1}, By: "carol"}, at)

	md := tl.p.Markdown(tl.p.DraftReview(tl.inc, tl.events, nil))
	_, err = tl.do(Action{Kind: ActApproveReview, Review: &ReviewInput{BaseVersion: 2, Markdown: md}, By: "carol"}, at)
	wantCode(t, err, EForbidden) // neither owner nor commander
	tl.mustDo(Action{Kind: ActApproveReview, Review: &ReviewInput{BaseVersion: 2, Markdown: md}, By: "alice"}, at)
	if r := tl.inc.Review; r.Status != ReviewApproved || r.Digest != ReviewDigest(md) || r.ApprovedBy != "alice" {
		t.Fatalf("approved review = %+v", r)
	}
	_, err = tl.do(Action{Kind: ActEditReview, Review: &ReviewInput{Doc: &ReviewDoc{Summary: "x"}, BaseVersion: 2}, By: "alice"}, at)
	wantCode(t, err, EConflict) // frozen

	// Closing the incident keeps its review and items working.
	tl.mustDo(Action{Kind: ActChangeStage, Stage: StagePostIncidentReview}, at)
	tl.mustDo(Action{Kind: ActChangeStage, Stage: StageClosed}, at)
	title, owner, kind, deadline := "Alert on an empty upstream pool", "bob", KindMonitoring, ny(2026, 7, 1, 17, 0)
	tl.mustDo(Action{Kind: ActAddActionItem, Item: &ActionItemInput{Number: 12, Title: &title, Owner: &owner, Kind: &kind, Deadline: &deadline}, By: "alice"}, at)
	tl.mustDo(Action{Kind: ActUpdateActionItem, Item: &ActionItemInput{Number: 12, Status: ItemDone, Note: "alert added"}, By: "bob"}, at)
	if it := tl.inc.ActionItem(12); it == nil || it.ID != "A-12" || it.Status != ItemDone || it.ClosedBy != "bob" || strings.Join(it.Services, ",") != "api-gateway" {
		t.Fatalf("item = %+v", it)
	}

	tl.verify()
	got, err := Replay(tl.events)
	if err != nil {
		t.Fatal(err)
	}
	if incidentJSONAny(t, got.Review) != incidentJSONAny(t, tl.inc.Review) || len(got.ActionItems) != 1 {
		t.Fatalf("replayed review %s\nwant %s", incidentJSONAny(t, got.Review), incidentJSONAny(t, tl.inc.Review))
	}
	// An edited approval fails verification.
	for _, e := range tl.events {
		if e.Type == EventReviewApproved {
			e.Data = []byte(strings.Replace(string(e.Data), "rolled back", "it was fine", 1))
		}
	}
	if err := VerifyExport(&Export{Format: ExportFormat, Incident: tl.inc, Events: tl.events}); err == nil || !strings.Contains(err.Error(), "edited") {
		t.Fatalf("verify of an edited approval: %v", err)
	}
}

func TestReviewOnRequest(t *testing.T) {
	tl := reviewTimeline(t, P3)
	_, err := tl.do(Action{Kind: ActRequestReview, By: "bob"}, declaredAt.Add(time.Hour))
	wantCode(t, err, EConflict) // bob is not the commander
	changes := tl.mustDo(Action{Kind: ActResolve}, declaredAt.Add(time.Hour))
	if types(changes) != "resolved" {
		t.Fatalf("a P3 resolved without a request: %s", types(changes))
	}
	changes = tl.mustDo(Action{Kind: ActRequestReview, Reason: "third time this month", By: "alice"}, declaredAt.Add(2*time.Hour))
	if types(changes) != "review_requested,review_opened" || !tl.inc.Review.Due.Equal(ny(2026, 6, 17, 17, 0)) {
		t.Fatalf("request on a resolved P3: %s, %+v", types(changes), tl.inc.Review)
	}
	tl.verify()

	p4 := reviewTimeline(t, P4)
	_, err = p4.do(Action{Kind: ActRequestReview, By: "alice"}, declaredAt.Add(time.Hour))
	wantCode(t, err, EConflict)
	_, err = p4.do(Action{Kind: ActScheduleReview, Review: &ReviewInput{Start: &declaredAt}}, declaredAt.Add(time.Hour))
	wantCode(t, err, EConflict) // no review
}

// TestActionItemMarks: reminders before the deadline, the owner told when
// it passes, then the policy's chain steps; a done item or a moved
// deadline stops them.
func TestActionItemMarks(t *testing.T) {
	tl := reviewTimeline(t, P2)
	tl.p.People = append(tl.p.People, Person{ID: "lee", Name: "Lee", Title: "Engineering Lead"})
	tl.p.EscalationChains = []EscalationChain{{ID: "technical", Name: "Technical", Steps: []EscalationStep{
		{Title: "On-Call Engineer", OnCall: []string{"primary"}}, {Title: "Engineering Lead", People: []string{"lee"}}, {Title: "Director", People: []string{"dave"}}}}}
	title, owner, kind, deadline := "Add an index", "bob", KindFix, ny(2026, 6, 19, 17, 0)
	at := declaredAt.Add(time.Hour)
	changes := tl.mustDo(Action{Kind: ActAddActionItem, Item: &ActionItemInput{Number: 3, Title: &title, Owner: &owner, Kind: &kind, Deadline: &deadline}, By: "alice"}, at)
	w := tl.p.PlanWork(tl.inc, changes, Actor{PersonID: "alice"}, at)
	if len(w.Jobs) != 1 || w.Jobs[0].Kind != JobActionItem {
		t.Fatalf("adding planned %+v", w.Jobs)
	}
	job := w.Jobs[0].Args.(ActionItemJob)
	var got []string
	for _, m := range job.Marks {
		c, jobs, ok := tl.p.MarkItem(tl.inc, job, m, 10, m.At, nil)
		if !ok {
			t.Fatalf("mark %+v not wanted", m)
		}
		d := c.Data.(*ActionItemNoticeData)
		var to []string
		for _, r := range d.To {
			to = append(to, r.Person)
		}
		got = append(got, m.At.In(newYork).Format("Jan 2 15:04")+" "+string(d.Notice)+" "+strings.Join(to, "+"))
		if len(jobs) != len(d.To) || !jobs[0].Args.(DeliveryJob).Review {
			t.Fatalf("deliveries %+v", jobs)
		}
	}
	want := "Jun 16 17:00 reminder bob|Jun 18 17:00 reminder bob|Jun 19 17:00 overdue bob|Jun 21 17:00 escalated lee+bob|Jun 26 17:00 escalated dave+bob"
	if strings.Join(got, "|") != want {
		t.Fatalf("marks:\n%s\nwant\n%s", strings.Join(got, "|"), strings.ReplaceAll(want, "|", "\n"))
	}
	moved := deadline.Add(48 * time.Hour)
	tl.mustDo(Action{Kind: ActUpdateActionItem, Item: &ActionItemInput{Number: 3, Deadline: &moved}, By: "bob"}, at)
	if _, _, ok := tl.p.MarkItem(tl.inc, job, job.Marks[2], 11, job.Marks[2].At, nil); ok {
		t.Fatal("a mark of the old deadline still runs")
	}
	stale := DeliveryJob{Review: true, Item: 3, Due: deadline}
	if !stale.Stale(tl.inc) {
		t.Fatal("a delivery for the old deadline is not stale")
	}
	tl.verify()
}

func TestRepeatFlags(t *testing.T) {
	tl := declare(t, testPolicy(), P2, declaredAt)
	open := []ActionItem{
		{Number: 12, ID: "A-12", Incident: "INC-3", Title: "Pool alert", Services: []string{"web-console", "api-gateway"}, Status: ItemOpen},
		{Number: 13, ID: "A-13", Incident: "INC-4", Title: "Done already", Services: []string{"api-gateway"}, Status: ItemDone},
		{Number: 14, ID: "A-14", Incident: "INC-5", Title: "Secret", Services: []string{"api-gateway"}, Status: ItemOpen, Restricted: true},
		{Number: 15, ID: "A-15", Incident: "INC-6", Title: "Elsewhere", Services: []string{"web-console"}, Status: ItemOpen},
	}
	changes := tl.inc.FlagRepeats(open, declaredAt)
	tl.record("system", declaredAt, changes...)
	if len(tl.inc.Repeats) != 1 || tl.inc.Repeats[0].Item != "A-12" || tl.inc.Repeats[0].Earlier != "INC-3" {
		t.Fatalf("repeats = %+v", tl.inc.Repeats)
	}
	if again := tl.inc.FlagRepeats(open, declaredAt); len(again) != 0 {
		t.Fatalf("flagged twice: %v", again)
	}
	tl.verify()
}

func TestBlamelessHints(t *testing.T) {
	p := testPolicy()
	doc := ReviewDoc{
		Summary:         "The gateway failed. Bob forgot to drain the pool before the deploy.",
		ProcessFailures: "- The deploy checklist does not say to drain the pool\n- It was Carol's mistake",
		WentWell:        "Alice paged the right people at once.",
		Whys:            []Why{{Why: "Why was the pool empty?", Because: "dave should have checked it"}},
	}
	var got []string
	for _, h := range BlamelessHints(p, doc) {
		got = append(got, h.Field+": "+h.Person+" ("+h.Phrase+")")
	}
	want := "summary: Bob (forgot)|whys[0].because: Dave (should have)|process_failures: Carol (mistake)"
	if strings.Join(got, "|") != want {
		t.Fatalf("hints:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
}

// TestDraftTimes: the draft computes detect, acknowledge, mitigate and
// resolve from the timeline and the first alert, against the severity's
// targets.
func TestDraftTimes(t *testing.T) {
	tl := reviewTimeline(t, P2)
	tl.mustDo(Action{Kind: ActResolve, Text: "rolled back"}, declaredAt.Add(9*time.Hour)) // past the 8h target
	starts := declaredAt.Add(-4 * time.Minute)
	d := tl.p.DraftReview(tl.inc, tl.events, []Alert{{FirstSeenAt: declaredAt.Add(-time.Minute), StartsAt: &starts}})
	var got []string
	for _, rt := range d.Times {
		met := "-"
		if rt.Met != nil {
			met = map[bool]string{true: "met", false: "missed"}[*rt.Met]
		}
		got = append(got, rt.Name+" "+FormatDuration(rt.Took)+" "+rt.Target+" "+met)
	}
	want := "detect 4m  -|acknowledge 2m 1h met|mitigate 30m  -|resolve 9h 8h missed"
	if strings.Join(got, "|") != want {
		t.Fatalf("times:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
	if !strings.Contains(d.Doc.Summary, "Resolved: rolled back") || len(d.Timeline) == 0 {
		t.Fatalf("draft = %+v", d)
	}
	md := tl.p.Markdown(d)
	for _, s := range []string{"# Post-incident review: INC-7", "| Resolve | 2026-06-10 10:00 -04:00 | 2026-06-10 19:00 -04:00 | 9h | 8h | **no** |", "Rolled back deploy 4711"} {
		if !strings.Contains(md, s) {
			t.Errorf("Markdown lacks %q:\n%s", s, md)
		}
	}
}
