package fireline

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// cancels returns the CANCEL deliveries of planned jobs: person and
// sequence.
func cancels(jobs []Job) []string {
	var out []string
	for _, j := range jobs {
		if a, ok := j.Args.(DeliveryJob); ok && a.Cancel != nil {
			out = append(out, a.Recipient.Person+"@"+strconv.Itoa(a.Cancel.Sequence))
		}
	}
	return out
}

// TestReviewMeetingDropAndCancel: a participant dropped on rescheduling is
// sent a CANCEL with the new sequence and stays out of later schedulings
// until named again; cancelling the meeting sends a CANCEL to everyone,
// and the next scheduling's SEQUENCE follows the cancellation's.
func TestReviewMeetingDropAndCancel(t *testing.T) {
	tl := reviewTimeline(t, P1)
	resolved := declaredAt.Add(2 * time.Hour)
	tl.mustDo(Action{Kind: ActResolve, Text: "rolled back"}, resolved)
	at, start := resolved.Add(time.Hour), ny(2026, 6, 16, 15, 0)
	actors := []string{"alice", "bob"}
	schedule := func(in ReviewInput) ([]Change, error) {
		in.Start, in.Actors = &start, actors
		return tl.do(Action{Kind: ActScheduleReview, Review: &in, By: "alice"}, at)
	}
	plan := func(changes []Change) []Job { return tl.p.PlanWork(tl.inc, changes, Actor{PersonID: "alice"}, at).Jobs }

	steps := []struct {
		name             string
		in               ReviewInput
		wantParticipants string
		wantSeq          int
		wantCancels      string
	}{
		{"first invitation", ReviewInput{Participants: []string{"carol"}}, "alice,bob,carol", 0, ""},
		{"bob dropped: a CANCEL to him with the new sequence", ReviewInput{Participants: []string{"carol"}, Drop: []string{"bob"}}, "alice,carol", 1, "bob@1"},
		{"bob stays out; carol not named: a CANCEL to her", ReviewInput{}, "alice", 2, "carol@2"},
		{"bob named again", ReviewInput{Participants: []string{"bob"}}, "alice,bob", 3, ""},
	}
	for _, s := range steps {
		changes, err := schedule(s.in)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		r := tl.inc.Review
		if got := strings.Join(r.Participants, ","); got != s.wantParticipants || r.Meeting.Sequence != s.wantSeq {
			t.Errorf("%s: participants %s sequence %d, want %s %d", s.name, got, r.Meeting.Sequence, s.wantParticipants, s.wantSeq)
		}
		if got := strings.Join(cancels(plan(changes)), ","); got != s.wantCancels {
			t.Errorf("%s: cancels %q, want %q", s.name, got, s.wantCancels)
		}
	}
	_, err := schedule(ReviewInput{Drop: []string{"nobody"}})
	wantCode(t, err, EInvalid)

	changes := tl.mustDo(Action{Kind: ActUnscheduleReview, By: "alice"}, at)
	if r := tl.inc.Review; r.Meeting != nil || r.Cancelled == nil || r.Cancelled.Sequence != 4 {
		t.Fatalf("after unscheduling: meeting %+v cancelled %+v", r.Meeting, r.Cancelled)
	}
	if got := strings.Join(cancels(plan(changes)), ","); got != "alice@4,bob@4" {
		t.Errorf("unscheduling planned cancels %q", got)
	}
	_, err = tl.do(Action{Kind: ActUnscheduleReview, By: "alice"}, at)
	wantCode(t, err, EConflict) // nothing scheduled
	changes, err = schedule(ReviewInput{})
	if err != nil || tl.inc.Review.Meeting.Sequence != 5 {
		t.Fatalf("scheduled again: %v, %+v", err, tl.inc.Review.Meeting)
	}

	// A CANCEL is stale once its person is invited again with a later
	// sequence; the invitations of a meeting since cancelled are stale.
	a := DeliveryJob{Review: true, Invite: true, Cancel: &ReviewMeeting{Sequence: 4}, Recipient: Recipient{Person: "alice"}}
	if !a.Stale(tl.inc) {
		t.Error("a CANCEL to alice, invited again since, is not stale")
	}
	a.Recipient.Person = "carol"
	if a.Stale(tl.inc) {
		t.Error("a CANCEL to carol, not invited since, is stale")
	}
	tl.verify()
	got, err := Replay(tl.events)
	if err != nil || incidentJSONAny(t, got.Review) != incidentJSONAny(t, tl.inc.Review) {
		t.Fatalf("replay: %v\n%s\nwant %s", err, incidentJSONAny(t, got.Review), incidentJSONAny(t, tl.inc.Review))
	}
}
