package fireline

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestAgeBucket(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		age  time.Duration
		want string
	}{
		{0, "0-7d"},
		{7*24*time.Hour - time.Second, "0-7d"},
		{7 * 24 * time.Hour, "7-30d"},
		{30 * 24 * time.Hour, "30-90d"},
		{90 * 24 * time.Hour, "90d+"},
		{400 * 24 * time.Hour, "90d+"},
	} {
		if got := AgeBucket(now.Add(-tc.age), now); got != tc.want {
			t.Errorf("AgeBucket(%s) = %q, want %q", tc.age, got, tc.want)
		}
	}
}

func TestBoard(t *testing.T) {
	p := testPolicy()
	p.People[0].Teams = []string{"web", "oncall"} // alice
	p.People[1].Teams = []string{"web"}           // bob
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	item := func(owner string, age, dueIn time.Duration, status ActionItemStatus) ActionItem {
		return ActionItem{Owner: owner, CreatedAt: now.Add(-age), Deadline: now.Add(dueIn), Status: status}
	}
	day := 24 * time.Hour
	items := []ActionItem{
		item("alice", day, -time.Hour, ItemOpen), // overdue
		item("bob", 10*day, day, ItemOpen),       // open
		item("bob", 40*day, -day, ItemDone),      // done
		item("carol", 100*day, -day, ItemOpen),   // no team, overdue
		item("alice", 2*day, 3*day, ItemOpen),    // open
	}
	b := p.Board(items, now)
	for _, tc := range []struct {
		name      string
		got, want []BoardGroup
	}{
		{"by team", b.ByTeam, []BoardGroup{{"oncall", 2, 1, 0}, {"web", 3, 1, 1}, {NoTeam, 1, 1, 0}}},
		{"by owner", b.ByOwner, []BoardGroup{{"alice", 2, 1, 0}, {"bob", 1, 0, 1}, {"carol", 1, 1, 0}}},
		{"by age", b.ByAge, []BoardGroup{{"0-7d", 2, 1, 0}, {"7-30d", 1, 0, 0}, {"30-90d", 0, 0, 1}, {"90d+", 1, 1, 0}}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		team string
		code string
	}{{"", ""}, {"web", ""}, {NoTeam, ""}, {"nope", EInvalid}} {
		if got := ErrorCode(p.CheckTeam(tc.team)); got != tc.code {
			t.Errorf("CheckTeam(%q) = %q, want %q", tc.team, got, tc.code)
		}
	}
}

func TestRunbookItemPlaybook(t *testing.T) {
	p := testPolicy()
	p.Playbooks = testPlaybooks()
	p.Playbooks[0].Digest = "aaaaaaaaaaaa"
	id := p.Playbooks[0].ID
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	kind := func(k ActionItemKind) *ActionItemKind { return &k }
	deadline := now.Add(48 * time.Hour)
	for _, tc := range []struct {
		name     string
		playbook string
		kind     ActionItemKind
		field    string
	}{
		{"runbook on a loaded playbook", id, KindRunbook, ""},
		{"unknown playbook", "nope", KindRunbook, "playbook"},
		{"a fix naming a playbook", id, KindFix, "playbook"},
	} {
		inc := &Incident{ID: "INC-1", Number: 1, Status: StatusTriggered}
		in := ActionItemInput{Number: 1, Title: str("Add a step"), Owner: str("alice"), Deadline: &deadline, Kind: kind(tc.kind), Playbook: str(tc.playbook)}
		changes, err := inc.addActionItem(p, in, "alice", now)
		if tc.field != "" {
			var e *Error
			if !errors.As(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
				t.Errorf("%s: %v, want a %s field error", tc.name, err, tc.field)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		it := changes[0].Data.(*ActionItemAddedData).Item
		if it.Playbook != id || it.PlaybookDigest != "aaaaaaaaaaaa" {
			t.Fatalf("%s: %+v", tc.name, it)
		}
		inc.apply(now, changes[0])
		if _, err := inc.playbookChanged(p, id, "system"); ErrorCode(err) != EConflict {
			t.Errorf("unchanged playbook: %v", err)
		}
		p.Playbooks[0].Digest = "bbbbbbbbbbbb"
		changes, err = inc.playbookChanged(p, id, "system")
		if err != nil || len(changes) != 1 {
			t.Fatalf("changed playbook: %v %v", changes, err)
		}
		d := changes[0].Data.(*ActionItemUpdatedData)
		if d.Status != ItemDone || d.Note != "playbook "+id+" changed (digest aaaaaaaaaaaa→bbbbbbbbbbbb)" {
			t.Errorf("close: %+v", d)
		}
		inc.apply(now, changes[0])
		if it := inc.ActionItem(1); it.Status != ItemDone || it.PlaybookDigest != "bbbbbbbbbbbb" {
			t.Errorf("after: %+v", it)
		}
		p.Playbooks[0].Digest = "aaaaaaaaaaaa"
	}
}
