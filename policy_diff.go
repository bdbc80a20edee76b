package fireline

import (
	"fmt"
	"slices"
	"strings"
)

// Policy diffs (issue 19 item 5): what changed between two revisions of
// the guide, in its own terms, for the quarterly review: severity
// targets, escalation chains, people, services, schedules and the
// review's owner and dates. Descriptions and prose are left out: git
// shows those; this shows what changes who is paged and when.

// PolicyChange is one difference: its area, what it is about and what
// changed ("added", "removed", or "FIELD: OLD → NEW").
type PolicyChange struct {
	Area    string `json:"area"`
	Subject string `json:"subject"`
	Change  string `json:"change"`
}

func (c PolicyChange) String() string { return c.Area + " " + c.Subject + ": " + c.Change }

// DiffPolicies lists what changed from old to new, area by area in the
// guide's order, each area's subjects in the new policy's order.
func DiffPolicies(old, new *Policy) []PolicyChange {
	var d policyDiff
	d.severities(old, new)
	d.chains(old, new)
	d.people(old, new)
	d.services(old, new)
	d.schedules(old, new)
	d.review(old.Review, new.Review)
	return d.out
}

type policyDiff struct{ out []PolicyChange }

func (d *policyDiff) add(area, subject, change string) {
	d.out = append(d.out, PolicyChange{area, subject, change})
}

// field records a field that differs, as "name: old → new".
func (d *policyDiff) field(area, subject, name string, old, new any) {
	o, n := fmt.Sprint(old), fmt.Sprint(new)
	if o != n {
		d.add(area, subject, name+": "+orNone(o)+" → "+orNone(n))
	}
}

func orNone(s string) string {
	if s == "" || s == "[]" {
		return "(none)"
	}
	return s
}

// members compares two lists of ids: those only in new are added, those
// only in old removed; it returns the ids in both, in new's order.
func (d *policyDiff) members(area string, old, new []string) []string {
	var both []string
	for _, id := range new {
		if slices.Contains(old, id) {
			both = append(both, id)
		} else {
			d.add(area, id, "added")
		}
	}
	for _, id := range old {
		if !slices.Contains(new, id) {
			d.add(area, id, "removed")
		}
	}
	return both
}

func ids[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

func (d *policyDiff) severities(old, new *Policy) {
	level := func(s SeverityPolicy) string { return string(s.Level) }
	for _, id := range d.members("severity", ids(old.Severities, level), ids(new.Severities, level)) {
		o, _ := old.Severity(Severity(id))
		n, _ := new.Severity(Severity(id))
		d.field("severity", id, "name", o.Name, n.Name)
		d.field("severity", id, "respond in business hours", o.Respond.BusinessHours, n.Respond.BusinessHours)
		d.field("severity", id, "respond outside business hours", o.Respond.OutsideBusinessHours, n.Respond.OutsideBusinessHours)
		d.field("severity", id, "resolve", o.Resolve, n.Resolve)
		d.field("severity", id, "escalate within", o.Escalation.Within, n.Escalation.Within)
		d.field("severity", id, "escalation chain", o.Escalation.Chain, n.Escalation.Chain)
		d.field("severity", id, "escalates through step", o.Escalation.ThroughStep, n.Escalation.ThroughStep)
		d.field("severity", id, "escalation tells contacts", o.Escalation.Contacts, n.Escalation.Contacts)
		d.field("severity", id, "escalation tells chains", o.Escalation.NotifyChains, n.Escalation.NotifyChains)
		d.field("severity", id, "paging", o.Paging, n.Paging)
	}
}

func (d *policyDiff) chains(old, new *Policy) {
	chainID := func(c EscalationChain) string { return c.ID }
	for _, id := range d.members("chain", ids(old.EscalationChains, chainID), ids(new.EscalationChains, chainID)) {
		o, n := findChain(old, id), findChain(new, id)
		d.field("chain", id, "steps", len(o.Steps), len(n.Steps))
		for i := range min(len(o.Steps), len(n.Steps)) {
			subject := fmt.Sprintf("%s step %d", id, i+1)
			os, ns := o.Steps[i], n.Steps[i]
			d.field("chain", subject, "title", os.Title, ns.Title)
			d.field("chain", subject, "people", os.People, ns.People)
			d.field("chain", subject, "contacts", os.Contacts, ns.Contacts)
			d.field("chain", subject, "delay", os.Delay, ns.Delay)
			d.field("chain", subject, "on call", os.OnCall, ns.OnCall)
			d.field("chain", subject, "titles", os.Titles, ns.Titles)
		}
		for i := len(o.Steps); i < len(n.Steps); i++ {
			d.add("chain", fmt.Sprintf("%s step %d", id, i+1), "added: "+n.Steps[i].Title)
		}
		for i := len(n.Steps); i < len(o.Steps); i++ {
			d.add("chain", fmt.Sprintf("%s step %d", id, i+1), "removed: "+o.Steps[i].Title)
		}
	}
}

func findChain(p *Policy, id string) EscalationChain {
	for _, c := range p.EscalationChains {
		if c.ID == id {
			return c
		}
	}
	return EscalationChain{}
}

func (d *policyDiff) people(old, new *Policy) {
	personID := func(p Person) string { return p.ID }
	for _, id := range d.members("person", ids(old.People, personID), ids(new.People, personID)) {
		o, _ := old.Person(id)
		n, _ := new.Person(id)
		d.field("person", id, "name", o.Name, n.Name)
		d.field("person", id, "title", o.Title, n.Title)
		d.field("person", id, "email", o.Email, n.Email)
		d.field("person", id, "teams", o.Teams, n.Teams)
		d.field("person", id, "contact methods", contactKinds(o.ContactMethods), contactKinds(n.ContactMethods))
	}
}

func contactKinds(ms []ContactMethod) string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Type))
	}
	return strings.Join(out, ", ")
}

func (d *policyDiff) services(old, new *Policy) {
	serviceID := func(s Service) string { return s.ID }
	for _, id := range d.members("service", ids(old.Services, serviceID), ids(new.Services, serviceID)) {
		o, _ := old.Service(id)
		n, _ := new.Service(id)
		d.field("service", id, "name", o.Name, n.Name)
		d.field("service", id, "critical", o.Critical, n.Critical)
		d.field("service", id, "on-call schedule", o.Schedule, n.Schedule)
		d.field("service", id, "public", o.Public, n.Public)
	}
}

func (d *policyDiff) schedules(old, new *Policy) {
	scheduleID := func(s Schedule) string { return s.ID }
	d.members("schedule", ids(old.Schedules, scheduleID), ids(new.Schedules, scheduleID))
}

func (d *policyDiff) review(old, new GuideReview) {
	d.field("review", "guide", "owner", old.Owner, new.Owner)
	d.field("review", "guide", "every months", old.EveryMonths, new.EveryMonths)
	d.field("review", "guide", "last reviewed", old.LastReviewed, new.LastReviewed)
	d.field("review", "guide", "next due", old.NextDue, new.NextDue)
}
