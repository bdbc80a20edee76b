package fireline

import (
	"encoding/json"
	"testing"
	"time"
)

// timeline drives an incident the way a store does: it declares it, runs
// actions with Do, and seals each change as the next event of a hash chain.
type timeline struct {
	t      *testing.T
	p      *Policy
	inc    *Incident
	events []*Event
}

// declaredAt is when test incidents are declared: a Wednesday in business
// hours, New York time.
var declaredAt = ny(2026, 6, 10, 10, 0)

func declare(t *testing.T, p *Policy, sev Severity, now time.Time) *timeline {
	t.Helper()
	in, err := DeclareInput{Title: "API gateway returns 502", Severity: sev, Source: SourceMonitoring, Services: []string{"api-gateway"}}.Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	return declareInput(t, p, in, Actor{Role: RoleResponder, PersonID: "alice"}, now)
}

func declareInput(t *testing.T, p *Policy, in DeclareInput, actor Actor, now time.Time) *timeline {
	t.Helper()
	inc, c, err := NewIncident(p, in, 7, actor, now)
	if err != nil {
		t.Fatal(err)
	}
	tl := &timeline{t: t, p: p, inc: inc}
	tl.record(actor.Name(), now, c)
	return tl
}

func (tl *timeline) record(actor string, at time.Time, changes ...Change) {
	tl.t.Helper()
	for _, c := range changes {
		prev := ""
		if n := len(tl.events); n > 0 {
			prev = tl.events[n-1].Hash
		}
		e, err := NewEvent(tl.inc.ID, int64(len(tl.events)+1), prev, at, actor, c)
		if err != nil {
			tl.t.Fatal(err)
		}
		tl.events = append(tl.events, e)
	}
	tl.inc.EventCount, tl.inc.HeadHash = int64(len(tl.events)), tl.events[len(tl.events)-1].Hash
}

// do runs an action. On error it checks that the incident is unchanged;
// on success it records the changes as events.
func (tl *timeline) do(a Action, at time.Time) ([]Change, error) {
	tl.t.Helper()
	before := incidentJSON(tl.t, tl.inc)
	changes, err := tl.inc.Do(tl.p, a, at)
	if err != nil {
		if changes != nil {
			tl.t.Errorf("Do(%s) returned changes %v with error %v", a.Kind, changes, err)
		}
		if after := incidentJSON(tl.t, tl.inc); after != before {
			tl.t.Errorf("Do(%s) failed (%v) but changed the incident:\nbefore %s\nafter  %s", a.Kind, err, before, after)
		}
		return nil, err
	}
	if len(changes) == 0 {
		tl.t.Errorf("Do(%s) succeeded with no changes", a.Kind)
	}
	tl.record("bob", at, changes...)
	return changes, nil
}

// recordPaging applies a paging change as the engine records it.
func (tl *timeline) recordPaging(c Change, at time.Time) {
	tl.t.Helper()
	if _, err := tl.inc.RecordPaging(c, at); err != nil {
		tl.t.Fatal(err)
	}
	tl.record("pager", at, c)
}

// must runs an action that has to succeed.
func (tl *timeline) must(a Action, at time.Time) []Change {
	tl.t.Helper()
	changes, err := tl.do(a, at)
	if err != nil {
		tl.t.Fatalf("Do(%+v): %v", a, err)
	}
	return changes
}

func incidentJSON(t *testing.T, inc *Incident) string {
	t.Helper()
	b, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkReplay checks that replaying the timeline reproduces the incident
// exactly, clocks included once they are recomputed from the policy, and
// that every instant is in UTC.
func (tl *timeline) checkReplay() {
	tl.t.Helper()
	got, err := Replay(tl.events)
	if err != nil {
		tl.t.Fatalf("Replay: %v", err)
	}
	if err := got.setClocks(tl.p); err != nil {
		tl.t.Fatal(err)
	}
	if g, w := incidentJSON(tl.t, got), incidentJSON(tl.t, tl.inc); g != w {
		tl.t.Errorf("Replay differs from the incident Do produced:\nreplay %s\ndo     %s", g, w)
	}
	checkUTC(tl.t, "Do", tl.inc)
	checkUTC(tl.t, "Replay", got)
	if d := diffIncidentState(got, tl.inc); d != "" {
		tl.t.Errorf("diffIncidentState = %q", d)
	}
}

func checkUTC(t *testing.T, who string, inc *Incident) {
	t.Helper()
	for name, v := range map[string]time.Time{"declared_at": inc.DeclaredAt, "severity_set_at": inc.SeveritySetAt, "updated_at": inc.UpdatedAt, "respond_by": inc.RespondBy, "resolve_by": inc.ResolveBy} {
		if v.Location() != time.UTC {
			t.Errorf("%s: %s = %s is not in UTC", who, name, v)
		}
	}
	for name, v := range map[string]*time.Time{"acknowledged_at": inc.AcknowledgedAt, "escalated_at": inc.EscalatedAt, "resolved_at": inc.ResolvedAt, "closed_at": inc.ClosedAt, "escalate_by": inc.EscalateBy, "eta": inc.ETA} {
		if v != nil && v.Location() != time.UTC {
			t.Errorf("%s: %s = %s is not in UTC", who, name, v)
		}
	}
}

func changeTypes(changes []Change) []EventType {
	var out []EventType
	for _, c := range changes {
		out = append(out, c.Type)
	}
	return out
}

func fieldNames(err error) []string {
	e, ok := err.(*Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func incidentJSONAny(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
