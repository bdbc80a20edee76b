package fireline

import (
	"testing"
	"time"
)

// Evidence and the regulatory clock replay from the timeline, the clock
// is at risk at 75% and breached after its deadline, and a regulator
// notice stops it.
func TestEvidenceAndRegulatoryClock(t *testing.T) {
	p := testPolicy()
	p.Regulatory = RegulatoryPolicy{Name: "GDPR Art. 33", Deadline: mustDeadline("72h"), From: RegulatoryFromDetection,
		AppliesTo: []PlaybookMatch{{Sources: []Source{SourceSecurity}}}}
	in, err := DeclareInput{Title: "Keys leaked", Severity: P2, Source: SourceSecurity}.Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	tl := declareInput(t, p, in, Actor{Role: RoleResponder, PersonID: "alice"}, declaredAt)
	started := tl.inc.StartRegulatoryClock(p, nil, declaredAt)
	tl.record("alice", declaredAt, started...)
	due := declaredAt.Add(72 * time.Hour).UTC()
	if r := tl.inc.Security.Regulatory; r == nil || !r.Due.Equal(due) || len(tl.inc.StartRegulatoryClock(p, nil, declaredAt)) != 0 {
		t.Fatalf("regulatory clock %+v, want one due %s", r, due)
	}
	jobs := p.planRegulatory(tl.inc, started[0], declaredAt)
	if len(jobs) != 1 || !jobs[0].RunAt.Equal(declaredAt.Add(54*time.Hour).UTC()) {
		t.Fatalf("job %+v, want one at 54 h", jobs)
	}

	sha := "5c1f0e0ab2a4e3d1b7c3f95a4b3bd9d1f3b6a1f3c2e8e3d8b8f8d1e7a6b5c4e9"
	tl.must(Action{Kind: ActAddEvidence, By: "alice", Evidence: &EvidenceInput{Name: "/tmp/logs/auth.log", Note: "before rotation", SHA256: sha, Size: 38}}, declaredAt.Add(time.Hour))
	if _, err := tl.do(Action{Kind: ActAddEvidence, By: "alice", Evidence: &EvidenceInput{Name: "again.log", SHA256: sha, Size: 38}}, declaredAt); ErrorCode(err) != EConflict {
		t.Errorf("the same content again: %v, want a conflict", err)
	}
	if _, err := tl.do(Action{Kind: ActAddEvidence, Evidence: &EvidenceInput{Name: "", SHA256: "xyz", Size: 0}}, declaredAt); ErrorCode(err) != EInvalid {
		t.Errorf("bad evidence: %v", err)
	}
	tl.must(Action{Kind: ActReadEvidence, Evidence: &EvidenceInput{Ref: sha[:8]}}, declaredAt.Add(2*time.Hour))
	if ev := tl.inc.Security.Evidence; len(ev) != 1 || ev[0].Name != "auth.log" || ev[0].AddedBy != "alice" {
		t.Errorf("evidence %+v", ev)
	}

	job := RegulatoryJob{Incident: tl.inc.Number, Due: due}
	c, _, next, ok := p.RegulatoryMark(tl.inc, job, declaredAt.Add(54*time.Hour), nil)
	if !ok || c.Type != EventClockAtRisk || !next.Equal(due.Add(ClockTolerance)) {
		t.Fatalf("at 54 h: %v next %s ok %v", c.Type, next, ok)
	}
	tl.recordPaging(c, declaredAt.Add(54*time.Hour))
	if c, _, _, ok := p.RegulatoryMark(tl.inc, job, declaredAt.Add(60*time.Hour), nil); !ok || c.Type != "" {
		t.Errorf("at risk again: %v", c.Type)
	}
	tl.must(Action{Kind: ActResolve}, declaredAt.Add(70*time.Hour))
	c, _, next, ok = p.RegulatoryMark(tl.inc, job, due.Add(ClockTolerance), nil)
	if !ok || c.Type != EventClockBreached || !next.IsZero() {
		t.Fatalf("after 72 h, resolved: %v ok %v", c.Type, ok)
	}
	tl.recordPaging(c, due.Add(ClockTolerance))
	tl.must(Action{Kind: ActNotifyRegulator, By: "alice", Regulator: &RegulatorInput{Regulator: "ICO", Reference: "IC-1"}}, due.Add(time.Hour))
	if r := tl.inc.Security.Regulatory; r.AtRiskAt == nil || r.BreachedAt == nil || r.NotifiedAt == nil {
		t.Errorf("clock %+v", r)
	}
	if _, _, _, ok := p.RegulatoryMark(tl.inc, job, due.Add(2*time.Hour), nil); ok {
		t.Errorf("a notified clock still marks")
	}
	tl.checkReplay()

	rep := p.Report(tl.inc, tl.events, due.Add(3*time.Hour))
	if len(rep.Evidence) != 1 || rep.EvidenceReads[sha] != 1 || len(rep.Notified) != 1 || rep.Notified[0].To != "ICO" {
		t.Errorf("report: evidence %+v reads %v notified %+v", rep.Evidence, rep.EvidenceReads, rep.Notified)
	}
}
