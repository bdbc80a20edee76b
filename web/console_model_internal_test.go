package web

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
)

// TestDescribeGatheredAlerts: an alert event that lists more alerts says
// how many; one that does not reads as before.
func TestDescribeGatheredAlerts(t *testing.T) {
	p := policy.Default()
	for _, c := range []struct {
		typ  fireline.EventType
		data any
		want string
	}{
		{fireline.EventAlertAttached, fireline.AlertAttachedData{Alert: 12, Severity: fireline.P3}, "attached P3 alert #12"},
		{fireline.EventAlertAttached, fireline.AlertAttachedData{Alert: 12, Severity: fireline.P3, MoreAlerts: []int64{13, 14}}, "attached P3 alert #12 and 2 more"},
		{fireline.EventAlertResolved, fireline.AlertResolvedData{Alert: 12, MoreAlerts: []int64{13}}, "recorded alert #12 and 1 more as resolved"},
	} {
		data, err := json.Marshal(c.data)
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(&fireline.Event{Type: c.typ, Data: data}, p).What; got != c.want {
			t.Errorf("%s: %q, want %q", data, got, c.want)
		}
	}
}

// TestDescribePaging: the engine's events read as sentences, each decoded
// into its own type. Lead is the sentence's subject when it is not the
// actor (shown on the entry's meta line).
func TestDescribePaging(t *testing.T) {
	p := policy.Default()
	at := time.Date(2026, 12, 1, 15, 20, 0, 0, time.UTC) // 10:20 in New York
	step := func(n int) *int { return &n }
	harper := fireline.Recipient{Person: "harper"}
	casey := []fireline.Recipient{{Person: "casey"}}
	for _, c := range []struct {
		typ        fireline.EventType
		actor      string
		data       any
		lead, what string
		detail     string
	}{
		{fireline.EventClockAtRisk, pagerActor, fireline.ClockData{Clock: fireline.ClockRespond, Due: at.Add(-15 * time.Minute)},
			"Respond clock", "at risk (due 10:05)", ""},
		{fireline.EventClockBreached, pagerActor, fireline.ClockData{Clock: fireline.ClockResolve, Due: at.Add(24 * time.Hour)},
			"Resolve clock", "breached (was due Wed 2 Dec 10:20)", ""},
		{fireline.EventUnanswered, pagerActor, fireline.UnansweredData{Epoch: 1, Repeats: 4},
			"Nobody acknowledged:", "paging stopped after 4 repeats", ""},
		{fireline.EventUnanswered, pagerActor, fireline.UnansweredData{Epoch: 1, Repeats: 1},
			"Nobody acknowledged:", "paging stopped after 1 repeat", ""},
		{fireline.EventUnanswered, pagerActor, fireline.UnansweredData{Epoch: 1},
			"Nobody acknowledged:", "paging stopped", ""},
		{fireline.EventMemberAdded, pagerActor, fireline.MemberAddedData{Person: "blake"},
			"Blake Chen", "joined (paged for this restricted incident)", ""},
		{fireline.EventMemberAdded, "kai", fireline.MemberAddedData{Person: "blake"},
			"", "added Blake Chen as a member", ""},
		{fireline.EventPageRequested, "casey", fireline.PageRequestedData{Person: "harper"},
			"", "asked to page Harper Lindqvist again", ""},
		{fireline.EventPageRequested, "casey", fireline.PageRequestedData{Step: step(2)},
			"", "asked to page walk step #2 again", ""},
		{fireline.EventPageRequested, "casey", fireline.PageRequestedData{},
			"", "asked to page the primary on-call again", ""},
		{fireline.EventEscalated, "casey", fireline.EscalatedData{To: "technical:2", Chain: "technical", Step: 2, Note: "need the lead"},
			"", "escalated to Casey Morgan (technical:2)", "need the lead"},
		{fireline.EventEscalated, "casey", fireline.EscalatedData{To: "technical:1", Chain: "technical", Step: 1},
			"", "escalated to On-Call Engineer (technical:1)", ""},
		{fireline.EventEscalated, "kai", fireline.EscalatedData{To: "devon", Person: "devon"},
			"", "escalated to Devon Patel", ""},
		{fireline.EventEscalated, "kai", fireline.EscalatedData{To: "emery", Note: "recorded before escalating paged"},
			"", "escalated to Emery Brooks", "recorded before escalating paged"},
		{fireline.EventEscalationStep, pagerActor, fireline.EscalationStepData{Step: 9, Name: "repeat 2 of 4: the on-call and the escalation chain", Repeat: 2, Recipients: casey},
			"", `ran escalation step "repeat 2 of 4: the on-call and the escalation chain"`, "Paged Casey Morgan"},
		{fireline.EventEscalationStep, pagerActor, fireline.EscalationStepData{Step: 3, Name: "Technical Escalation step 2: Engineering Lead", Notify: true, Escalates: true, Recipients: casey},
			"", `ran escalation step "Technical Escalation step 2: Engineering Lead"`, "Told Casey Morgan (a notification, not a page: the incident was acknowledged)"},
		{fireline.EventEscalationStep, pagerActor, fireline.EscalationStepData{Step: 1000, Name: "escalated to Technical Escalation step 2: Engineering Lead", By: "casey", Recipients: casey},
			"", `ran escalation step "escalated to Technical Escalation step 2: Engineering Lead", asked for by Casey Morgan`, "Paged Casey Morgan"},
		{fireline.EventEscalationStep, pagerActor, fireline.EscalationStepData{Step: 1, Name: "secondary on-call", Skipped: "the step resolved to no one"},
			"", `ran escalation step "secondary on-call"`, "the step resolved to no one"},
		{fireline.EventPageSent, pagerActor, fireline.PageAttemptData{Recipient: harper, Method: fireline.MethodWebhook, Attempt: 2},
			"", "paged Harper Lindqvist by webhook (attempt 2)", ""},
		{fireline.EventPageFailed, pagerActor, fireline.PageAttemptData{Recipient: harper, Method: fireline.MethodEmail, Attempt: 1, Error: "421 busy"},
			"", "could not page Harper Lindqvist by email (attempt 1)", "421 busy"},
		{fireline.EventPageFailed, pagerActor, fireline.PageAttemptData{Recipient: harper, Method: fireline.MethodEmail, Attempt: 1, Error: "550 no such user", Final: true},
			"", "could not page Harper Lindqvist by email (attempt 1); will try again later", "550 no such user"},
		{fireline.EventPageFailed, pagerActor, fireline.PageAttemptData{Recipient: harper, Method: fireline.MethodEmail, Attempt: 4, Error: "421 busy", Final: true, GaveUp: true},
			"", "could not page Harper Lindqvist by email (attempt 4); gave up, no more attempts", "421 busy"},
	} {
		data, err := json.Marshal(c.data)
		if err != nil {
			t.Fatal(err)
		}
		v := describe(&fireline.Event{Type: c.typ, Actor: c.actor, At: at, Data: data}, p)
		if v.Lead != c.lead || v.What != c.what || v.Detail != c.detail || len(v.Fields) > 0 {
			t.Errorf("%s %s:\n got %q %q %q %v\nwant %q %q %q", c.typ, data, v.Lead, v.What, v.Detail, v.Fields, c.lead, c.what, c.detail)
		}
	}
}

// TestDeliveryStates: a delivery has failed only when it gave up; a
// final failure on a person's last method is followed by a new round
// (retrying), except on a timeline from before rounds (its escalation
// steps carry the legacy Escalation mark) or of an incident no longer
// open, where nothing more comes.
func TestDeliveryStates(t *testing.T) {
	p := policy.Default()
	ev := func(typ fireline.EventType, d any) *fireline.Event {
		b, _ := json.Marshal(d)
		return &fireline.Event{Type: typ, Data: b}
	}
	blake := fireline.Recipient{Person: "blake"}
	attempt := func(final, gaveUp bool) *fireline.Event {
		return ev(fireline.EventPageFailed, fireline.PageAttemptData{MessageID: "m1", Recipient: blake, Method: fireline.MethodEmail,
			Attempt: 3, Error: "421", Final: final, GaveUp: gaveUp})
	}
	step := func(legacy bool) *fireline.Event {
		return ev(fireline.EventEscalationStep, fireline.EscalationStepData{Name: "primary on-call", Recipients: []fireline.Recipient{blake}, Escalation: legacy})
	}
	for _, c := range []struct {
		name   string
		events []*fireline.Event
		open   bool
		want   string
	}{
		{"retrying the method", []*fireline.Event{step(false), attempt(false, false)}, true, "retrying"},
		{"a new round follows", []*fireline.Event{step(false), attempt(true, false)}, true, "retrying"},
		{"gave up", []*fireline.Event{step(false), attempt(true, true)}, true, "failed"},
		{"resolved meanwhile", []*fireline.Event{step(false), attempt(true, false)}, false, "failed"},
		{"before rounds", []*fireline.Event{step(true), attempt(true, false)}, true, "failed"},
	} {
		for i, e := range c.events {
			e.Seq = int64(i + 1)
		}
		_, ds := pagingView(p, c.events, c.open)
		if len(ds) != 1 || ds[0].State != c.want {
			t.Errorf("%s: %+v, want %s", c.name, ds, c.want)
		}
	}
}

// TestDescribeReadsTypedData: the timeline's words come from each event's
// own data type: what an update set, in a fixed order; an alert and how
// many more; a stage by its name.
func TestDescribeReadsTypedData(t *testing.T) {
	p := policy.Default()
	eta := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	impact := "no checkouts"
	for _, tt := range []struct {
		c            fireline.Change
		what, detail string
	}{
		{fireline.Change{Type: fireline.EventUpdated, Data: &fireline.UpdatedData{Impact: &impact, ETA: &eta, Services: []string{"api-gateway"}}},
			"updated impact, services, eta", ""},
		{fireline.Change{Type: fireline.EventAlertAttached, Data: &fireline.AlertAttachedData{Alert: 42, Severity: fireline.P2, Summary: "5xx", MoreAlerts: []int64{43, 44}}},
			"attached P2 alert #42 and 2 more", "5xx"},
		{fireline.Change{Type: fireline.EventStageChanged, Data: &fireline.StageChangedData{From: fireline.StageDetection, To: fireline.StageMitigation, Reason: "rolling back"}},
			"moved the incident to " + stageName(fireline.StageMitigation), "rolling back"},
		{fireline.Change{Type: fireline.EventNote, Data: &fireline.NoteData{Kind: fireline.NoteMitigation, Text: "rolled back"}},
			"recorded a mitigation step", "rolled back"},
	} {
		e, err := fireline.NewEvent("INC-1", 2, "x", eta, "alice", tt.c)
		if err != nil {
			t.Fatal(err)
		}
		if v := describe(e, p); v.What != tt.what || v.Detail != tt.detail {
			t.Errorf("%s: %q / %q, want %q / %q", tt.c.Type, v.What, v.Detail, tt.what, tt.detail)
		}
	}
}
