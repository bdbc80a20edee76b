package fireline

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kinds of work: a job's kind names its handler (engine/). Steps and
// deliveries due when a walk starts ("notify") run even once the incident
// is acknowledged; later ones ("escalate") are cancelled by the
// acknowledgement, except the steps that tell the severity's escalation
// audience, which the policy keeps after an acknowledgement ("inform").
const (
	JobStepNotify      = "page.step"
	JobStepEscalate    = "page.step.escalate"
	JobStepInform      = "page.step.inform"
	JobDeliverNotify   = "page.deliver"
	JobDeliverEscalate = "page.deliver.escalate"
	JobUnanswered      = "page.unanswered"
	JobClock           = "clock.mark"
)

// walkJobs are the jobs of a walk: a new walk cancels the old one's.
var walkJobs = []string{JobStepNotify, JobStepEscalate, JobStepInform, JobDeliverEscalate, JobUnanswered, JobClock}

// Job is work to do later or elsewhere, decided here and stored by the
// store in the same transaction as the change that causes it. Key makes
// it idempotent: a job whose key is already pending or running is not
// added again.
type Job struct {
	Kind        string
	Key         string
	Group       string
	RunAt       time.Time
	MaxAttempts int
	Args        any
	// Local is handed, as committed, to a runner of this process that
	// starts the job at once (a delivery carries its incident, so the
	// first page needs no read); it is not stored.
	Local any
}

// Cancel cancels the pending jobs of a group, of the kinds given (all
// when none).
type Cancel struct {
	Group string
	Kinds []string
}

// Work is what an incident's changes ask for, in their transaction: jobs
// cancelled, walk steps run at once, and jobs enqueued, in that order.
type Work struct {
	Cancels []Cancel
	Steps   []StepRun
	Jobs    []Job
}

func (w *Work) add(o Work) {
	w.Cancels = append(w.Cancels, o.Cancels...)
	w.Steps = append(w.Steps, o.Steps...)
	w.Jobs = append(w.Jobs, o.Jobs...)
}

// JobGroup is the group of an incident's jobs: cancelling it stops them.
func JobGroup(n int64) string { return "incident:" + strconv.FormatInt(n, 10) }

// StepJob is a step job's arguments: the walk steps that fall due
// together, and when the walk's next steps do (the bound of their pages'
// retries).
type StepJob struct {
	Incident int64      `json:"incident"`
	Epoch    int64      `json:"epoch"`
	Steps    []WalkStep `json:"steps,omitempty"`
	Next     time.Time  `json:"next,omitzero"`
	// Step is the one step of a job enqueued before steps were grouped.
	Step *WalkStep `json:"step,omitempty"`
}

// AllSteps returns the job's steps.
func (a StepJob) AllSteps() []WalkStep {
	if len(a.Steps) == 0 && a.Step != nil {
		return []WalkStep{*a.Step}
	}
	return a.Steps
}

// StepRun is steps to run now: resolved to recipients, recorded, their
// pages enqueued (Policy.RunSteps). By names who asked for them (an
// escalation, a page sent again); empty for the walk's own.
type StepRun struct {
	Epoch int64
	Steps []WalkStep
	Next  time.Time
	By    string
}

// DeliveryJob is a delivery job's arguments: one page to one recipient,
// on its Method-th contact method, in its Round-th pass over them.
type DeliveryJob struct {
	Incident  int64     `json:"incident,omitempty"`
	Epoch     int64     `json:"epoch,omitempty"`
	Step      int       `json:"step"`
	StepName  string    `json:"step_name,omitempty"`
	Immediate bool      `json:"immediate,omitempty"`
	Recipient Recipient `json:"recipient"`
	Method    int       `json:"method"`
	// Inform says the page tells the severity's escalation audience and
	// goes on once the incident is acknowledged.
	Inform bool `json:"inform,omitempty"`
	// Notify says the recipient is told, not woken: the incident is
	// already acknowledged, or they were given a role.
	Notify bool `json:"notify,omitempty"`
	// Until bounds the retries: the walk's next step, or the policy's
	// retry time when none follows.
	Until time.Time `json:"until,omitzero"`
	Round int       `json:"round,omitempty"`
	// Review says the message is about the review or an action item: it
	// goes out whatever the incident's status. Invite makes it the
	// meeting's invitation (by email, with its iCalendar request);
	// Meeting is the invitation's sequence + 1 it belongs to, Item and
	// Due the action item and the deadline it was planned for: a message
	// whose meeting was rescheduled or whose item closed or moved is not
	// sent.
	Review  bool      `json:"review,omitempty"`
	Invite  bool      `json:"invite,omitempty"`
	Meeting int       `json:"meeting,omitempty"`
	Item    int64     `json:"item,omitempty"`
	Due     time.Time `json:"due,omitzero"`
	// Cancel makes an invitation the meeting's CANCEL, as cancelled
	// (review_calendar.go).
	Cancel *ReviewMeeting `json:"cancel,omitempty"`
	// Notice is a stakeholder notice (initial or resolution), an email
	// that threads under the incident's first (comms_cadence.go).
	Notice string `json:"notice,omitempty"`
	// NoticeSeverity and NoticeStage are what a severity or stage notice
	// tells, as it was when the change was made: the incident may have
	// moved on when the notice is sent.
	NoticeSeverity Severity `json:"notice_severity,omitempty"`
	NoticeStage    Stage    `json:"notice_stage,omitempty"`
	// Regulatory is the regulatory clock at risk or breached: told
	// whatever the incident's status, since the clock outlives it.
	Regulatory bool `json:"regulatory,omitempty"`
}

// Stale reports whether the page is no longer wanted: its incident is
// closed, or it asked for an acknowledgement that came.
func (a DeliveryJob) Stale(inc *Incident) bool {
	if a.Review {
		return a.staleReview(inc)
	}
	if a.Notice == NoticeResolution || a.Regulatory {
		return false
	}
	return !inc.Status.Open() || (!a.Immediate && !a.Inform && !a.Notify && inc.AcknowledgedAt != nil)
}

// staleReview reports whether a message about the review or an action
// item is no longer wanted: its meeting was rescheduled, its item closed
// or given another deadline.
func (a DeliveryJob) staleReview(inc *Incident) bool {
	if a.Cancel != nil {
		return a.staleCancel(inc)
	}
	if a.Meeting > 0 && (inc.Review == nil || inc.Review.Meeting == nil || inc.Review.Meeting.Sequence+1 != a.Meeting) {
		return true
	}
	if a.Item > 0 {
		it := inc.ActionItem(a.Item)
		return it == nil || it.Status != ItemOpen || !it.Deadline.Equal(a.Due)
	}
	return false
}

// UnansweredJob is the arguments of the check that marks a walk
// unanswered.
type UnansweredJob struct {
	Incident int64 `json:"incident"`
	Epoch    int64 `json:"epoch"`
	Repeats  int   `json:"repeats"`
}

// ClockJob is a walk's clock job's arguments: the marks still to come,
// earliest first. One job a walk, rescheduled from mark to mark.
type ClockJob struct {
	Incident int64       `json:"incident"`
	Epoch    int64       `json:"epoch"`
	Marks    []ClockMark `json:"marks"`
	Severity Severity    `json:"severity"`
}

// PlanWork decides what an incident's changes, just applied and recorded
// by actor, ask for in their transaction (docs/adr/0049): a change that
// starts a walk (declared, severity changed, reopened, an alert joining
// an unanswered incident) cancels the jobs of the walk before and plans
// the new walk and its clock marks (only the last such change runs its
// steps due at once; the others' are queued); an acknowledgement cancels
// the paging still pending for want of it; resolving cancels everything
// pending; an escalation or a request to page again pages at once; a
// role or membership given by someone else tells its person.
func (p *Policy) PlanWork(inc *Incident, changes []Change, actor Actor, now time.Time) Work {
	g := JobGroup(inc.Number)
	firstSeq := inc.EventCount - int64(len(changes)) + 1
	last := -1
	for i, c := range changes {
		if WalkStarts(c) {
			last = i
		}
	}
	var w Work
	for i, c := range changes {
		seq := firstSeq + int64(i)
		switch {
		case WalkStarts(c):
			w.Cancels = append(w.Cancels, Cancel{Group: g, Kinds: walkJobs})
			if inc.Status.Open() {
				w.add(p.startWalk(inc, seq, now, i == last, !ClocksRestart(c)))
			}
		case c.Type == EventAcknowledged:
			w.Cancels = append(w.Cancels, Cancel{Group: g, Kinds: []string{JobStepEscalate, JobDeliverEscalate, JobUnanswered}})
		case c.Type == EventResolved:
			w.Cancels = append(w.Cancels, Cancel{Group: g})
		case c.Type == EventEscalated || c.Type == EventPageRequested:
			if run, ok := p.pageOnRequest(inc, seq, c, actor, now); ok {
				w.Steps = append(w.Steps, run)
			}
		case c.Type == EventRoleAssigned || c.Type == EventMemberAdded:
			w.Jobs = append(w.Jobs, p.tellAssigned(inc, seq, c, actor, now)...)
		case reviewEvent(c.Type):
			w.Jobs = append(w.Jobs, p.planReview(inc, seq, c, now)...)
		case itemEvent(c.Type):
			w.Jobs = append(w.Jobs, p.planItems(inc, seq, c, now)...)
		case c.Type == EventRegulatoryStarted:
			w.Jobs = append(w.Jobs, p.planRegulatory(inc, c, now)...) // regulatory.go
		}
	}
	w.add(p.planComms(inc, changes, firstSeq, now))            // comms_cadence.go
	w.Jobs = append(w.Jobs, p.planSlack(inc, changes, now)...) // slack.go
	return w
}

// startWalk plans a new walk: with inline, its steps due at once run in
// this transaction; the others, the check that marks it unanswered and
// its clock marks are jobs. When the clocks did not restart (a reopening,
// a new alert on an unanswered incident) only the marks still ahead.
func (p *Policy) startWalk(inc *Incident, epoch int64, now time.Time, inline, marksAhead bool) Work {
	walk := p.PlanWalk(inc, now)
	w := p.WalkWork(inc, epoch, walk, nil, inline, now)
	w.Jobs = append(w.Jobs, p.ClockWork(inc, epoch, walk, marksAhead, now)...)
	return w
}

// WalkWork is a walk's work: its steps, grouped by the instant they fall
// due (those in done left out), and the check that marks it unanswered.
// With inline, the steps due at once run in this transaction (Work.Steps)
// rather than as jobs of their own, which saves a claim and a commit on
// the way to the first page (docs/adr/0025).
func (p *Policy) WalkWork(inc *Incident, epoch int64, walk Walk, done map[int]bool, inline bool, now time.Time) Work {
	var w Work
	groups := StepsAt(walk.Steps)
	for i, steps := range groups {
		var next time.Time
		if i+1 < len(groups) {
			next = groups[i+1][0].At
		}
		steps = notDone(steps, done)
		switch {
		case len(steps) == 0:
		case inline && steps[0].Immediate && !steps[0].At.After(now):
			w.Steps = append(w.Steps, StepRun{Epoch: epoch, Steps: steps, Next: next})
		default:
			w.Jobs = append(w.Jobs, p.stepJob(inc, epoch, steps, next))
		}
	}
	w.Jobs = append(w.Jobs, Job{Kind: JobUnanswered, Group: JobGroup(inc.Number), RunAt: walk.Ends,
		Key:  fmt.Sprintf("unanswered:%d:%d", inc.Number, epoch),
		Args: UnansweredJob{Incident: inc.Number, Epoch: epoch, Repeats: walk.Repeats()}})
	return w
}

func notDone(steps []WalkStep, done map[int]bool) []WalkStep {
	if len(done) == 0 {
		return steps
	}
	var out []WalkStep
	for _, st := range steps {
		if !done[st.Index] {
			out = append(out, st)
		}
	}
	return out
}

// stepJob is the job of steps that fall due together. Its kind says
// whether an acknowledgement cancels it: not when the steps are due at
// once, nor when one tells the escalation audience the policy keeps
// telling after an acknowledgement.
func (p *Policy) stepJob(inc *Incident, epoch int64, steps []WalkStep, next time.Time) Job {
	kind := JobStepEscalate
	if steps[0].Immediate {
		kind = JobStepNotify
	} else if p.AfterAck(inc.Severity).Told() && slices.ContainsFunc(steps, func(st WalkStep) bool { return st.Escalates }) {
		kind = JobStepInform
	}
	return Job{Kind: kind, Group: JobGroup(inc.Number), RunAt: steps[0].At,
		Key:  fmt.Sprintf("step:%d:%d:%d", inc.Number, epoch, steps[0].Index),
		Args: StepJob{Incident: inc.Number, Epoch: epoch, Steps: steps, Next: next}}
}

// AfterAck is how a severity tells its escalation audience once the
// incident is acknowledged.
func (p *Policy) AfterAck(level Severity) AfterAck {
	if sp, ok := p.Severity(level); ok && sp.Escalation.AfterAck != "" {
		return sp.Escalation.AfterAck
	}
	return AfterAckNotify
}

// DueSteps are the steps of a step job that still run: all while nobody
// has acknowledged; after that, those due when the walk started and
// those telling the escalation audience, as the policy says.
func (p *Policy) DueSteps(inc *Incident, steps []WalkStep) []WalkStep {
	var run []WalkStep
	for _, st := range steps {
		if inc.Status.Open() && (st.Immediate || inc.AcknowledgedAt == nil || (st.Escalates && p.AfterAck(inc.Severity).Told())) {
			run = append(run, st)
		}
	}
	return run
}

// RunSteps resolves steps that fall due together to their recipients at
// now and returns their changes (an escalation step each, then the people
// paged joining a restricted incident, so that they can open it) and one
// delivery per recipient however many of the steps name them. The
// caller records the changes, in order, before it enqueues the jobs.
func (p *Policy) RunSteps(inc *Incident, run StepRun, now time.Time, overrides []Override) ([]Change, []Job) {
	// Told, not woken: the walk's steps that still run once acknowledged.
	told := inc.AcknowledgedAt != nil && run.By == "" && p.AfterAck(inc.Severity) != AfterAckPage
	var changes []Change
	var pages []*stepPage
	byRecipient := map[Recipient]*stepPage{}
	for _, st := range run.Steps {
		recipients := p.Resolve(st.Targets, inc.Services, now, overrides)
		d := &EscalationStepData{Epoch: run.Epoch, Step: st.Index, Name: st.Name, Recipients: recipients,
			Escalates: st.Escalates, Repeat: st.Repeat, Notify: told, By: run.By}
		if len(recipients) == 0 {
			d.Skipped = "the step resolved to no one"
		}
		changes = append(changes, Change{Type: EventEscalationStep, Data: d})
		for _, r := range recipients {
			pg := byRecipient[r]
			if pg == nil {
				pg = &stepPage{recipient: r, step: st.Index}
				byRecipient[r] = pg
				pages = append(pages, pg)
			}
			pg.names = append(pg.names, st.Name)
			pg.escalates = pg.escalates || st.Escalates
		}
	}
	members := slices.Clone(inc.Members)
	for _, pg := range pages {
		if per := pg.recipient.Person; inc.Restricted && per != "" && !slices.Contains(members, per) {
			members = append(members, per)
			changes = append(changes, Change{Type: EventMemberAdded, Data: &MemberAddedData{Person: per}})
		}
	}
	until := run.Next
	if !until.After(now) {
		until = now.Add(p.Delivery.Retry())
	}
	immediate := run.Steps[0].Immediate || run.By != ""
	jobs := make([]Job, 0, len(pages))
	for _, pg := range pages {
		jobs = append(jobs, p.deliveryJob(inc, DeliveryJob{Incident: inc.Number, Epoch: run.Epoch, Step: pg.step,
			StepName: strings.Join(pg.names, "; "), Immediate: immediate, Inform: pg.escalates && p.AfterAck(inc.Severity).Told(),
			Notify: told, Recipient: pg.recipient, Until: until}, now))
	}
	return changes, jobs
}

// stepPage is one recipient's delivery from steps that fall due together.
type stepPage struct {
	recipient Recipient
	step      int // the first step naming them: the delivery's key
	names     []string
	escalates bool
}

// deliveryJob is the job delivering a page. Its kind says whether an
// acknowledgement cancels it: only a page asking for one.
func (p *Policy) deliveryJob(inc *Incident, a DeliveryJob, now time.Time) Job {
	kind := JobDeliverEscalate
	if a.Immediate || a.Inform || a.Notify {
		kind = JobDeliverNotify
	}
	return Job{Kind: kind, Group: JobGroup(inc.Number), RunAt: now, MaxAttempts: 1000,
		Key:  fmt.Sprintf("deliver:%d:%d:%d:%s", inc.Number, a.Epoch, a.Step, a.Recipient.Key()),
		Args: a, Local: inc}
}

// Step indexes of pages that are not a walk's own steps, apart from them
// in the timeline, job keys and message ids.
const (
	stepOnRequest = 1000 // an escalation or a page sent again
	stepAssigned  = 2000 // a role or membership told
	stepClock     = 3000 // a clock at risk or breached told
	// The review's (review.go, actionitem.go).
	stepReview         = 4000 // the review clock at risk (4001: overdue) told
	stepReviewInvite   = 4100 // the meeting's invitation
	stepReviewReminder = 4200 // the meeting's reminder
	stepActionItem     = 4300 // an action item's notice
)

// pageOnRequest is the step an escalation or a request to page again
// sends at once: a person, a chain step, a step of the current walk, or
// the primary on-call; asked for by actor.
func (p *Policy) pageOnRequest(inc *Incident, seq int64, c Change, actor Actor, now time.Time) (StepRun, bool) {
	if !inc.Status.Open() {
		return StepRun{}, false
	}
	var st WalkStep
	switch d := c.Data.(type) {
	case *EscalatedData:
		if d.Person == "" && d.Chain == "" {
			return StepRun{}, false // an escalation recorded as text only
		}
		var err error
		if st, err = p.EscalationTarget(inc.Severity, d.To, now); err != nil {
			return StepRun{}, false // validated when it was decided
		}
	case *PageRequestedData:
		st = p.requestedStep(inc, d, now)
	default:
		return StepRun{}, false
	}
	st.Index = stepOnRequest
	return StepRun{Epoch: seq, Steps: []WalkStep{st}, By: actor.Name()}, true
}

// requestedStep is the step a request to page again sends: to a person,
// a step of the walk as planned now, or the primary on-call.
func (p *Policy) requestedStep(inc *Incident, d *PageRequestedData, now time.Time) WalkStep {
	if d.Person != "" {
		name := d.Person
		if per, ok := p.Person(d.Person); ok {
			name = per.Name
		}
		return WalkStep{Name: "paged again: " + name, At: now, Immediate: true,
			Escalates: p.Reaches(inc.Severity, d.Person), Targets: Targets{People: []string{d.Person}}}
	}
	steps := p.PlanWalk(inc, now).Steps
	st := steps[0]
	if d.Step != nil && *d.Step >= 0 && *d.Step < len(steps) {
		st = steps[*d.Step]
	}
	st.Name, st.At, st.Immediate, st.Repeat = "paged again: "+st.Name, now, true, 0
	return st
}

// tellAssigned tells a person given a role or added as a member by
// someone else, through their contact methods, with the incident's link.
func (p *Policy) tellAssigned(inc *Incident, seq int64, c Change, actor Actor, now time.Time) []Job {
	var person, what string
	switch d := c.Data.(type) {
	case *RoleAssignedData:
		person, what = d.Person, string(d.Role)
		if r, ok := p.Role(d.Role); ok {
			what = r.Name
		}
	case *MemberAddedData:
		person, what = d.Person, "member"
	}
	if person == "" || actor.PersonID == person || !inc.Status.Open() {
		return nil
	}
	return []Job{p.deliveryJob(inc, DeliveryJob{Incident: inc.Number, Epoch: seq, Step: stepAssigned, Notify: true,
		Recipient: Recipient{Person: person}, StepName: "made " + what + " by " + actor.Name(), Until: now.Add(p.Delivery.Retry())}, now)}
}

// CurrentWalk reads from a timeline the walk running now: the event that
// started it (its epoch), when, and which of its steps have run.
func CurrentWalk(events []*Event) (epoch int64, start time.Time, done map[int]bool) {
	done = map[int]bool{}
	for _, ev := range events {
		starts := false
		switch ev.Type {
		case EventDeclared, EventSeverityChanged, EventReopened:
			starts = true
		case EventAlertAttached:
			var d AlertAttachedData
			starts = decodeData(ev, &d) && d.Rewalk
		case EventEscalationStep:
			var d EscalationStepData
			if decodeData(ev, &d) && d.Epoch == epoch {
				done[d.Step] = true
			}
		}
		if starts {
			epoch, start, done = ev.Seq, ev.At, map[int]bool{}
		}
	}
	return epoch, start, done
}

// RepairWalk is the work that resumes a lost walk (the watchdog's): the
// current walk's steps not yet on the timeline, those already due at
// once, and its clock marks still ahead.
func (p *Policy) RepairWalk(inc *Incident, events []*Event, now time.Time) Work {
	epoch, start, done := CurrentWalk(events)
	walk := p.PlanWalk(inc, start)
	w := p.WalkWork(inc, epoch, walk, done, false, now)
	w.Jobs = append(w.Jobs, p.ClockWork(inc, epoch, walk, true, now)...)
	return w
}

// Repeats is how many repeat rounds the walk has.
func (w Walk) Repeats() int {
	n := 0
	for _, st := range w.Steps {
		n = max(n, st.Repeat)
	}
	return n
}

func decodeData(e *Event, v any) bool { return json.Unmarshal(e.Data, v) == nil }
