package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
)

var newYork = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

func ny(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, newYork).UTC()
}

// walkOf plans the default policy's walk of an incident of sev from
// source declared at start.
func walkOf(t *testing.T, sev fireline.Severity, source fireline.Source, start time.Time) (*fireline.Incident, fireline.Walk) {
	t.Helper()
	return walkIn(t, defaultPolicy, sev, source, start)
}

// defaultPolicy is parsed once: the tables below plan thousands of walks.
var defaultPolicy = Default()

func walkIn(t *testing.T, p *fireline.Policy, sev fireline.Severity, source fireline.Source, start time.Time) (*fireline.Incident, fireline.Walk) {
	t.Helper()
	in, err := fireline.DeclareInput{Title: "x", Severity: sev, Source: source, Services: []string{"api-gateway"}}.Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	inc, _, err := fireline.NewIncident(p, in, 1, fireline.Actor{Role: fireline.RoleResponder, PersonID: "kai"}, start)
	if err != nil {
		t.Fatal(err)
	}
	return inc, p.PlanWalk(inc, start)
}

// stepLine is a step as the tables below write it: offset from the
// start, name, and marks for escalates (E) and immediate (!).
func stepLine(st fireline.WalkStep, start time.Time) string {
	marks := ""
	if st.Escalates {
		marks += " E"
	}
	if st.Immediate {
		marks += " !"
	}
	return fmt.Sprintf("+%s %s%s", st.At.Sub(start), st.Name, marks)
}

// TestDefaultWalks plans the guide's walks: who is paged when, which
// steps reach the required escalation level (E), which are due at once
// (!), the repeats, and when an unanswered walk ends.
func TestDefaultWalks(t *testing.T) {
	tue := ny(2026, 12, 1, 10, 0) // business hours
	tests := []struct {
		name   string
		sev    fireline.Severity
		source fireline.Source
		start  time.Time
		steps  []string
		ends   time.Duration
	}{
		{"P1 pages everyone at once, then repeats the on-call and the chain every 15 minutes", fireline.P1, fireline.SourceMonitoring, tue, []string{
			"+0s primary on-call !", "+0s secondary on-call !",
			"+0s Technical Escalation step 1: On-Call Engineer !", "+0s Technical Escalation step 2: Engineering Lead !",
			"+0s Technical Escalation step 3: Director of Engineering !", "+0s Technical Escalation step 4: CTO E !",
			"+0s contacts: management E !",
			"+0s Business Escalation step 1: Product Manager E !", "+0s Business Escalation step 2: Director of Product E !",
			"+0s Business Escalation step 3: VP of Product E !", "+0s Business Escalation step 4: CEO E !",
			"+15m0s repeat 1 of 4: the on-call and the escalation chain", "+30m0s repeat 2 of 4: the on-call and the escalation chain",
			"+45m0s repeat 3 of 4: the on-call and the escalation chain", "+1h0m0s repeat 4 of 4: the on-call and the escalation chain",
		}, 75 * time.Minute},
		{"P2 in business hours: the lead by escalate-by, one repeat", fireline.P2, fireline.SourceMonitoring, tue, []string{
			"+0s primary on-call !", "+1h0m0s secondary on-call",
			"+1h15m0s Technical Escalation step 1: On-Call Engineer", "+1h45m0s Technical Escalation step 2: Engineering Lead E",
			"+2h15m0s repeat 1 of 1: the on-call and the escalation chain",
		}, 2*time.Hour + 45*time.Minute},
		{"P2 at night: everything at escalate-by (2h); ends no sooner than respond-by (4h)", fireline.P2, fireline.SourceMonitoring, ny(2026, 12, 1, 2, 0), []string{
			"+0s primary on-call !", "+2h0m0s secondary on-call",
			"+2h0m0s Technical Escalation step 1: On-Call Engineer", "+2h0m0s Technical Escalation step 2: Engineering Lead E",
			"+2h30m0s repeat 1 of 1: the on-call and the escalation chain",
		}, 4 * time.Hour},
		{"a security P2 tells the security team at once", fireline.P2, fireline.SourceSecurity, tue, []string{
			"+0s primary on-call !", "+1h0m0s secondary on-call",
			"+1h15m0s Technical Escalation step 1: On-Call Engineer", "+1h45m0s Technical Escalation step 2: Engineering Lead E",
			"+0s security contacts: security !",
			"+2h15m0s repeat 1 of 1: the on-call and the escalation chain",
		}, 2*time.Hour + 45*time.Minute},
		// Saturday 10:00: the first page waits for Monday 09:00, and
		// escalate-by moves with the walk (Monday 17:00, not Saturday
		// 18:00).
		{"P3 on a Saturday waits for Monday", fireline.P3, fireline.SourceMonitoring, ny(2026, 12, 5, 10, 0), []string{
			"+47h0m0s primary on-call", "+55h0m0s secondary on-call", "+55h0m0s Technical Escalation step 1: On-Call Engineer E",
		}, 55 * time.Hour},
		// Friday 16:00, in hours: respond-by 20:00 Friday passes
		// overnight, so the secondary and the on-call step come at
		// Monday's opening, which is escalate-by.
		{"P3 late on a Friday", fireline.P3, fireline.SourceMonitoring, ny(2026, 12, 4, 16, 0), []string{
			"+0s primary on-call !", "+65h0m0s secondary on-call", "+65h0m0s Technical Escalation step 1: On-Call Engineer E",
		}, 65 * time.Hour},
		{"P4 on the next business day", fireline.P4, fireline.SourceMonitoring, tue, []string{
			"+0s primary on-call !", "+31h0m0s secondary on-call",
		}, 31 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, w := walkOf(t, tt.sev, tt.source, tt.start)
			var got []string
			for i, st := range w.Steps {
				if st.Index != i {
					t.Errorf("step %d has index %d", i, st.Index)
				}
				got = append(got, stepLine(st, tt.start))
			}
			if !slices.Equal(got, tt.steps) {
				t.Errorf("steps:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.steps, "\n  "))
			}
			if ends := w.Ends.Sub(tt.start); ends != tt.ends {
				t.Errorf("ends at +%s, want +%s", ends, tt.ends)
			}
		})
	}
}

// TestRepeatTargets: a repeat pages the on-call and the chain up to the
// required step, not the contacts and chains that are only told.
func TestRepeatTargets(t *testing.T) {
	_, w := walkOf(t, fireline.P1, fireline.SourceMonitoring, ny(2026, 12, 1, 10, 0))
	r := w.Steps[len(w.Steps)-1]
	want := fireline.Targets{OnCall: []string{"primary", "secondary"}, Contacts: []string{"engineering-on-call"},
		Titles: []string{"Engineering Lead", "Director of Engineering", "CTO"}}
	if r.Repeat != 4 || fmt.Sprint(r.Targets) != fmt.Sprint(want) {
		t.Errorf("repeat 4: %+v, want targets %+v", r, want)
	}
}

// TestWalksMeetTheirClocks checks, for every severity and starts every 37
// minutes through three weeks around a holiday and a daylight-saving
// change (and a sample of a year), what the clocks promise: the walk pages
// the required escalation level by escalate-by, a resolve target is never
// before the respond target, and a walk never ends before respond-by.
func TestWalksMeetTheirClocks(t *testing.T) {
	p := Default()
	var starts []time.Time
	for at := ny(2026, 10, 26, 0, 0); at.Before(ny(2026, 11, 16, 0, 0)); at = at.Add(37 * time.Minute) {
		starts = append(starts, at) // fall back on 1 Nov, Veterans Day on 11 Nov
	}
	for at := ny(2026, 12, 20, 0, 0); at.Before(ny(2027, 12, 20, 0, 0)); at = at.Add(11*time.Hour + 7*time.Minute) {
		starts = append(starts, at) // Christmas, New Year, spring forward, the year round
	}
	for _, sev := range fireline.Severities {
		for _, start := range starts {
			_, w := walkOf(t, sev, fireline.SourceMonitoring, start)
			c, err := p.Clocks(sev, start)
			if err != nil {
				t.Fatal(err)
			}
			label := fmt.Sprintf("%s at %s", sev, start.In(newYork).Format("Mon 2006-01-02 15:04 MST"))
			if c.ResolveBy.Before(c.RespondBy) {
				t.Errorf("%s: resolve-by %s before respond-by %s", label, c.ResolveBy, c.RespondBy)
			}
			if w.Ends.Before(c.RespondBy) {
				t.Errorf("%s: the walk ends at %s, before respond-by %s", label, w.Ends, c.RespondBy)
			}
			if c.EscalateBy == nil {
				continue
			}
			reached := false
			for _, st := range w.Steps {
				if st.Escalates && !st.At.After(*c.EscalateBy) {
					reached = true
				}
			}
			if !reached {
				t.Errorf("%s: no step reaches the required level by escalate-by %s", label, c.EscalateBy.In(newYork))
			}
		}
	}
}

// TestClocksOfDeferredSeverities: a severity paged in business hours
// counts escalate-by and resolve-by from the walk's start (the next
// opening), as the weekend P3 needs; one in business hours counts
// from its start, and its escalate-by moves to the next opening when it
// would fall outside business hours.
func TestClocksOfDeferredSeverities(t *testing.T) {
	p := Default()
	tests := []struct {
		name                        string
		sev                         fireline.Severity
		start                       time.Time
		respond, escalate, resolved time.Time
	}{
		{"P3 Saturday 10:00", fireline.P3, ny(2026, 12, 5, 10, 0), ny(2026, 12, 7, 17, 0), ny(2026, 12, 7, 17, 0), ny(2026, 12, 8, 9, 0)},
		{"P3 Friday 16:00", fireline.P3, ny(2026, 12, 4, 16, 0), ny(2026, 12, 4, 20, 0), ny(2026, 12, 7, 9, 0), ny(2026, 12, 5, 16, 0)},
		// 8 hours from 10:00 is 18:00, after closing: escalate-by moves to
		// the next opening, as any page due then would (the walk pages the
		// on-call step at 14:15, well before).
		{"P3 Tuesday 10:00", fireline.P3, ny(2026, 12, 1, 10, 0), ny(2026, 12, 1, 14, 0), ny(2026, 12, 2, 9, 0), ny(2026, 12, 2, 10, 0)},
		{"P3 the evening before Thanksgiving", fireline.P3, ny(2026, 11, 25, 18, 0), ny(2026, 11, 27, 17, 0), ny(2026, 11, 27, 17, 0), ny(2026, 11, 28, 9, 0)},
		{"P3 the Friday before spring forward", fireline.P3, ny(2027, 3, 12, 18, 0), ny(2027, 3, 15, 17, 0), ny(2027, 3, 15, 17, 0), ny(2027, 3, 16, 9, 0)},
		{"P1 at night: immediate is within 5 minutes", fireline.P1, ny(2026, 12, 5, 3, 0), ny(2026, 12, 5, 3, 5), ny(2026, 12, 5, 3, 5), ny(2026, 12, 5, 7, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := p.Clocks(tt.sev, tt.start)
			if err != nil {
				t.Fatal(err)
			}
			if !c.RespondBy.Equal(tt.respond) || c.EscalateBy == nil || !c.EscalateBy.Equal(tt.escalate) || !c.ResolveBy.Equal(tt.resolved) {
				t.Errorf("respond %s escalate %v resolve %s\nwant    %s escalate %s resolve %s", c.RespondBy.In(newYork), c.EscalateBy.In(newYork),
					c.ResolveBy.In(newYork), tt.respond.In(newYork), tt.escalate.In(newYork), tt.resolved.In(newYork))
			}
		})
	}
}

func TestEscalationTargets(t *testing.T) {
	p := Default()
	at := ny(2026, 12, 1, 10, 0)
	tests := []struct {
		sev       fireline.Severity
		to        string
		escalates bool
		err       bool
	}{
		{fireline.P2, "casey", true, false},        // the Engineering Lead: P2's required step
		{fireline.P2, "devon", true, false},        // above it
		{fireline.P2, "blake", false, false},       // an on-call engineer: below it
		{fireline.P2, "harper", false, false},      // in no chain a P2 tells
		{fireline.P1, "harper", true, false},       // P1 tells the business chain
		{fireline.P2, "technical:2", true, false},  // the required step itself
		{fireline.P2, "technical:1", false, false}, // below it
		{fireline.P1, "technical:3", false, false}, // P1 requires the CTO, step 4
		{fireline.P1, "business:1", true, false},   // a notify chain
		{fireline.P4, "technical:4", false, false}, // P4 has no escalation
		{fireline.P2, "technical:9", false, true},  // no such step
		{fireline.P2, "Engineering Lead", false, true},
		{fireline.P2, "nobody", false, true},
	}
	for _, tt := range tests {
		st, err := p.EscalationTarget(tt.sev, tt.to, at)
		if (err != nil) != tt.err || st.Escalates != tt.escalates {
			t.Errorf("EscalationTarget(%s, %q) = %+v, %v; want escalates %v, error %v", tt.sev, tt.to, st, err, tt.escalates, tt.err)
		}
		if err == nil && (!st.Immediate || !st.At.Equal(at)) {
			t.Errorf("EscalationTarget(%s, %q) is not due at once: %+v", tt.sev, tt.to, st)
		}
	}
}

func TestStepsAt(t *testing.T) {
	_, w := walkOf(t, fireline.P2, fireline.SourceSecurity, ny(2026, 12, 1, 2, 0))
	var got []string
	for _, g := range fireline.StepsAt(w.Steps) {
		var idx []string
		for _, st := range g {
			idx = append(idx, fmt.Sprint(st.Index))
		}
		got = append(got, strings.Join(idx, ","))
	}
	// Due at once: the primary and the security contacts; at 2h the
	// secondary, the on-call step and the lead; then the repeat.
	if want := []string{"0,4", "1,2,3", "5"}; !slices.Equal(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
}

// TestPlanWork: what each kind of change asks for in its transaction.
func TestPlanWork(t *testing.T) {
	p := defaultPolicy
	at := ny(2026, 12, 1, 10, 0)
	casey := fireline.Actor{Role: fireline.RoleResponder, PersonID: "casey"}
	inc, w := func() (*fireline.Incident, fireline.Work) {
		inc, _ := walkOf(t, fireline.P2, fireline.SourceMonitoring, at)
		inc.EventCount = 1
		return inc, p.PlanWork(inc, []fireline.Change{{Type: fireline.EventDeclared, Data: &fireline.DeclaredData{}}}, casey, at)
	}()
	var keys []string
	for _, j := range w.Jobs {
		keys = append(keys, j.Kind+" "+j.Key)
	}
	want := []string{"page.step.escalate step:1:1:1", "page.step.escalate step:1:1:2", "page.step.inform step:1:1:3",
		"page.step.escalate step:1:1:4", "page.unanswered unanswered:1:1", "clock.mark clock:1:1",
		// Declared by a person, on a public service: the first public
		// update is due 15 minutes on (comms_cadence.go).
		fmt.Sprintf("comms.due comms:1:%d", at.Add(15*time.Minute).UnixMicro())}
	if len(w.Cancels) != 2 || len(w.Steps) != 1 || w.Steps[0].Steps[0].Name != "primary on-call" || !slices.Equal(keys, want) {
		t.Fatalf("declared: cancels %v, steps now %+v, jobs %v; want jobs %v", w.Cancels, w.Steps, keys, want)
	}
	// The steps run now: the primary, resolved now, one page.
	changes, pages := p.RunSteps(inc, w.Steps[0], at, nil)
	if len(changes) != 1 || len(pages) != 1 || pages[0].Args.(fireline.DeliveryJob).Recipient.Person != "blake" || pages[0].Kind != fireline.JobDeliverNotify {
		t.Fatalf("run now: changes %v, pages %+v", changes, pages)
	}
	for _, tt := range []struct {
		name   string
		change fireline.Change
		actor  fireline.Actor
		check  func(w fireline.Work) bool
	}{
		{"an acknowledgement cancels the paging for want of it", fireline.Change{Type: fireline.EventAcknowledged, Data: &fireline.AcknowledgedData{}}, casey,
			func(w fireline.Work) bool {
				// (and the public update cadence is planned again: Cancels[1])
				return len(w.Cancels) == 2 && slices.Equal(w.Cancels[0].Kinds, []string{fireline.JobStepEscalate, fireline.JobDeliverEscalate, fireline.JobUnanswered})
			}},
		{"resolving cancels everything", fireline.Change{Type: fireline.EventResolved, Data: &fireline.ResolvedData{}}, casey,
			func(w fireline.Work) bool { return len(w.Cancels) >= 1 && w.Cancels[0].Kinds == nil }},
		{"an escalation pages its target at once, asked for by the actor", fireline.Change{Type: fireline.EventEscalated,
			Data: &fireline.EscalatedData{To: "technical:3", Chain: "technical", Step: 3}}, casey,
			func(w fireline.Work) bool {
				return len(w.Steps) == 1 && w.Steps[0].By == "casey" && w.Steps[0].Steps[0].Escalates && w.Steps[0].Steps[0].Targets.Titles[0] == "Director of Engineering"
			}},
		{"a role given by someone else tells its person", fireline.Change{Type: fireline.EventRoleAssigned,
			Data: &fireline.RoleAssignedData{Role: fireline.RoleIncidentCommander, Person: "devon"}}, casey,
			func(w fireline.Work) bool {
				return len(w.Jobs) == 1 && w.Jobs[0].Args.(fireline.DeliveryJob).Recipient.Person == "devon" && w.Jobs[0].Args.(fireline.DeliveryJob).Notify
			}},
		{"a role taken yourself tells nobody", fireline.Change{Type: fireline.EventRoleAssigned,
			Data: &fireline.RoleAssignedData{Role: fireline.RoleIncidentCommander, Person: "casey"}}, casey,
			func(w fireline.Work) bool { return len(w.Jobs) == 0 && len(w.Steps) == 0 }},
		{"a note asks for nothing", fireline.Change{Type: fireline.EventNote, Data: &fireline.NoteData{Text: "x"}}, casey,
			func(w fireline.Work) bool { return len(w.Jobs) == 0 && len(w.Steps) == 0 && len(w.Cancels) == 0 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inc.EventCount = 5
			if w := p.PlanWork(inc, []fireline.Change{tt.change}, tt.actor, at); !tt.check(w) {
				t.Errorf("work: %+v", w)
			}
		})
	}
}

// TestWalkClockMarks: the marks the engine records and the console
// colours by. A P2 in hours is at risk at 75% of each clock's time and
// breached a second after it falls due, except the escalate clock, which
// its walk meets (the Engineering Lead is paged at +1h45, before +2h): no
// at-risk mark, but a breach mark all the same. A walk that did not reach
// the required level by escalate-by leaves the escalate clock at risk.
func TestWalkClockMarks(t *testing.T) {
	start := ny(2026, 12, 1, 10, 0)
	inc, w := walkOf(t, fireline.P2, fireline.SourceMonitoring, start)
	line := func(marks []fireline.ClockMark) string {
		var out []string
		for _, m := range marks {
			what := "at risk"
			if m.Breach {
				what = "breached"
			}
			out = append(out, fmt.Sprintf("%s %s +%s", m.Clock, what, m.At.Sub(start)))
		}
		return strings.Join(out, "; ")
	}
	want := "respond at risk +45m0s; respond breached +1h0m1s; escalate breached +2h0m1s; resolve at risk +6h0m0s; resolve breached +8h0m1s"
	if got := line(defaultPolicy.WalkClockMarks(inc, w)); got != want {
		t.Errorf("P2 marks:\n got %s\nwant %s", got, want)
	}
	late := fireline.Walk{Steps: slices.DeleteFunc(slices.Clone(w.Steps), func(st fireline.WalkStep) bool { return st.Escalates })}
	if got := line(defaultPolicy.WalkClockMarks(inc, late)); !strings.Contains(got, "escalate at risk +1h30m0s") {
		t.Errorf("a walk that does not escalate in time: %s", got)
	}
}
