package fireline

import (
	"strings"
	"testing"
	"time"
)

// TestStakeholderNoticeFor: which changes tell the stakeholders, and
// whom: the severity's audience, narrowed by its services.
func TestStakeholderNoticeFor(t *testing.T) {
	p := commsPolicy()
	inc := &Incident{Number: 7, Severity: P1, Services: []string{"api-gateway"}, Status: StatusTriggered}
	eta := declaredAt.Add(time.Hour)
	declared := Change{EventDeclared, &DeclaredData{Severity: P2}}
	resolved := Change{EventResolved, &ResolvedData{}}
	stage := Change{EventStageChanged, &StageChangedData{From: StageInvestigation, To: StageMitigation}}
	cases := []struct {
		name    string
		c       Change
		with    []Change
		notice  string
		level   Severity
		noticed bool
	}{
		{"declared", declared, nil, NoticeInitial, P2, true},
		{"resolved", resolved, nil, NoticeResolution, P1, true},
		{"raised within the audience", Change{EventSeverityChanged, &SeverityChangedData{From: P2, To: P1}}, nil, NoticeSeverity, P1, true},
		{"raised into the audience", Change{EventSeverityChanged, &SeverityChangedData{From: P3, To: P2}}, nil, NoticeInitial, P2, true},
		{"lowered out of it: the audience told hears", Change{EventSeverityChanged, &SeverityChangedData{From: P1, To: P3}}, nil, NoticeSeverity, P1, true},
		{"stage", stage, nil, NoticeStage, P1, true},
		{"stage at resolution", stage, []Change{resolved}, "", "", false},
		{"stage at declaration", stage, []Change{declared}, "", "", false},
		{"new ETA", Change{EventUpdated, &UpdatedData{ETA: &eta}}, nil, NoticeETA, P1, true},
		{"ETA cleared", Change{EventUpdated, &UpdatedData{ClearETA: true}}, nil, NoticeETA, P1, true},
		{"title only", Change{EventUpdated, &UpdatedData{Title: new(string)}}, nil, "", "", false},
		{"a note", Change{EventNote, &NoteData{Kind: NoteGeneral, Text: "x"}}, nil, "", "", false},
	}
	for _, tc := range cases {
		notice, level, ok := p.noticeFor(inc, append([]Change{tc.c}, tc.with...), tc.c)
		if ok != tc.noticed || ok && (notice != tc.notice || level != tc.level) {
			t.Errorf("%s: %q %s %v, want %q %s %v", tc.name, notice, level, ok, tc.notice, tc.level, tc.noticed)
		}
	}
	if got := p.notices(inc, NoticeStage, P3, 5, declaredAt); len(got) != 0 {
		t.Errorf("a P3 stage change tells %d", len(got))
	}
	if got := p.notices(inc, NoticeStage, P1, 5, declaredAt); len(got) != 2 {
		t.Errorf("a P1 stage change tells %d, want management and communications", len(got))
	}
	p.Comms.Audiences = append(p.Comms.Audiences, Audience{ID: "web", Severities: []Severity{P1}, People: []string{"dora"}, Services: []string{"web-console"}})
	if got := p.AudienceFor(inc, P1); len(got) != 2 {
		t.Errorf("an API incident reaches the web console's stakeholders: %v", got)
	}
	inc.Services = append(inc.Services, "web-console")
	if got := p.AudienceFor(inc, P1); len(got) != 3 || got[2].Person != "dora" {
		t.Errorf("a web console incident: %v, want dora too", got)
	}
}

// TestFollowUpDraftedAtResolution: resolving a P1/P2 that was on the
// public page drafts the resolved update for approval; one that never
// was public, or a P3, drafts nothing.
func TestFollowUpDraftedAtResolution(t *testing.T) {
	p := commsPolicy()
	for _, tc := range []struct {
		sev    Severity
		public bool
		want   string
	}{
		{P2, true, "resolved,public_update_drafted"},
		{P2, false, "resolved"},
		{P3, true, "resolved"},
	} {
		tl := declare(t, p, tc.sev, declaredAt)
		tl.must(Action{Kind: ActAssignRole, Role: RoleCommunicationsLiaison, Person: "dave"}, declaredAt)
		if tc.public {
			tl.must(draft(PublicInvestigating, "dave", ComponentImpact{"api-gateway", StatePartialOutage}), declaredAt)
			if tc.sev == P2 {
				tl.must(Action{Kind: ActApproveUpdate, UpdateNumber: 1, By: "dave"}, declaredAt)
			}
		}
		changes := tl.must(Action{Kind: ActResolve, By: "dave", Text: "fixed"}, declaredAt.Add(time.Hour))
		var got []string
		for _, c := range changes {
			if c.Type == EventResolved || c.Type == EventUpdateDrafted {
				got = append(got, string(c.Type))
			}
		}
		if s := strings.Join(got, ","); s != tc.want {
			t.Errorf("%s public=%v: %s, want %s", tc.sev, tc.public, s, tc.want)
		}
		if tc.want != "resolved" {
			u := tl.inc.Comms.Updates[len(tl.inc.Comms.Updates)-1]
			if u.State != UpdateDraft || u.Status != PublicResolved || !strings.Contains(u.Text, "has been resolved") {
				t.Errorf("the follow-up: %+v", u)
			}
		}
	}
}
