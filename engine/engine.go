// Package engine is Fireline's time-driven behaviour, written as job
// handlers: it plans an incident's paging walk inside the transaction of
// the change that starts it (Plan), runs each walk step when due (whom it
// resolves to, on the timeline), delivers each page through the
// recipient's contact methods with retries and fallback (every attempt on
// the timeline), repeats an unanswered walk and marks it unanswered,
// records the incident clocks becoming at risk and breached and tells
// whom the policy says (clocks.go), watches that every unacknowledged
// incident's walk is alive (the watchdog), and runs the health checks of
// probe integrations (Prober).
//
// It imports the domain, jobs, notify and sqlstore (for the transaction a
// job's effect is recorded in); cmd/ wires it.
package engine

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
	"github.com/fireline-dev/fireline/sqlstore"
)

// Job kinds. Steps and deliveries due when a walk starts ("notify") run
// even once the incident is acknowledged; later ones ("escalate") are
// cancelled by the acknowledgement, except the steps that tell the
// severity's escalation audience, which the policy keeps after an
// acknowledgement ("inform").
const (
	KindStepNotify      = "page.step"
	KindStepEscalate    = "page.step.escalate"
	KindStepInform      = "page.step.inform"
	KindDeliverNotify   = "page.deliver"
	KindDeliverEscalate = "page.deliver.escalate"
	KindUnanswered      = "page.unanswered"
	KindClock           = "clock.mark"
	KindTestPage        = "page.test" // queued by servers before test pages were sent in the request
	KindWatchdog        = "watchdog"
	KindGapReport       = "oncall.gaps"
)

// walkKinds are the jobs of a walk: a new walk cancels the old one's.
var walkKinds = []string{KindStepNotify, KindStepEscalate, KindStepInform, KindDeliverEscalate, KindUnanswered, KindClock}

// AttemptsPerMethod is how often a page is tried on one contact method
// before it falls back to the next, the first time round; later rounds
// try each method once.
const AttemptsPerMethod = 3

// AckLinkTTL is how long an acknowledge link in a page works.
const AckLinkTTL = 24 * time.Hour

// Engine plans and runs paging.
type Engine struct {
	Policy   *fireline.Policy
	Store    *sqlstore.PagingStore
	Channels map[fireline.ContactMethodType]notify.Channel
	Links    fireline.LinkSigner
	// BaseURL is the server's public URL, for links in pages.
	BaseURL string
	Now     func() time.Time
	Logger  *slog.Logger
	// Metrics, optional.
	Metrics *Metrics
}

// Register installs the engine's handlers on the runner.
func (e *Engine) Register(r *jobs.Runner) {
	r.Handle(KindStepNotify, e.runStep)
	r.Handle(KindStepEscalate, e.runStep)
	r.Handle(KindStepInform, e.runStep)
	r.Handle(KindDeliverNotify, e.deliver)
	r.Handle(KindDeliverEscalate, e.deliver)
	r.Handle(KindTestPage, e.dropQueuedTest)
	r.Handle(KindUnanswered, e.unanswered)
	r.Handle(KindClock, e.clockMark)
	r.Handle(KindWatchdog, e.watchdog)
	r.Handle(KindGapReport, e.gapReport)
}

func group(n int64) string { return "incident:" + strconv.FormatInt(n, 10) }

// stepArgs are a step job's arguments: the walk steps that fall due
// together, and when the walk's next steps do (the bound of their pages'
// retries).
type stepArgs struct {
	Incident int64               `json:"incident"`
	Epoch    int64               `json:"epoch"`
	Steps    []fireline.WalkStep `json:"steps,omitempty"`
	Next     time.Time           `json:"next,omitzero"`
	// Step is the one step of a job enqueued before steps were grouped.
	Step *fireline.WalkStep `json:"step,omitempty"`
}

func (a stepArgs) steps() []fireline.WalkStep {
	if len(a.Steps) == 0 && a.Step != nil {
		return []fireline.WalkStep{*a.Step}
	}
	return a.Steps
}

// Plan is the store's planner: in the transaction of an incident change,
// a change that starts a walk (declared, severity changed, reopened, an
// alert joining an unanswered incident)
// cancels the jobs of the walk before and enqueues the new walk's and its
// clock marks; an acknowledgement cancels the paging still pending for
// want of it; resolving cancels everything pending; an escalation or a
// request to page again pages at once; a role or membership given by
// someone else tells its person.
func (e *Engine) Plan(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, changes []fireline.Change) error {
	g := group(inc.Number)
	firstSeq := inc.EventCount - int64(len(changes)) + 1
	last := -1 // the last change that starts a walk: only its immediate steps run
	for i, c := range changes {
		if fireline.WalkStarts(c) {
			last = i
		}
	}
	for i, c := range changes {
		seq := firstSeq + int64(i)
		var err error
		switch {
		case fireline.WalkStarts(c):
			if err = q.Cancel(ctx, g, walkKinds...); err == nil && inc.Status.Open() {
				err = e.startWalk(ctx, q, inc, seq, i == last, !fireline.ClocksRestart(c))
			}
		case c.Type == fireline.EventAcknowledged:
			err = q.Cancel(ctx, g, KindStepEscalate, KindDeliverEscalate, KindUnanswered)
		case c.Type == fireline.EventResolved:
			err = q.Cancel(ctx, g)
		case c.Type == fireline.EventEscalated || c.Type == fireline.EventPageRequested:
			err = e.pageOnRequest(ctx, q, inc, seq, c)
		case c.Type == fireline.EventRoleAssigned || c.Type == fireline.EventMemberAdded:
			err = e.tellAssigned(ctx, q, inc, seq, c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// startWalk enqueues a new walk (with inline, its steps due at once run
// here) and its clock marks; when the clocks did not restart (a
// reopening, a new alert on an unanswered incident) only the marks still
// ahead.
func (e *Engine) startWalk(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, epoch int64, inline, reopened bool) error {
	w := e.Policy.PlanWalk(inc, q.Now())
	if err := e.enqueueWalk(ctx, q, inc, epoch, w, nil, inline); err != nil {
		return err
	}
	return e.planClocks(ctx, q, inc, epoch, w, reopened)
}

// enqueueWalk enqueues the walk's steps, grouped by the instant they fall
// due, skipping those in done, and the check that marks the walk
// unanswered. With inline, the steps due at once run here, in the
// transaction that starts the walk (their recipients resolved, recorded
// and their deliveries enqueued, as runStep does), rather than as jobs of
// their own: that saves a claim and a commit on the way to the first page
// (docs/adr/0025).
func (e *Engine) enqueueWalk(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, epoch int64, w fireline.Walk, done map[int]bool, inline bool) error {
	start := q.Now()
	groups := fireline.StepsAt(w.Steps)
	var specs []jobs.Spec
	for i, steps := range groups {
		var next time.Time
		if i+1 < len(groups) {
			next = groups[i+1][0].At
		}
		steps = notDone(steps, done)
		switch {
		case len(steps) == 0:
		case inline && steps[0].Immediate && !steps[0].At.After(start):
			if err := e.runSteps(ctx, q, inc, epoch, steps, next, ""); err != nil {
				return err
			}
		default:
			specs = append(specs, e.stepSpec(inc, epoch, steps, next))
		}
	}
	specs = append(specs, jobs.Spec{Kind: KindUnanswered, Group: group(inc.Number), RunAt: w.Ends,
		Key:  fmt.Sprintf("unanswered:%d:%d", inc.Number, epoch),
		Args: unansweredArgs{Incident: inc.Number, Epoch: epoch, Repeats: repeats(w)}})
	return q.Enqueue(ctx, specs...)
}

func notDone(steps []fireline.WalkStep, done map[int]bool) []fireline.WalkStep {
	if len(done) == 0 {
		return steps
	}
	var out []fireline.WalkStep
	for _, st := range steps {
		if !done[st.Index] {
			out = append(out, st)
		}
	}
	return out
}

func repeats(w fireline.Walk) int {
	n := 0
	for _, st := range w.Steps {
		n = max(n, st.Repeat)
	}
	return n
}

// stepSpec is the job of steps that fall due together. Its kind says
// whether an acknowledgement cancels it: not when the steps are due at
// once, nor when one tells the escalation audience the policy keeps
// telling after an acknowledgement.
func (e *Engine) stepSpec(inc *fireline.Incident, epoch int64, steps []fireline.WalkStep, next time.Time) jobs.Spec {
	kind := KindStepEscalate
	if steps[0].Immediate {
		kind = KindStepNotify
	} else if e.afterAck(inc).Told() {
		for _, st := range steps {
			if st.Escalates {
				kind = KindStepInform
			}
		}
	}
	return jobs.Spec{Kind: kind, Group: group(inc.Number), RunAt: steps[0].At,
		Key:  fmt.Sprintf("step:%d:%d:%d", inc.Number, epoch, steps[0].Index),
		Args: stepArgs{Incident: inc.Number, Epoch: epoch, Steps: steps, Next: next}}
}

// afterAck is how the incident's severity tells its escalation audience
// once acknowledged.
func (e *Engine) afterAck(inc *fireline.Incident) fireline.AfterAck {
	if sp, ok := e.Policy.Severity(inc.Severity); ok && sp.Escalation.AfterAck != "" {
		return sp.Escalation.AfterAck
	}
	return fireline.AfterAckNotify
}

// runStep runs steps that fell due, in one transaction that also finishes
// the job, so that they take effect once. Once the incident is
// acknowledged only the steps due when the walk started and those telling
// the escalation audience (as the policy says) still run.
func (e *Engine) runStep(ctx context.Context, j *jobs.Job) error {
	var a stepArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx *sqlstore.PageTx, inc *fireline.Incident) error {
		var run []fireline.WalkStep
		for _, st := range a.steps() {
			if inc.Status.Open() && (st.Immediate || inc.AcknowledgedAt == nil || (st.Escalates && e.afterAck(inc).Told())) {
				run = append(run, st)
			}
		}
		if len(run) > 0 {
			if err := e.runSteps(ctx, tx, inc, a.Epoch, run, a.Next, ""); err != nil {
				return err
			}
		}
		return tx.Complete(ctx, j)
	})
}

// runSteps resolves steps that fall due together to their recipients at
// the transaction's instant, records each on the timeline, makes the
// people paged members of a restricted incident (so they can open it),
// and enqueues one delivery per recipient, however many of the steps
// name them, all in q's transaction. by names who asked for the steps
// (an escalation, a page sent again); empty for the walk's own.
func (e *Engine) runSteps(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, epoch int64, steps []fireline.WalkStep, next time.Time, by string) error {
	now := q.Now()
	overrides, err := q.Overrides(ctx, now, now.Add(time.Microsecond))
	if err != nil {
		return err
	}
	record := func(c fireline.Change) error { return q.RecordPaging(ctx, inc, c) }
	// Told, not woken: the walk's steps that still run once acknowledged.
	told := inc.AcknowledgedAt != nil && by == "" && e.afterAck(inc) != fireline.AfterAckPage
	var pages []*page
	byRecipient := map[fireline.Recipient]*page{}
	for _, st := range steps {
		recipients := e.Policy.Resolve(st.Targets, inc.Services, now, overrides)
		d := &fireline.EscalationStepData{Epoch: epoch, Step: st.Index, Name: st.Name, Recipients: recipients,
			Escalates: st.Escalates, Repeat: st.Repeat, Notify: told, By: by}
		if len(recipients) == 0 {
			d.Skipped = "the step resolved to no one"
		}
		if err := record(fireline.Change{Type: fireline.EventEscalationStep, Data: d}); err != nil {
			return err
		}
		e.Metrics.step()
		for _, r := range recipients {
			p := byRecipient[r]
			if p == nil {
				p = &page{recipient: r, step: st.Index}
				byRecipient[r] = p
				pages = append(pages, p)
			}
			p.names = append(p.names, st.Name)
			p.escalates = p.escalates || st.Escalates
		}
	}
	for _, p := range pages {
		if per := p.recipient.Person; inc.Restricted && per != "" && !inc.HasMember(per) {
			if err := record(fireline.Change{Type: fireline.EventMemberAdded, Data: &fireline.MemberAddedData{Person: per}}); err != nil {
				return err
			}
		}
	}
	until := next
	if !until.After(now) {
		until = now.Add(e.Policy.Delivery.Retry())
	}
	immediate := steps[0].Immediate || by != ""
	specs := make([]jobs.Spec, 0, len(pages))
	for _, p := range pages {
		a := deliverArgs{Incident: inc.Number, Epoch: epoch, Step: p.step, StepName: strings.Join(p.names, "; "),
			Immediate: immediate, Inform: p.escalates && e.afterAck(inc).Told(), Notify: told, Recipient: p.recipient, Until: until}
		specs = append(specs, e.deliverySpec(inc, a, now))
	}
	return q.Enqueue(ctx, specs...)
}

// page is one recipient's delivery from steps that fall due together.
type page struct {
	recipient fireline.Recipient
	step      int // the first step naming them: the delivery's key
	names     []string
	escalates bool
}

// deliverySpec is the job delivering a page. Its kind says whether an
// acknowledgement cancels it: only a page for want of one.
func (e *Engine) deliverySpec(inc *fireline.Incident, a deliverArgs, now time.Time) jobs.Spec {
	kind := KindDeliverEscalate
	if a.Immediate || a.Inform || a.Notify {
		kind = KindDeliverNotify
	}
	return jobs.Spec{Kind: kind, Group: group(inc.Number), RunAt: now, MaxAttempts: 1000,
		Key:  fmt.Sprintf("deliver:%d:%d:%d:%s", inc.Number, a.Epoch, a.Step, a.Recipient.Key()),
		Args: a,
		// The transaction's incident: later changes in the same
		// transaction reach it too, and the store copies it as
		// committed for a delivery this process starts at once.
		Local: inc}
}

// pageOnRequest pages at once whom an escalation or a request to page
// again names: a person, a chain step, a step of the current walk, or the
// primary on-call. The step is recorded as asked for by the actor.
func (e *Engine) pageOnRequest(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, seq int64, c fireline.Change) error {
	if !inc.Status.Open() {
		return nil
	}
	now := q.Now()
	var st fireline.WalkStep
	switch d := c.Data.(type) {
	case *fireline.EscalatedData:
		if d.Person == "" && d.Chain == "" {
			return nil // an escalation recorded as text only
		}
		var err error
		if st, err = e.Policy.EscalationTarget(inc.Severity, d.To, now); err != nil {
			return err
		}
	case *fireline.PageRequestedData:
		st = e.requestedStep(inc, d, now)
	}
	st.Index = 1000 // apart from the walk's own steps in the timeline and keys
	actor, _ := fireline.ActorFromContext(ctx)
	return e.runSteps(ctx, q, inc, seq, []fireline.WalkStep{st}, time.Time{}, actor.Name())
}

// requestedStep is the step a request to page again sends: to a person,
// a step of the walk as planned now, or the primary on-call.
func (e *Engine) requestedStep(inc *fireline.Incident, d *fireline.PageRequestedData, now time.Time) fireline.WalkStep {
	if d.Person != "" {
		name := d.Person
		if per, ok := e.Policy.Person(d.Person); ok {
			name = per.Name
		}
		return fireline.WalkStep{Name: "paged again: " + name, At: now, Immediate: true,
			Escalates: e.Policy.Reaches(inc.Severity, d.Person), Targets: fireline.Targets{People: []string{d.Person}}}
	}
	steps := e.Policy.PlanWalk(inc, now).Steps
	st := steps[0]
	if d.Step != nil && *d.Step >= 0 && *d.Step < len(steps) {
		st = steps[*d.Step]
	}
	st.Name, st.At, st.Immediate, st.Repeat = "paged again: "+st.Name, now, true, 0
	return st
}

// tellAssigned tells a person given a role or added as a member by
// someone else, through their contact methods, with the incident's link.
func (e *Engine) tellAssigned(ctx context.Context, q sqlstore.Queue, inc *fireline.Incident, seq int64, c fireline.Change) error {
	var person, what string
	switch d := c.Data.(type) {
	case *fireline.RoleAssignedData:
		person, what = d.Person, string(d.Role)
		if r, ok := e.Policy.Role(d.Role); ok {
			what = r.Name
		}
	case *fireline.MemberAddedData:
		person, what = d.Person, "member"
	}
	actor, _ := fireline.ActorFromContext(ctx)
	if person == "" || actor.PersonID == person || !inc.Status.Open() {
		return nil
	}
	now := q.Now()
	a := deliverArgs{Incident: inc.Number, Epoch: seq, Step: 2000, Notify: true, Recipient: fireline.Recipient{Person: person},
		StepName: "made " + what + " by " + actor.Name(), Until: now.Add(e.Policy.Delivery.Retry())}
	return q.Enqueue(ctx, e.deliverySpec(inc, a, now))
}

// messageID is a delivery's stable id: the same for every retry of one
// page on one contact method, and keyed by the server's link key so that
// two installations never send the same id.
func (e *Engine) messageID(parts ...any) string {
	var sum []byte
	if len(e.Links.Key) > 0 {
		m := hmac.New(sha256.New, e.Links.Key)
		fmt.Fprint(m, append([]any{"message-id"}, parts...)...)
		sum = m.Sum(nil)
	} else {
		h := sha256.Sum256([]byte(fmt.Sprint(parts...)))
		sum = h[:]
	}
	return "msg_" + hex.EncodeToString(sum[:16])
}

func (e *Engine) log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}
