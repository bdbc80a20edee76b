package policy

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// finding is a broken rule at a path of the document, such as
// "severities[1].respond.business_hours".
type finding struct {
	path string
	msg  string
}

// checker collects findings about one decoded policy.
type checker struct {
	p     *fireline.Policy
	found []finding
}

// validate checks the rules a decoded policy must follow. It looks only at
// the policy (and the time zone database).
func validate(p *fireline.Policy) []finding {
	c := &checker{p: p}
	c.required("version", p.Version)
	c.calendar(p.Calendar)
	c.severities(p.Severities)
	c.roles(p.Roles)
	c.services(p.Services)
	c.people(p.People)
	c.contacts(p.Contacts)
	c.chains(p.EscalationChains)
	c.links("system_access", p.SystemAccess, true)
	c.links("documents", p.Documents, false)
	c.review(p.Review)
	c.alerts(p.Alerts)
	c.paging(p) // validate_paging.go
	c.playbooks(p.PlaybookRules)
	c.reviews(p.Reviews)
	c.comms(p.Comms)           // validate_comms.go
	c.slack(p.Slack)           // validate_slack.go
	c.regulatory(p.Regulatory) // validate_security.go
	return c.found
}

func (c *checker) add(path, format string, args ...any) {
	c.found = append(c.found, finding{path, fmt.Sprintf(format, args...)})
}

func (c *checker) required(path, s string) bool {
	if strings.TrimSpace(s) == "" {
		c.add(path, "required")
		return false
	}
	return true
}

func at(list string, i int) string { return fmt.Sprintf("%s[%d]", list, i) }

// ids checks that each id of a list is a valid slug used once.
func (c *checker) ids(list string, ids []string) {
	first := map[string]int{}
	for i, id := range ids {
		path := at(list, i) + ".id"
		switch j, dup := first[id]; {
		case !c.required(path, id):
		case !fireline.ValidSlug(id):
			c.add(path, "invalid id %q: want 1-64 characters of a-z, 0-9, '-', '_' or '.'", id)
		case dup:
			c.add(path, "duplicate id %q: %s has it too", id, at(list, j))
		default:
			first[id] = i
		}
	}
}

func (c *checker) calendar(cal fireline.Calendar) {
	if c.required("calendar.time_zone", cal.TimeZone) {
		if _, err := time.LoadLocation(cal.TimeZone); err != nil {
			c.add("calendar.time_zone", "unknown time zone %q: want an IANA name such as America/New_York", cal.TimeZone)
		}
	}
	if len(cal.WorkingDays) == 0 {
		c.add("calendar.working_days", "at least one working day is required")
	}
	for i, w := range cal.WorkingDays {
		if slices.Index(cal.WorkingDays, w) < i {
			c.add(at("calendar.working_days", i), "duplicate day %s", strings.ToLower(time.Weekday(w).String()))
		}
	}
	if cal.Opens >= cal.Closes {
		c.add("calendar.closes", "closing time (%s) must be after opening time (%s)", cal.Closes, cal.Opens)
	}
	if cal.NextBusinessDayBy == 0 {
		c.add("calendar.next_business_day_by", "required: the local time a next_business_day deadline falls due, such as 17:00")
	}
	c.holidays(cal.Holidays)
}

func (c *checker) holidays(list []fireline.Holiday) {
	first := map[fireline.Date]int{}
	for i, h := range list {
		path := at("calendar.holidays", i)
		c.required(path+".name", h.Name)
		switch j, dup := first[h.Date]; {
		case h.Date.IsZero():
			c.add(path+".date", "required")
		case dup:
			c.add(path+".date", "duplicate holiday %s: %s has it too", h.Date, at("calendar.holidays", j))
		default:
			first[h.Date] = i
		}
	}
}

func (c *checker) severities(list []fireline.SeverityPolicy) {
	first := map[fireline.Severity]int{}
	for i, sp := range list {
		path := at("severities", i)
		switch j, dup := first[sp.Level]; {
		case !c.required(path+".level", string(sp.Level)):
		case !slices.Contains(fireline.Severities, sp.Level):
			c.add(path+".level", "unknown severity %q: want P1, P2, P3 or P4", sp.Level)
		case dup:
			c.add(path+".level", "duplicate severity %s: %s has it too", sp.Level, at("severities", j))
		default:
			first[sp.Level] = i
		}
		c.severity(path, sp)
	}
	var missing []string
	for _, lvl := range fireline.Severities {
		if _, ok := first[lvl]; !ok {
			missing = append(missing, string(lvl))
		}
	}
	if len(missing) > 0 {
		c.add("severities", "missing %s: a policy defines each of P1, P2, P3 and P4 once", strings.Join(missing, ", "))
	}
}

func (c *checker) severity(path string, sp fireline.SeverityPolicy) {
	c.required(path+".name", sp.Name)
	c.required(path+".description", sp.Description)
	c.deadline(path+".respond.business_hours", sp.Respond.BusinessHours, fireline.DeadlineNone)
	c.deadline(path+".respond.outside_business_hours", sp.Respond.OutsideBusinessHours, fireline.DeadlineNone)
	c.deadline(path+".resolve", sp.Resolve, fireline.DeadlineNone, fireline.DeadlineImmediate)
	c.escalation(path+".escalation", sp.Escalation)
}

// deadline checks that a deadline is set and is none of the kinds refused.
func (c *checker) deadline(path string, d fireline.Deadline, refused ...fireline.DeadlineKind) {
	switch {
	case d.Kind == "":
		c.add(path, "required")
	case slices.Contains(refused, d.Kind):
		c.add(path, "must not be %s", d.Kind)
	}
}

func (c *checker) escalation(path string, e fireline.EscalationRule) {
	c.deadline(path+".within", e.Within)
	switch ch, ok := c.p.Chain(e.Chain); {
	case e.Chain == "" && e.ThroughStep != 0:
		c.add(path+".through_step", "set without a chain")
	case e.Chain == "" && len(e.Contacts) == 0 && e.Within.Kind != fireline.DeadlineNone && e.Within.Kind != "":
		c.add(path+".chain", "required: escalation within %s needs a chain or contacts to escalate to", e.Within)
	case e.Chain == "":
	case !ok:
		c.add(path+".chain", "unknown escalation chain %q", e.Chain)
	case len(ch.Steps) == 0: // reported on the chain
	case e.ThroughStep < 1 || e.ThroughStep > len(ch.Steps):
		c.add(path+".through_step", "must be 1 to %d, the steps of chain %q", len(ch.Steps), e.Chain)
	}
	c.refs(path+".contacts", e.Contacts, "contact", c.hasContact)
	c.refs(path+".notify_chains", e.NotifyChains, "escalation chain", c.hasChain)
}

// refs checks that each id of a list names something that exists.
func (c *checker) refs(list string, ids []string, what string, exists func(string) bool) {
	for i, id := range ids {
		if !exists(id) {
			c.add(at(list, i), "unknown %s %q", what, id)
		}
	}
}

func (c *checker) hasPerson(id string) bool  { _, ok := c.p.Person(id); return ok }
func (c *checker) hasContact(id string) bool { _, ok := c.p.Contact(id); return ok }
func (c *checker) hasChain(id string) bool   { _, ok := c.p.Chain(id); return ok }

// requiredRoles are the guide's response roles, which every policy defines.
var requiredRoles = []fireline.IncidentRole{
	fireline.RolePrimaryOnCall, fireline.RoleSecondaryOnCall, fireline.RoleIncidentCommander,
	fireline.RoleSME, fireline.RoleCommunicationsLiaison,
}

func (c *checker) roles(list []fireline.RoleDefinition) {
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = string(r.ID)
		c.required(at("roles", i)+".name", r.Name)
	}
	c.ids("roles", ids)
	for _, id := range requiredRoles {
		if !slices.Contains(ids, string(id)) {
			c.add("roles", "missing role %q", id)
		}
	}
}

func (c *checker) services(list []fireline.Service) {
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
		c.required(at("services", i)+".name", s.Name)
		if s.HealthURL != "" {
			c.webURL(at("services", i)+".health_url", s.HealthURL)
		}
	}
	c.ids("services", ids)
}

func (c *checker) people(list []fireline.Person) {
	ids := make([]string, len(list))
	for i, p := range list {
		ids[i] = p.ID
		c.required(at("people", i)+".name", p.Name)
		c.email(at("people", i)+".email", p.Email)
		if p.GitHub != "" && !fireline.ValidGitHubLogin(p.GitHub) {
			c.add(at("people", i)+".github", "want a GitHub login (letters, digits and single hyphens, up to 39), not %q", p.GitHub)
		}
	}
	c.ids("people", ids)
}

func (c *checker) contacts(list []fireline.Contact) {
	ids := make([]string, len(list))
	for i, ct := range list {
		path := at("contacts", i)
		ids[i] = ct.ID
		c.required(path+".name", ct.Name)
		c.email(path+".email", ct.Email)
		if ct.Email == "" && ct.Phone == "" {
			c.add(path, "an email or a phone number is required")
		}
	}
	c.ids("contacts", ids)
}

// email checks an optional email address.
func (c *checker) email(path, s string) {
	if s == "" {
		return
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Name != "" || a.Address != s {
		c.add(path, "invalid email %q: want name@example.com", s)
	}
}

func (c *checker) chains(list []fireline.EscalationChain) {
	ids := make([]string, len(list))
	for i, ch := range list {
		path := at("escalation_chains", i)
		ids[i] = ch.ID
		c.required(path+".name", ch.Name)
		if len(ch.Steps) == 0 {
			c.add(path+".steps", "at least one step is required")
		}
		for j, st := range ch.Steps {
			c.step(at(path+".steps", j), st)
		}
	}
	c.ids("escalation_chains", ids)
}

func (c *checker) step(path string, st fireline.EscalationStep) {
	c.required(path+".title", st.Title)
	if len(st.People) == 0 && len(st.Contacts) == 0 && len(st.OnCall) == 0 && len(st.Titles) == 0 {
		c.add(path, "a step pages at least one person, contact, on-call or title")
	}
	c.refs(path+".people", st.People, "person", c.hasPerson)
	c.refs(path+".contacts", st.Contacts, "contact", c.hasContact)
}

// links checks a list of links; web links must be absolute http(s) URLs,
// others (documents) may be relative references.
func (c *checker) links(list string, links []fireline.Link, web bool) {
	ids := make([]string, len(links))
	for i, l := range links {
		path := at(list, i)
		ids[i] = l.ID
		c.required(path+".name", l.Name)
		switch {
		case !c.required(path+".url", l.URL):
		case web:
			c.webURL(path+".url", l.URL)
		default:
			if _, err := url.Parse(l.URL); err != nil {
				c.add(path+".url", "invalid URL %q", l.URL)
			}
		}
	}
	c.ids(list, ids)
}

func (c *checker) webURL(path, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.add(path, "invalid URL %q: want an absolute http or https URL", s)
	}
}

func (c *checker) review(r fireline.GuideReview) {
	if c.required("review.owner", r.Owner) && !c.hasPerson(r.Owner) {
		c.add("review.owner", "unknown person %q", r.Owner)
	}
	if r.EveryMonths < 1 {
		c.add("review.every_months", "must be at least 1")
	}
	if r.LastReviewed.IsZero() {
		c.add("review.last_reviewed", "required")
	}
	switch {
	case r.NextDue.IsZero():
		c.add("review.next_due", "required")
	case !r.LastReviewed.IsZero() && !dateBefore(r.LastReviewed, r.NextDue):
		c.add("review.next_due", "%s must be after last_reviewed (%s)", r.NextDue, r.LastReviewed)
	}
}

func dateBefore(a, b fireline.Date) bool {
	return a.At(0, time.UTC).Before(b.At(0, time.UTC))
}

// playbooks checks the playbooks section; that the playbooks it names
// exist is checked where they are loaded (playbook.Check).
func (c *checker) playbooks(pp fireline.PlaybookPolicy) {
	for i, r := range pp.Required {
		path := at("playbooks.required", i)
		if len(r.Severities) == 0 {
			c.add(path+".severities", "at least one severity is required")
		}
		for j, sev := range r.Severities {
			if !slices.Contains(fireline.Severities, sev) {
				c.add(at(path+".severities", j), "unknown severity %q: want P1, P2, P3 or P4", sev)
			}
		}
		if len(r.Playbooks) == 0 {
			c.add(path+".playbooks", "at least one playbook id (or attached) is required")
		}
		for j, id := range r.Playbooks {
			if !fireline.ValidSlug(id) {
				c.add(at(path+".playbooks", j), "invalid playbook id %q", id)
			}
		}
		for j, st := range r.Stages {
			if i := slices.Index(fireline.Stages, st); i < 0 || i >= slices.Index(fireline.Stages, fireline.StageResolution) {
				c.add(at(path+".stages", j), "want a stage before resolution (detection, initial_response, investigation, mitigation), not %q", st)
			}
		}
	}
	if k := pp.ReviewEvery.Kind; k != "" && k != fireline.DeadlineAfter {
		c.add("playbooks.review_every", "want a duration such as 90d, not %q", pp.ReviewEvery.String())
	}
	for i, role := range pp.OverrideRoles {
		if _, ok := c.p.Role(role); !ok {
			c.add(at("playbooks.override_roles", i), "unknown role %q", role)
		}
	}
}

// reviews checks the reviews section: severities and roles it names,
// the due date, reminders, and whom overdue action items escalate to.
func (c *checker) reviews(rp fireline.ReviewPolicy) {
	for _, list := range []struct {
		path   string
		levels []fireline.Severity
	}{{"reviews.severities", rp.Severities}, {"reviews.on_request", rp.OnRequest}} {
		for j, sev := range list.levels {
			if !slices.Contains(fireline.Severities, sev) {
				c.add(at(list.path, j), "unknown severity %q: want P1, P2, P3 or P4", sev)
			}
		}
	}
	for i, role := range rp.RequestRoles {
		if _, ok := c.p.Role(role); !ok {
			c.add(at("reviews.request_roles", i), "unknown role %q", role)
		}
	}
	if rp.DueBusinessDays < 0 || rp.DueBusinessDays > 60 {
		c.add("reviews.due_business_days", "want 1 to 60 business days, not %d", rp.DueBusinessDays)
	}
	for _, d := range []struct {
		path string
		v    fireline.Deadline
	}{{"reviews.meeting_reminder", rp.MeetingReminder}, {"reviews.meeting_length", rp.MeetingLength}} {
		if d.v.Kind != "" && d.v.Kind != fireline.DeadlineAfter {
			c.add(d.path, "want a duration such as 24h or 1d, not %s", d.v)
		}
	}
	for i, d := range rp.ActionItems.RemindBefore {
		if d.Kind != fireline.DeadlineAfter {
			c.add(at("reviews.action_items.remind_before", i), "want a duration such as 3d, not %s", d)
		}
	}
	if tp := rp.ActionItems.Tracker; tp != nil {
		for _, fe := range tp.Check("reviews.action_items.tracker") {
			c.add(fe.Field, "%s", fe.Message)
		}
	}
	for i, st := range rp.ActionItems.Escalate {
		path := at("reviews.action_items.escalate", i)
		if st.After.Kind != fireline.DeadlineAfter {
			c.add(path+".after", "want how long after the deadline, such as 2d, not %s", st.After)
		}
		if _, err := c.p.EscalationTarget(fireline.P1, st.To, time.Time{}); err != nil {
			c.add(path+".to", "want a person of the directory or a chain step written CHAIN:N (such as technical:2), not %q", st.To)
		}
	}
}
