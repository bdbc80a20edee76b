package fireline

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// fullTimeline works an incident through every kind of action, at
// instants with sub-second parts truncated to microseconds as the store
// keeps them.
func fullTimeline(t *testing.T) *timeline {
	t.Helper()
	p := testPolicy()
	base := ny(2026, 3, 6, 16, 30).Add(123456789 * time.Nanosecond).Truncate(time.Microsecond)
	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	tl := declare(t, p, P3, base)
	eta := at(600)
	steps := []Action{
		ack,
		assign(RoleIncidentCommander, "bob"),
		assign(RoleSME, "carol"),
		assign(RoleSME, "dave"),
		assign(RoleIncidentCommander, "erin"),
		unassign(RoleSME, "carol"),
		{Kind: ActAddNote, NoteKind: NoteFinding, Text: `bad deploy <script>&"quotes"`},
		sevTo(P1, "customer data exposed"),
		{Kind: ActUpdate, Update: UpdatedData{Title: ptr("Gateway down"), Impact: ptr("all users"), Services: []string{"api-gateway", "web-console"}, ETA: &eta}},
		toStage(StageInvestigation),
		{Kind: ActEscalate, To: "erin", Text: "P1"},
		{Kind: ActAddNote, NoteKind: NoteDecision, Text: "roll back"},
		toStage(StageMitigation),
		{Kind: ActAddNote, NoteKind: NoteMitigation, Text: "rolled back"},
		resolve,
		reopen,
		{Kind: ActUpdate, Update: UpdatedData{Services: []string{}, ClearETA: true}},
		{Kind: ActResolve, Text: "fixed for good"},
		toStage(StagePostIncidentReview),
		{Kind: ActAddMember, Person: "frank"},
		toStage(StageClosed),
		{Kind: ActAddNote, Text: "RCA linked"},
	}
	for i, a := range steps {
		tl.must(a, at(i+1))
		if a.Kind == ActEscalate { // the engine pages the target
			tl.recordPaging(Change{Type: EventEscalationStep, Data: &EscalationStepData{Step: 9, Name: "escalated to Erin",
				Recipients: []Recipient{{Person: a.To}}, Escalates: true, By: "bob"}}, at(i+1))
		}
	}
	return tl
}

func TestReplayReproducesDo(t *testing.T) {
	tl := fullTimeline(t)
	tl.checkReplay()
	inc := tl.inc
	if inc.Status != StatusClosed || inc.Stage != StageClosed || inc.Severity != P1 || inc.Title != "Gateway down" || len(inc.Services) != 0 || inc.ETA != nil {
		t.Errorf("final state: %s", incidentJSON(t, inc))
	}
	if inc.EventCount != int64(len(tl.events)) || inc.EventCount != 26 { // the P1 resolved opened its review
		t.Errorf("event count %d, events %d", inc.EventCount, len(tl.events))
	}
	for i, e := range tl.events {
		if e.Seq != int64(i+1) || e.Incident != "INC-7" || e.At.Location() != time.UTC {
			t.Errorf("event %d: %+v", i+1, e)
		}
	}
	// Replaying any prefix gives the state at that point without error.
	for n := 1; n <= len(tl.events); n++ {
		got, err := Replay(tl.events[:n])
		if err != nil || got.EventCount != int64(n) || got.HeadHash != tl.events[n-1].Hash {
			t.Fatalf("Replay of %d events: %v", n, err)
		}
	}
}

// cloneEvents deep-copies events so that a test can tamper with them.
func cloneEvents(events []*Event) []*Event {
	out := make([]*Event, len(events))
	for i, e := range events {
		c := *e
		c.Data = append(json.RawMessage(nil), e.Data...)
		out[i] = &c
	}
	return out
}

// rehash recomputes every hash from the first event on, as a forger would.
func rehash(events []*Event) {
	prev := ""
	for _, e := range events {
		e.PrevHash = prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
	}
}

func TestVerifyChain(t *testing.T) {
	tl := fullTimeline(t)
	tests := []struct {
		name   string
		tamper func([]*Event) []*Event
		want   string // part of the error; "" for none
	}{
		{"intact", func(e []*Event) []*Event { return e }, ""},
		{"empty", func(e []*Event) []*Event { return nil }, ""},
		{"data edited", func(e []*Event) []*Event {
			e[6].Data = json.RawMessage(strings.Replace(string(e[6].Data), "bob", "mallory", 1))
			return e
		}, "edited"},
		{"data re-indented is fine", func(e []*Event) []*Event {
			var b strings.Builder
			for _, r := range string(e[3].Data) {
				b.WriteRune(r)
				if r == ',' || r == '{' {
					b.WriteString("\n  ")
				}
			}
			e[3].Data = json.RawMessage(b.String())
			return e
		}, ""},
		{"time edited", func(e []*Event) []*Event { e[4].At = e[4].At.Add(-time.Hour); return e }, "edited"},
		{"time in another zone is fine", func(e []*Event) []*Event { e[4].At = e[4].At.In(newYork); return e }, ""},
		{"actor edited", func(e []*Event) []*Event { e[4].Actor = "mallory"; return e }, "edited"},
		{"type edited", func(e []*Event) []*Event { e[9].Type = EventNote; return e }, "edited"},
		{"hash edited", func(e []*Event) []*Event { e[9].Hash = strings.Repeat("0", 64); return e }, "edited"},
		{"incident edited", func(e []*Event) []*Event { e[5].Incident = "INC-8"; return e }, "belongs to"},
		{"middle event removed", func(e []*Event) []*Event { return append(e[:5], e[6:]...) }, "removed or reordered"},
		{"first event removed", func(e []*Event) []*Event { return e[1:] }, "removed or reordered"},
		{"middle event removed and renumbered", func(e []*Event) []*Event {
			e = append(e[:5], e[6:]...)
			for i, x := range e {
				x.Seq = int64(i + 1)
			}
			return e
		}, "chain was broken"},
		{"events swapped", func(e []*Event) []*Event { e[4], e[5] = e[5], e[4]; return e }, "removed or reordered"},
		{"events swapped and renumbered", func(e []*Event) []*Event {
			e[4], e[5] = e[5], e[4]
			e[4].Seq, e[5].Seq = 5, 6
			return e
		}, "chain was broken"},
		{"previous hash edited", func(e []*Event) []*Event { e[7].PrevHash = e[5].Hash; return e }, "chain was broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyChain(tt.tamper(cloneEvents(tl.events)))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("VerifyChain: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("VerifyChain = %v, want an error about %q", err, tt.want)
			}
			if tt.want != "" {
				if _, err := Replay(tt.tamper(cloneEvents(tl.events))); err == nil {
					t.Error("Replay accepted a tampered chain")
				}
			}
		})
	}
}

func TestReplayRejects(t *testing.T) {
	tl := fullTimeline(t)
	tests := []struct {
		name   string
		tamper func([]*Event) []*Event
	}{
		{"first event is not declared", func(e []*Event) []*Event { e[0].Type = EventNote; rehash(e); return e }},
		{"unknown type", func(e []*Event) []*Event { e[3].Type = "teleported"; rehash(e); return e }},
		{"bad data", func(e []*Event) []*Event { e[3].Data = json.RawMessage(`{"role": 7}`); rehash(e); return e }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Replay(tt.tamper(cloneEvents(tl.events))); err == nil {
				t.Error("Replay succeeded")
			}
		})
	}
}

func newExport(tl *timeline) *Export {
	inc := *tl.inc
	inc.Breaches = inc.BreachesAt(inc.UpdatedAt)
	return &Export{Format: ExportFormat, ExportedAt: utc(2026, 3, 20, 12, 0), Incident: &inc, Events: cloneEvents(tl.events)}
}

// reindent writes the export as people would see it and reads it back.
func reindent(t *testing.T, x *Export) *Export {
	t.Helper()
	b, err := json.MarshalIndent(x, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	var back Export
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return &back
}

func TestVerifyExport(t *testing.T) {
	tl := fullTimeline(t)
	tests := []struct {
		name   string
		tamper func(t *testing.T, x *Export) *Export
		want   string // part of the error; "" for none
	}{
		{"intact", func(t *testing.T, x *Export) *Export { return x }, ""},
		{"re-indented", reindent, ""},
		{"re-indented twice", func(t *testing.T, x *Export) *Export { return reindent(t, reindent(t, x)) }, ""},
		{"compact JSON round trip", func(t *testing.T, x *Export) *Export {
			b, _ := json.Marshal(x)
			var back Export
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			return &back
		}, ""},
		{"clocks and breaches are not evidence", func(t *testing.T, x *Export) *Export {
			x.Incident.Breaches = Breaches{}
			x.Incident.UpdatedAt = x.Incident.UpdatedAt.Add(time.Hour)
			return reindent(t, x)
		}, ""},
		{"unknown format", func(t *testing.T, x *Export) *Export { x.Format = "fireline.incident-export/v0"; return x }, "format"},
		{"no events", func(t *testing.T, x *Export) *Export { x.Events = nil; return x }, "no events"},
		{"no incident", func(t *testing.T, x *Export) *Export { x.Incident = nil; return x }, "no incident"},
		{"title edited", func(t *testing.T, x *Export) *Export {
			x = reindent(t, x)
			x.Incident.Title = "Nothing happened"
			return x
		}, "title"},
		{"severity edited", func(t *testing.T, x *Export) *Export { x.Incident.Severity = P4; return x }, "severity"},
		{"status edited", func(t *testing.T, x *Export) *Export { x.Incident.Status = StatusResolved; return x }, "status"},
		{"members edited", func(t *testing.T, x *Export) *Export { x.Incident.Members = x.Incident.Members[1:]; return x }, "members"},
		{"roles edited", func(t *testing.T, x *Export) *Export { x.Incident.Roles = nil; return x }, "roles"},
		{"restricted edited", func(t *testing.T, x *Export) *Export { x.Incident.Restricted = true; return x }, "restricted"},
		{"acknowledgement moved earlier", func(t *testing.T, x *Export) *Export {
			x.Incident.AcknowledgedAt = ptr(x.Incident.AcknowledgedAt.Add(-time.Hour))
			return x
		}, "acknowledged_at"},
		{"escalation moved earlier", func(t *testing.T, x *Export) *Export {
			x.Incident.EscalatedAt = ptr(x.Incident.EscalatedAt.Add(-time.Hour))
			return x
		}, "escalated_at"},
		{"severity start moved", func(t *testing.T, x *Export) *Export {
			x.Incident.SeveritySetAt = x.Incident.SeveritySetAt.Add(time.Hour)
			return x
		}, "severity_set_at"},
		{"event data edited", func(t *testing.T, x *Export) *Export {
			x = reindent(t, x)
			e := x.Events[8]
			e.Data = json.RawMessage(strings.Replace(string(e.Data), "bad deploy", "cosmic ray", 1))
			return x
		}, "edited"},
		{"event data edited and chain rehashed", func(t *testing.T, x *Export) *Export {
			e := x.Events[8]
			e.Data = json.RawMessage(strings.Replace(string(e.Data), "bad deploy", "cosmic ray", 1))
			rehash(x.Events)
			return x
		}, "events ending in"},
		{"chain rehashed and head hash updated", func(t *testing.T, x *Export) *Export {
			x.Events[9].Data = json.RawMessage(`{"from":"P3","to":"P4","reason":"minor"}`)
			rehash(x.Events)
			x.Incident.HeadHash = x.Events[len(x.Events)-1].Hash
			return x
		}, "severity"},
		{"head hash differs", func(t *testing.T, x *Export) *Export { x.Incident.HeadHash = strings.Repeat("a", 64); return x }, "events ending in"},
		{"event count differs", func(t *testing.T, x *Export) *Export { x.Incident.EventCount++; return x }, "events ending in"},
		{"last event removed", func(t *testing.T, x *Export) *Export { x.Events = x.Events[:len(x.Events)-1]; return x }, "events ending in"},
		{"event removed", func(t *testing.T, x *Export) *Export { x.Events = append(x.Events[:3], x.Events[4:]...); return x }, "removed or reordered"},
		{"incident id edited", func(t *testing.T, x *Export) *Export { x.Incident.ID = "INC-8"; return x }, "INC-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyExport(tt.tamper(t, newExport(tl)))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("VerifyExport: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("VerifyExport = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestComputeHash(t *testing.T) {
	e, err := NewEvent("INC-1", 1, "", ny(2026, 6, 10, 10, 0), "alice", Change{EventNote, &NoteData{Kind: NoteGeneral, Text: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.At.Location() != time.UTC || !e.At.Equal(utc(2026, 6, 10, 14, 0)) {
		t.Errorf("At = %s", e.At)
	}
	if len(e.Hash) != 64 || e.Hash != e.ComputeHash() {
		t.Errorf("Hash = %q", e.Hash)
	}
	// Each part of the event feeds the hash.
	for name, edit := range map[string]func(*Event){
		"incident":  func(e *Event) { e.Incident = "INC-2" },
		"seq":       func(e *Event) { e.Seq = 2 },
		"prev hash": func(e *Event) { e.PrevHash = "x" },
		"at":        func(e *Event) { e.At = e.At.Add(time.Microsecond) },
		"actor":     func(e *Event) { e.Actor = "bob" },
		"type":      func(e *Event) { e.Type = EventResolved },
		"data":      func(e *Event) { e.Data = json.RawMessage(`{"kind":"note","text":"ho"}`) },
		// The separators keep fields apart: moving a character across a
		// boundary changes the hash.
		"boundary": func(e *Event) { e.Incident, e.Actor = "INC-1a", "lice" },
	} {
		c := *e
		edit(&c)
		if c.ComputeHash() == e.Hash {
			t.Errorf("editing %s keeps the hash", name)
		}
	}
	if _, err := NewEvent("INC-1", 1, "", declaredAt, "a", Change{EventNote, func() {}}); err == nil {
		t.Error("NewEvent with unmarshalable data succeeded")
	}
}

// TestAppend: the one way writers extend the chain seals changes as the
// next events and moves the head, so the timeline verifies and replays.
func TestAppend(t *testing.T) {
	tl := declare(t, testPolicy(), P2, declaredAt)
	changes, err := tl.inc.Do(tl.p, ack, declaredAt.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	events, err := tl.inc.Append("bob", declaredAt.Add(time.Minute), changes...)
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]*Event{}, tl.events...), events...)
	if len(events) != 2 || tl.inc.EventCount != 3 || tl.inc.HeadHash != events[1].Hash || events[0].PrevHash != tl.events[0].Hash {
		t.Fatalf("appended %d events; head %d %s", len(events), tl.inc.EventCount, tl.inc.HeadHash)
	}
	if err := VerifyChain(all); err != nil {
		t.Fatal(err)
	}
	got, err := Replay(all)
	if err != nil || got.Status != StatusAcknowledged || got.HeadHash != tl.inc.HeadHash {
		t.Fatalf("replay: %+v, %v", got, err)
	}
}
