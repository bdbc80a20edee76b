package engine

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
	"github.com/fireline-dev/fireline/policy"
)

// The engine's own tests: its handlers against a fake store that keeps
// one incident and says what each transaction did. The real store, on
// both databases, is tested end to end in cmd/fireline.

// tuesday is 10:00 on Tuesday 1 December 2026 in New York, in business
// hours; the default schedule has blake primary and alex secondary.
var tuesday = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)

type fakeStore struct {
	inc *fireline.Incident
	now time.Time
	tx  *fakeTx // the last transaction
}

type fakeTx struct {
	now        time.Time
	recorded   []fireline.Change
	work       []fireline.Work
	enqueued   []fireline.Job
	completed  bool
	failed     string
	reschedule *time.Time
	args       any
	events     []*fireline.Event
}

func (s *fakeStore) IncidentTx(ctx context.Context, n int64, fn func(IncidentTx, *fireline.Incident) error) error {
	s.tx = &fakeTx{now: s.now}
	return fn(s.tx, s.inc)
}
func (s *fakeStore) Incident(ctx context.Context, n int64) (*fireline.Incident, error) {
	return s.inc, nil
}
func (s *fakeStore) JobTx(ctx context.Context, fn func(JobTx) error) error {
	s.tx = &fakeTx{now: s.now}
	return fn(s.tx)
}
func (s *fakeStore) Unwatched(ctx context.Context) ([]string, error) { return []string{s.inc.ID}, nil }
func (s *fakeStore) Overrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error) {
	return nil, nil
}
func (s *fakeStore) CreateOverride(ctx context.Context, in fireline.OverrideInput) (*fireline.Override, error) {
	return nil, errors.New("not in these tests")
}
func (s *fakeStore) DeleteOverride(ctx context.Context, id string) error {
	return errors.New("not in these tests")
}

func (tx *fakeTx) Now() time.Time { return tx.now }
func (tx *fakeTx) Enqueue(ctx context.Context, work ...fireline.Job) error {
	tx.enqueued = append(tx.enqueued, work...)
	return nil
}
func (tx *fakeTx) Complete(ctx context.Context, j *jobs.Job) error { tx.completed = true; return nil }
func (tx *fakeTx) Reschedule(ctx context.Context, j *jobs.Job, at time.Time, errText string, args any, reset bool) error {
	tx.reschedule, tx.args = &at, args
	return nil
}
func (tx *fakeTx) Fail(ctx context.Context, j *jobs.Job, errText string) error {
	tx.failed = errText
	return nil
}
func (tx *fakeTx) Record(ctx context.Context, c fireline.Change) error {
	tx.recorded = append(tx.recorded, c)
	return nil
}
func (tx *fakeTx) DoWork(ctx context.Context, w fireline.Work) error {
	tx.work = append(tx.work, w)
	return nil
}
func (tx *fakeTx) Timeline(ctx context.Context) ([]*fireline.Event, error) { return tx.events, nil }
func (tx *fakeTx) Overrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error) {
	return nil, nil
}

// newTestEngine is an engine over the default policy and a fake store
// holding one incident of sev declared at tuesday.
func newTestEngine(t *testing.T, sev fireline.Severity) (*Engine, *fakeStore) {
	t.Helper()
	p := policy.Default()
	in, err := fireline.DeclareInput{Title: "API gateway 502s", Severity: sev, Services: []string{"api-gateway"}}.Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	inc, _, err := fireline.NewIncident(p, in, 7, fireline.Actor{Role: fireline.RoleResponder, PersonID: "casey"}, tuesday)
	if err != nil {
		t.Fatal(err)
	}
	inc.EventCount = 1
	s := &fakeStore{inc: inc, now: tuesday}
	e := &Engine{Policy: p, Store: s, Now: func() time.Time { return s.now }, Channels: map[fireline.ContactMethodType]notify.Channel{}}
	return e, s
}

func job(t *testing.T, args any, attempts int) *jobs.Job {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return &jobs.Job{ID: 1, Args: b, Attempts: attempts}
}

func TestRunStepAfterAnAcknowledgement(t *testing.T) {
	e, s := newTestEngine(t, fireline.P2)
	walk := e.Policy.PlanWalk(s.inc, tuesday)
	// Acknowledged: the on-call step (chain step 1) no longer runs; the
	// Engineering Lead's (the required level) does, as a notification.
	ack := tuesday.Add(time.Minute)
	s.inc.AcknowledgedAt, s.inc.Status = &ack, fireline.StatusAcknowledged
	for _, tt := range []struct {
		index int
		runs  bool
	}{{1, false}, {2, false}, {3, true}} {
		s.now = walk.Steps[tt.index].At
		err := e.runStep(context.Background(), job(t, fireline.StepJob{Incident: 7, Epoch: 1, Steps: walk.Steps[tt.index : tt.index+1]}, 1))
		if err != nil {
			t.Fatal(err)
		}
		if ran := len(s.tx.work) == 1; ran != tt.runs || !s.tx.completed {
			t.Errorf("step %d (%s): ran %v, completed %v; want ran %v", tt.index, walk.Steps[tt.index].Name, ran, s.tx.completed, tt.runs)
		}
	}
}

func TestClockMarksWalkFromMarkToMark(t *testing.T) {
	e, s := newTestEngine(t, fireline.P2)
	marks := e.Policy.ClockMarks(s.inc)
	a := fireline.ClockJob{Incident: 7, Epoch: 1, Marks: marks, Severity: fireline.P2}
	// At the first mark (respond at risk, 45 min): recorded, the primary
	// told, the job rescheduled to the next mark with the rest.
	s.now = marks[0].At
	if err := e.clockMark(context.Background(), job(t, a, 1)); err != nil {
		t.Fatal(err)
	}
	if len(s.tx.recorded) != 1 || s.tx.recorded[0].Type != fireline.EventClockAtRisk || s.tx.reschedule == nil || !s.tx.reschedule.Equal(marks[1].At) {
		t.Fatalf("first mark: recorded %v, rescheduled to %v", s.tx.recorded, s.tx.reschedule)
	}
	told := s.tx.work[0].Jobs
	if len(told) != 1 || told[0].Args.(fireline.DeliveryJob).Recipient.Person != "blake" || !told[0].Args.(fireline.DeliveryJob).Notify {
		t.Fatalf("told %+v", told)
	}
	rest := s.tx.args.(fireline.ClockJob).Marks
	if len(rest) != len(marks)-1 {
		t.Fatalf("rescheduled with %d marks, want %d", len(rest), len(marks)-1)
	}
	// Acknowledged meanwhile: the respond breach is not recorded; the job
	// goes on to the marks after it.
	ack := tuesday.Add(50 * time.Minute)
	s.inc.AcknowledgedAt, s.inc.Status = &ack, fireline.StatusAcknowledged
	a.Marks = rest
	s.now = rest[0].At
	if err := e.clockMark(context.Background(), job(t, a, 1)); err != nil {
		t.Fatal(err)
	}
	if len(s.tx.recorded) != 0 || s.tx.reschedule == nil {
		t.Fatalf("a met clock: recorded %v, rescheduled %v", s.tx.recorded, s.tx.reschedule)
	}
	// A severity change since: its walk has marks of its own.
	s.inc.Severity = fireline.P1
	if err := e.clockMark(context.Background(), job(t, a, 1)); err != nil || !s.tx.completed || len(s.tx.recorded) != 0 {
		t.Fatalf("another severity: completed %v, recorded %v, %v", s.tx.completed, s.tx.recorded, err)
	}
}

func TestUnansweredOnlyWhileTriggered(t *testing.T) {
	e, s := newTestEngine(t, fireline.P1)
	a := fireline.UnansweredJob{Incident: 7, Epoch: 1, Repeats: 4}
	if err := e.unanswered(context.Background(), job(t, a, 1)); err != nil {
		t.Fatal(err)
	}
	if len(s.tx.recorded) != 1 || s.tx.recorded[0].Type != fireline.EventUnanswered || !s.tx.completed {
		t.Fatalf("triggered: %+v", s.tx)
	}
	ack := tuesday
	s.inc.AcknowledgedAt, s.inc.Status = &ack, fireline.StatusAcknowledged
	if err := e.unanswered(context.Background(), job(t, a, 1)); err != nil || len(s.tx.recorded) != 0 || !s.tx.completed {
		t.Fatalf("acknowledged: recorded %v, %v", s.tx.recorded, err)
	}
}

func TestWatchdogResumesALostWalk(t *testing.T) {
	e, s := newTestEngine(t, fireline.P2)
	decl, err := fireline.NewEvent(s.inc.ID, 1, "", tuesday, "casey", fireline.Change{Type: fireline.EventDeclared, Data: &fireline.DeclaredData{Number: 7}})
	if err != nil {
		t.Fatal(err)
	}
	step0, err := fireline.NewEvent(s.inc.ID, 2, decl.Hash, tuesday, "automation:pager",
		fireline.Change{Type: fireline.EventEscalationStep, Data: &fireline.EscalationStepData{Epoch: 1, Step: 0}})
	if err != nil {
		t.Fatal(err)
	}
	s.now = tuesday.Add(10 * time.Minute)
	s.tx = nil
	ws := &watchStore{fakeStore: s, events: []*fireline.Event{decl, step0}}
	e.Store = ws
	// (It finishes its own job in its rescheduling transaction, and says
	// so with ErrFinished.)
	if err := e.watchdog(context.Background(), job(t, struct{}{}, 1)); err != nil && !errors.Is(err, jobs.ErrFinished) {
		t.Fatal(err)
	}
	w := ws.repair.work[0]
	var keys []string
	for _, j := range w.Jobs {
		keys = append(keys, j.Key)
	}
	// Step 0 ran: the secondary (1), the on-call step (2), the lead (3),
	// the repeat (4), the unanswered check and the clock marks; not the
	// primary again.
	want := []string{"step:7:1:1", "step:7:1:2", "step:7:1:3", "step:7:1:4", "unanswered:7:1", "clock:7:1"}
	if !slices.Equal(keys, want) || len(w.Steps) != 0 {
		t.Fatalf("repair: jobs %v, steps now %v; want %v", keys, w.Steps, want)
	}
}

// watchStore is the fake store with a timeline, keeping the repair's
// transaction apart from the watchdog's own rescheduling.
type watchStore struct {
	*fakeStore
	events []*fireline.Event
	repair *fakeTx
}

func (s *watchStore) IncidentTx(ctx context.Context, n int64, fn func(IncidentTx, *fireline.Incident) error) error {
	s.repair = &fakeTx{now: s.now, events: s.events}
	return fn(s.repair, s.inc)
}

func TestDecideRetry(t *testing.T) {
	e, s := newTestEngine(t, fireline.P2)
	// alex's contact methods: a webhook, then an email.
	for i := range e.Policy.People {
		if e.Policy.People[i].ID == "alex" {
			e.Policy.People[i].ContactMethods = []fireline.ContactMethod{{Type: fireline.MethodWebhook, URL: "https://x.example/a"}, {Type: fireline.MethodEmail}}
		}
	}
	until := tuesday.Add(30 * time.Minute)
	a := fireline.DeliveryJob{Incident: 7, Recipient: fireline.Recipient{Person: "alex"}, Until: until}
	temp := &notify.Error{Err: errors.New("HTTP 503"), Retryable: true}
	perm := &notify.Error{Err: errors.New("HTTP 410")}
	tests := []struct {
		name          string
		method, round int
		attempts      int
		err           error
		now           time.Time
		final, gaveUp bool
		nextMethod    int
		nextRound     int
	}{
		{"a temporary failure retries the method", 0, 0, 1, temp, tuesday, false, false, 0, 0},
		{"the third falls back to the next method", 0, 0, 3, temp, tuesday, true, false, 1, 0},
		{"a permanent failure falls back at once", 0, 0, 1, perm, tuesday, true, false, 1, 0},
		{"after the last method, a new round", 1, 0, 3, temp, tuesday, true, false, 0, 1},
		{"later rounds try each method once", 0, 2, 1, temp, tuesday, true, false, 1, 2},
		{"no time left for another round: give up", 1, 3, 1, temp, until.Add(-time.Second), true, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.now = tt.now
			a.Method, a.Round = tt.method, tt.round
			r := e.decideRetry(&jobs.Job{Attempts: tt.attempts}, a, tt.err, false)
			if r.final != tt.final || r.gaveUp != tt.gaveUp {
				t.Fatalf("final %v, gave up %v; want %v, %v", r.final, r.gaveUp, tt.final, tt.gaveUp)
			}
			if r.next != nil && (r.next.Method != tt.nextMethod || r.next.Round != tt.nextRound) {
				t.Fatalf("next: method %d round %d; want %d %d", r.next.Method, r.next.Round, tt.nextMethod, tt.nextRound)
			}
			if !r.gaveUp && r.at.Before(tt.now) {
				t.Fatalf("next attempt at %s, before now", r.at)
			}
		})
	}
}
