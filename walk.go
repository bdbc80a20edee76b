package fireline

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RepeatRule says what happens when a severity's walk ends and nobody has
// acknowledged: its pages are repeated every Every, Times times, then the
// incident is marked unanswered. The zero value repeats nothing.
type RepeatRule struct {
	Every Deadline `yaml:"every,omitempty" json:"every,omitzero"`
	Times int      `yaml:"times,omitempty" json:"times,omitempty"`
	// Steps says what is repeated: the whole walk (the on-call and the
	// chain up to through_step; the default) or its last step only.
	Steps RepeatSteps `yaml:"steps,omitempty" json:"steps,omitempty"`
}

// RepeatSteps says which of a walk's steps a repeat pages again.
type RepeatSteps string

// What a repeat pages again.
const (
	RepeatWalk     RepeatSteps = "walk"
	RepeatLastStep RepeatSteps = "last_step"
)

// AfterAck says how a severity's escalation audience is told once the
// incident is acknowledged.
type AfterAck string

// After an acknowledgement, the escalation audience is notified (the
// default), paged, or not told.
const (
	AfterAckNotify AfterAck = "notify"
	AfterAckPage   AfterAck = "page"
	AfterAckNone   AfterAck = "none"
)

// Told reports whether the escalation audience is still told after an
// acknowledgement.
func (a AfterAck) Told() bool { return a != AfterAckNone }

// BreachAction says whom a breach of the escalate or resolve clock pages.
type BreachAction string

// On a breach, page the chain's next step, or nobody more (the default).
const (
	BreachNextStep BreachAction = "next_step"
	BreachNone     BreachAction = "none"
)

// DeliveryPolicy bounds how long a page keeps being retried.
type DeliveryPolicy struct {
	// RetryFor is how long a page that cannot be delivered is retried
	// when no later step of its walk comes sooner; 30 minutes when unset.
	RetryFor Deadline `yaml:"retry_for,omitempty" json:"retry_for,omitzero"`
}

// DefaultRetryFor is DeliveryPolicy.RetryFor when unset.
const DefaultRetryFor = 30 * time.Minute

// Retry returns RetryFor, DefaultRetryFor when unset.
func (d DeliveryPolicy) Retry() time.Duration {
	if d.RetryFor.Kind == DeadlineAfter {
		return d.RetryFor.After
	}
	return DefaultRetryFor
}

// SourceContacts are team contacts told at once about every incident from
// a source.
type SourceContacts struct {
	Source   Source   `yaml:"source" json:"source"`
	Contacts []string `yaml:"contacts" json:"contacts"`
}

// Walk is an incident's planned paging walk.
type Walk struct {
	Steps []WalkStep `json:"steps"`
	// Ends is when the walk, its repeats done, has nothing more to page:
	// an incident nobody has acknowledged by then is unanswered. Never
	// before respond-by.
	Ends time.Time `json:"ends"`
}

// WalkStep is one planned step of an incident's paging walk.
type WalkStep struct {
	// Index orders the steps of a walk: 0 pages the primary on-call, 1 the
	// secondary, then the chains' steps, the contacts and the repeats.
	Index int       `json:"index"`
	Name  string    `json:"name"`
	At    time.Time `json:"at"`
	// Immediate steps are due the moment the walk starts: they tell the
	// severity's audience and run even when the incident is acknowledged.
	// Later steps page for want of an acknowledgement and are skipped once
	// it comes, except those that Escalate when the severity's audience
	// is told after an acknowledgement (EscalationRule.AfterAck).
	Immediate bool `json:"immediate"`
	// Escalates marks the steps that reach the severity's required
	// escalation level: its chain from through_step, its contacts and its
	// notify chains. One that pages someone meets the escalate-by clock
	// (docs/adr/0023-escalation-on-the-timeline.md).
	Escalates bool `json:"escalates,omitempty"`
	// Repeat is the repeat round (1, 2, ...) of a step that pages again
	// for want of an acknowledgement; 0 for the walk's own steps.
	Repeat  int     `json:"repeat,omitempty"`
	Targets Targets `json:"targets"`
}

// PlanWalk plans the paging walk for an incident whose severity clock
// (re)started at start (docs/adr/0021-escalation-walk.md): page the
// primary on-call of its service's schedule at once, and the source's
// contacts; without an acknowledgement by respond-by (or escalate-by, if
// sooner) page the secondary; then walk the severity's chain step by step,
// each step after its delay, reaching through_step no later than
// escalate-by; the severity's contacts and notify_chains are told when the
// chain's last step is. Then, if nobody has acknowledged, the repeat rule
// pages again. Severities paged in business hours only move every step
// into them. The walk pages on the guide's deadlines as written:
// "immediate" is at once, not at the end of the immediate window.
func (p *Policy) PlanWalk(inc *Incident, start time.Time) Walk {
	sp, ok := p.Severity(inc.Severity)
	if !ok {
		return Walk{}
	}
	cal := p.Calendar
	shift := func(t time.Time) time.Time { return sp.pagingTime(cal, t) }
	begin := shift(start)
	clocks := sp.deadlines(cal, start, 0)
	second := clocks.RespondBy
	if clocks.EscalateBy != nil && clocks.EscalateBy.Before(second) {
		second = *clocks.EscalateBy
	}
	second = shift(maxTime(begin, second))
	steps := []WalkStep{
		{Name: "primary on-call", At: begin, Targets: Targets{OnCall: []string{string(OnCallPrimary)}}},
		{Name: "secondary on-call", At: second, Targets: Targets{OnCall: []string{string(OnCallSecondary)}}},
	}
	last := second
	if ch, ok := p.Chain(sp.Escalation.Chain); ok && clocks.EscalateBy != nil {
		limit := shift(maxTime(second, *clocks.EscalateBy))
		at := second
		for i, st := range ch.Steps[:min(sp.Escalation.ThroughStep, len(ch.Steps))] {
			at = at.Add(st.Delay.After)
			last = shift(minTime(at, limit))
			steps = append(steps, chainStep(ch, i, last, i+1 >= sp.Escalation.ThroughStep))
		}
	}
	paging := len(steps) // the primary, the secondary and the chain: what a repeat repeats
	if len(sp.Escalation.Contacts) > 0 {
		steps = append(steps, WalkStep{At: last, Escalates: true, Name: "contacts: " + strings.Join(sp.Escalation.Contacts, ", "),
			Targets: Targets{Contacts: sp.Escalation.Contacts}})
	}
	for _, id := range sp.Escalation.NotifyChains {
		if ch, ok := p.Chain(id); ok {
			for i := range ch.Steps {
				steps = append(steps, chainStep(ch, i, last, true))
			}
		}
	}
	for _, sc := range p.SourceContacts {
		if sc.Source == inc.Source && len(sc.Contacts) > 0 {
			steps = append(steps, WalkStep{At: begin, Name: string(sc.Source) + " contacts: " + strings.Join(sc.Contacts, ", "),
				Targets: Targets{Contacts: sc.Contacts}})
		}
	}
	w := Walk{Ends: last}
	if r := sp.Repeat; r.Times > 0 && r.Every.Kind == DeadlineAfter {
		repeated := steps[:paging]
		if r.Steps == RepeatLastStep {
			repeated = steps[paging-1 : paging]
		}
		tg := mergeTargets(repeated)
		for k := 1; k <= r.Times; k++ {
			steps = append(steps, WalkStep{At: shift(last.Add(time.Duration(k) * r.Every.After)), Repeat: k, Targets: tg,
				Name: fmt.Sprintf("repeat %d of %d: %s", k, r.Times, repeatName(r.Steps, repeated))})
		}
		w.Ends = last.Add(time.Duration(r.Times+1) * r.Every.After)
	}
	w.Ends = maxTime(w.Ends, sp.deadlines(cal, start, p.ClockRules.Window()).RespondBy).UTC()
	for i := range steps {
		steps[i].Index = i
		steps[i].At = steps[i].At.UTC()
		steps[i].Immediate = steps[i].At.Equal(start.UTC())
	}
	w.Steps = steps
	return w
}

func chainStep(ch *EscalationChain, i int, at time.Time, escalates bool) WalkStep {
	st := ch.Steps[i]
	return WalkStep{At: at, Escalates: escalates, Name: fmt.Sprintf("%s step %d: %s", ch.Name, i+1, st.Title),
		Targets: Targets{People: st.People, OnCall: st.OnCall, Titles: st.Titles, Contacts: st.Contacts}}
}

func repeatName(what RepeatSteps, steps []WalkStep) string {
	if what == RepeatLastStep {
		return steps[0].Name
	}
	return "the on-call and the escalation chain"
}

// mergeTargets is the union of the steps' targets, each listed once.
func mergeTargets(steps []WalkStep) Targets {
	var t Targets
	add := func(dst *[]string, src []string) {
		for _, s := range src {
			if !slices.Contains(*dst, s) {
				*dst = append(*dst, s)
			}
		}
	}
	for _, st := range steps {
		add(&t.People, st.Targets.People)
		add(&t.OnCall, st.Targets.OnCall)
		add(&t.Titles, st.Targets.Titles)
		add(&t.Contacts, st.Targets.Contacts)
	}
	return t
}

// EscalatesBy reports whether the walk's own steps (not its repeats) page
// the severity's required escalation level by due.
func (w Walk) EscalatesBy(due time.Time) bool {
	for _, st := range w.Steps {
		if st.Escalates && st.Repeat == 0 && !st.At.After(due) {
			return true
		}
	}
	return false
}

// StepsAt groups a walk's steps by the instant they fall due, earliest
// first, each group in walk order: steps that fall due together run
// together, so that a person in several of them gets one page.
func StepsAt(steps []WalkStep) [][]WalkStep {
	sorted := slices.Clone(steps)
	slices.SortStableFunc(sorted, func(a, b WalkStep) int { return a.At.Compare(b.At) })
	var out [][]WalkStep
	for i, st := range sorted {
		if i > 0 && st.At.Equal(sorted[i-1].At) {
			out[len(out)-1] = append(out[len(out)-1], st)
			continue
		}
		out = append(out, []WalkStep{st})
	}
	return out
}

// Reaches reports whether a person is in the severity's escalation
// audience at or above its required level: in a step of its chain from
// through_step on (by id or title), or in a step of its notify chains.
func (p *Policy) Reaches(level Severity, person string) bool {
	sp, ok := p.Severity(level)
	per, found := p.Person(person)
	if !ok || !found {
		return false
	}
	in := func(st EscalationStep) bool {
		return slices.Contains(st.People, person) || (per.Title != "" && slices.Contains(st.Titles, per.Title))
	}
	if ch, ok := p.Chain(sp.Escalation.Chain); ok {
		for i := max(sp.Escalation.ThroughStep-1, 0); i < len(ch.Steps); i++ {
			if in(ch.Steps[i]) {
				return true
			}
		}
	}
	for _, id := range sp.Escalation.NotifyChains {
		if ch, ok := p.Chain(id); ok && slices.ContainsFunc(ch.Steps, in) {
			return true
		}
	}
	return false
}

// EscalationTarget reads an escalation's target, a person of the
// directory or a chain step written CHAIN:N (1-based), into the step that
// pages it, due at. EInvalid when it names neither.
func (p *Policy) EscalationTarget(level Severity, to string, at time.Time) (WalkStep, error) {
	to = strings.TrimSpace(to)
	if per, ok := p.Person(to); ok {
		return WalkStep{At: at.UTC(), Immediate: true, Name: "escalated to " + per.Name,
			Escalates: p.Reaches(level, to), Targets: Targets{People: []string{to}}}, nil
	}
	id, n, _ := strings.Cut(to, ":")
	i, err := strconv.Atoi(n)
	ch, ok := p.Chain(id)
	if !ok || err != nil || i < 1 || i > len(ch.Steps) {
		return WalkStep{}, &Error{Code: EInvalid, Message: "invalid escalation", Fields: []FieldError{{"to",
			"want a person of the directory (such as casey) or a chain step written CHAIN:N (such as technical:2), not " + quote(to)}}}
	}
	st := chainStep(ch, i-1, at.UTC(), false)
	st.Immediate, st.Name = true, "escalated to "+st.Name
	if sp, ok := p.Severity(level); ok {
		st.Escalates = (id == sp.Escalation.Chain && i >= sp.Escalation.ThroughStep) || slices.Contains(sp.Escalation.NotifyChains, id)
	}
	return st, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
