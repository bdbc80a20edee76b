package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// The console's words for what the paging engine records (escalation
// steps, page attempts, clock marks, unanswered walks, requests to page
// again, escalations, people joining because they were paged), the
// unanswered banners of the dashboard and the incident page, and the
// choices of the Escalate and Page again forms. Each event is read into
// its own data type, never as an untyped map.

// pagerActor is who the engine records its events as.
const pagerActor = "automation:pager"

// describePaging puts a paging event in words; false for other events
// (and for a member added by a person, which describe words).
func describePaging(v *eventView, e *fireline.Event, p *fireline.Policy) bool {
	switch e.Type {
	case fireline.EventEscalationStep:
		var d fireline.EscalationStepData
		json.Unmarshal(e.Data, &d)
		v.What = "ran escalation step " + strconv.Quote(d.Name) + stepSuffix(d, p)
		v.Detail = stepOutcome(d.Skipped, d.Notify, d.Recipients, p)
	case fireline.EventPageSent, fireline.EventPageFailed:
		var d fireline.PageAttemptData
		json.Unmarshal(e.Data, &d)
		describeAttempt(v, e.Type == fireline.EventPageSent, d, p)
	case fireline.EventClockAtRisk, fireline.EventClockBreached:
		var d fireline.ClockData
		json.Unmarshal(e.Data, &d)
		due := shortTime(d.Due, e.At, calendarLocation(p))
		v.Lead, v.What = humanize(string(d.Clock))+" clock", "at risk (due "+due+")"
		if e.Type == fireline.EventClockBreached {
			v.What = "breached (was due " + due + ")"
		}
	case fireline.EventUnanswered:
		var d fireline.UnansweredData
		json.Unmarshal(e.Data, &d)
		v.Lead, v.What = "Nobody acknowledged:", "paging stopped"+afterRepeats(d.Repeats)
	case fireline.EventPageRequested:
		var d fireline.PageRequestedData
		json.Unmarshal(e.Data, &d)
		v.What = "asked to page " + requestedTarget(d, p) + " again"
	case fireline.EventEscalated:
		var d fireline.EscalatedData
		json.Unmarshal(e.Data, &d)
		v.What, v.Detail = "escalated to "+escalatedTarget(d, p), d.Note
	case fireline.EventMemberAdded:
		var d fireline.MemberAddedData
		if e.Actor != pagerActor || json.Unmarshal(e.Data, &d) != nil {
			return false
		}
		v.Lead, v.What = personName(p, d.Person), "joined (paged for this restricted incident)"
	default:
		return false
	}
	return true
}

// stepSuffix adds what a step's name does not say: its repeat round, and
// who asked for it.
func stepSuffix(d fireline.EscalationStepData, p *fireline.Policy) string {
	s := ""
	if d.Repeat > 0 && !strings.HasPrefix(d.Name, "repeat ") {
		s += " (repeat " + strconv.Itoa(d.Repeat) + ")"
	}
	if d.By != "" {
		s += ", asked for by " + personName(p, d.By)
	}
	return s
}

// stepOutcome says whom a step reached: paged (woken), or told (notified:
// the incident was acknowledged), or why it reached no one.
func stepOutcome(skipped string, notify bool, rs []fireline.Recipient, p *fireline.Policy) string {
	switch {
	case skipped != "":
		return skipped
	case notify:
		return "Told " + recipients(rs, p) + " (a notification, not a page: the incident was acknowledged)"
	}
	return "Paged " + recipients(rs, p)
}

// describeAttempt words one delivery attempt, and what follows a failed
// one: the next contact method, the same ones again later, or nothing.
func describeAttempt(v *eventView, sent bool, d fireline.PageAttemptData, p *fireline.Policy) {
	who, by := recipients([]fireline.Recipient{d.Recipient}, p), ""
	if d.Method != "" {
		by = " by " + string(d.Method)
	}
	attempt := " (attempt " + strconv.Itoa(d.Attempt) + ")"
	if sent {
		v.What = "paged " + who + by + attempt
		return
	}
	v.What, v.Detail = "could not page "+who+by+attempt, d.Error
	switch {
	case d.GaveUp:
		v.What += "; gave up, no more attempts"
	case d.Final:
		v.What += "; " + nextMethod(d, p)
	}
}

// nextMethod says what follows the last attempt on a contact method: the
// recipient's next method, or, after their last, all of them again later.
func nextMethod(d fireline.PageAttemptData, p *fireline.Policy) string {
	var methods []fireline.ContactMethod
	if per, ok := p.Person(d.Recipient.Person); ok {
		methods = per.Methods()
	}
	i := slices.IndexFunc(methods, func(m fireline.ContactMethod) bool { return m.Type == d.Method })
	if i >= 0 && i+1 < len(methods) {
		return "falling back to " + string(methods[i+1].Type)
	}
	return "will try again later"
}

// afterRepeats ends "paging stopped": after how many repeats.
func afterRepeats(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " after 1 repeat"
	}
	return " after " + strconv.Itoa(n) + " repeats"
}

// requestedTarget names whom a request to page again named.
func requestedTarget(d fireline.PageRequestedData, p *fireline.Policy) string {
	switch {
	case d.Person != "":
		return personName(p, d.Person)
	case d.Step != nil:
		return "walk step #" + strconv.Itoa(*d.Step)
	}
	return "the primary on-call"
}

// escalatedTarget names an escalation's target: a person, or a chain
// step's people (its title when it pages the on-call) with its CHAIN:N;
// an escalation recorded before escalating paged anyone, as it was typed.
func escalatedTarget(d fireline.EscalatedData, p *fireline.Policy) string {
	switch {
	case d.Person != "":
		return personName(p, d.Person)
	case d.Chain != "":
		return chainStepPeople(p, d.Chain, d.Step) + " (" + d.Chain + ":" + strconv.Itoa(d.Step) + ")"
	}
	return personName(p, d.To)
}

// chainStepPeople names whom step n (1-based) of a chain pages: its
// people, the holders of its titles and its contacts; the step's title
// when it pages the on-call of the moment (or names no one).
func chainStepPeople(p *fireline.Policy, chain string, n int) string {
	ch, ok := p.Chain(chain)
	if !ok || n < 1 || n > len(ch.Steps) {
		return chain + " step " + strconv.Itoa(n)
	}
	st := ch.Steps[n-1]
	if len(st.OnCall) > 0 {
		return st.Title
	}
	var rs []fireline.Recipient
	for _, id := range st.People {
		rs = append(rs, fireline.Recipient{Person: id})
	}
	for _, title := range st.Titles {
		for _, id := range p.PeopleWithTitle(title) {
			rs = append(rs, fireline.Recipient{Person: id})
		}
	}
	for _, c := range st.Contacts {
		rs = append(rs, fireline.Recipient{Contact: c})
	}
	if len(rs) == 0 {
		return st.Title
	}
	return recipients(rs, p)
}

// personName is a person's name from the directory, or the id as given.
func personName(p *fireline.Policy, id string) string {
	if pe, ok := p.Person(id); ok {
		return pe.Name
	}
	return id
}

// shortTime writes an instant as 15:04 when it falls on the same day as
// ref, with its day otherwise, in the calendar's time zone.
func shortTime(t, ref time.Time, loc *time.Location) string {
	t, ref = t.In(loc), ref.In(loc)
	if t.Year() == ref.Year() && t.YearDay() == ref.YearDay() {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// unansweredView is an unanswered incident as a banner shows it: since
// when, and how many repeats its walk paged before it stopped.
type unansweredView struct {
	*fireline.Incident
	Since string // 15:04 today, with the day otherwise
	After string // "after 4 repeats", or ""
}

func newUnanswered(p *fireline.Policy, inc *fireline.Incident, repeats int, now time.Time) *unansweredView {
	return &unansweredView{Incident: inc, Since: shortTime(*inc.UnansweredAt, now, calendarLocation(p)), After: afterRepeats(repeats)}
}

// unansweredIncidents lists the open incidents the user may see whose
// walk ended with nobody acknowledging, most severe first: the
// dashboard's banner, whatever its filters. Only a triggered incident can
// be unanswered (an acknowledgement clears it). The number of repeats is
// the severity's rule, which planned the walk.
func (h *handler) unansweredIncidents(ctx context.Context) ([]*unansweredView, error) {
	page, err := h.cfg.Incidents.FindIncidents(ctx, fireline.IncidentFilter{Unanswered: true, Limit: fireline.MaxPageSize})
	if err != nil {
		return nil, err
	}
	var out []*unansweredView
	now := h.now()
	for _, inc := range page.Incidents {
		if inc.UnansweredAt == nil || inc.Status != fireline.StatusTriggered {
			continue
		}
		repeats := 0
		if sp, ok := h.cfg.Policy.Severity(inc.Severity); ok && sp.Repeat.Every.Kind == fireline.DeadlineAfter {
			repeats = sp.Repeat.Times
		}
		out = append(out, newUnanswered(h.cfg.Policy, inc, repeats, now))
	}
	slices.SortStableFunc(out, func(a, b *unansweredView) int { return strings.Compare(string(a.Severity), string(b.Severity)) })
	return out, nil
}

// incidentUnanswered is the incident page's banner: the incident's
// unanswered state with the repeats its last unanswered event records.
func incidentUnanswered(p *fireline.Policy, inc *fireline.Incident, events []*fireline.Event, now time.Time) *unansweredView {
	if inc.UnansweredAt == nil {
		return nil
	}
	repeats := 0
	for _, e := range slices.Backward(events) {
		var d fireline.UnansweredData
		if e.Type == fireline.EventUnanswered && json.Unmarshal(e.Data, &d) == nil {
			repeats = d.Repeats
			break
		}
	}
	return newUnanswered(p, inc, repeats, now)
}

// option is one choice of a select.
type option struct{ Value, Label string }

// chainStepOptions are the Escalate form's chain steps, written CHAIN:N
// as the action takes them, with their titles.
func chainStepOptions(p *fireline.Policy) []option {
	var out []option
	for _, ch := range p.EscalationChains {
		for i, st := range ch.Steps {
			ref := fmt.Sprintf("%s:%d", ch.ID, i+1)
			out = append(out, option{Value: ref, Label: fmt.Sprintf("%s step %d: %s (%s)", ch.Name, i+1, st.Title, ref)})
		}
	}
	return out
}

// walkStepOptions are the Page again form's steps: the incident's walk as
// its severity plans it, numbered as the action and the CLI number them
// (0 is the primary on-call), without the repeats (which page the same
// people again).
func walkStepOptions(p *fireline.Policy, inc *fireline.Incident) []option {
	var out []option
	for _, st := range p.PlanWalk(inc, inc.SeveritySetAt).Steps {
		if st.Repeat == 0 {
			out = append(out, option{Value: "step:" + strconv.Itoa(st.Index), Label: "#" + strconv.Itoa(st.Index) + " " + st.Name})
		}
	}
	return out
}

// pageAction reads the Page again form's target: "" for the primary
// on-call, step:N for a step of the walk, person:ID for a person.
func pageAction(target string) (fireline.Action, error) {
	a := fireline.Action{Kind: fireline.ActPage}
	kind, v, _ := strings.Cut(strings.TrimSpace(target), ":")
	n, err := strconv.Atoi(v)
	switch {
	case kind == "":
		return a, nil
	case kind == "person" && v != "":
		a.Person = v
		return a, nil
	case kind == "step" && err == nil:
		a.Step = &n
		return a, nil
	}
	return a, &fireline.Error{Code: fireline.EInvalid, Message: "invalid page", Fields: []fireline.FieldError{{Field: "target",
		Message: "want the primary on-call, a step of the walk (step:N) or a person (person:ID), not " + strconv.Quote(target)}}}
}
