package policy

import (
	"slices"
	"time"

	"github.com/fireline-dev/fireline"
)

// paging checks the paging parts of a policy: schedules, the services'
// schedules, contact methods, severities' paging hours and the chain
// steps' delays and targets.
func (c *checker) paging(p *fireline.Policy) {
	c.schedules(p.Schedules)
	for i, s := range p.Services {
		if s.Schedule != "" {
			if _, ok := p.Schedule(s.Schedule); !ok {
				c.add(at("services", i)+".schedule", "unknown schedule %q", s.Schedule)
			}
		}
	}
	for i, per := range p.People {
		c.contactMethods(at("people", i), per)
	}
	for i, sp := range p.Severities {
		path := at("severities", i)
		switch sp.Paging {
		case "", fireline.PageAlways, fireline.PageBusinessHours:
		default:
			c.add(path+".paging", "unknown paging %q: want always or business_hours", sp.Paging)
		}
		c.repeat(path+".repeat", sp.Repeat)
		switch sp.Escalation.AfterAck {
		case "", fireline.AfterAckNotify, fireline.AfterAckPage, fireline.AfterAckNone:
		default:
			c.add(path+".escalation.after_ack", "unknown after_ack %q: want notify, page or none", sp.Escalation.AfterAck)
		}
		switch sp.Escalation.OnBreach {
		case "", fireline.BreachNextStep, fireline.BreachNone:
		default:
			c.add(path+".escalation.on_breach", "unknown on_breach %q: want next_step or none", sp.Escalation.OnBreach)
		}
	}
	c.duration("clocks.immediate_window", p.ClockRules.ImmediateWindow, 0, time.Hour)
	c.duration("delivery.retry_for", p.Delivery.RetryFor, time.Minute, 24*time.Hour)
	for i, sc := range p.SourceContacts {
		path := at("source_contacts", i)
		if !slices.Contains(fireline.Sources, sc.Source) {
			c.add(path+".source", "unknown source %q: want monitoring, user_report, support_ticket, on_call or security", sc.Source)
		}
		if len(sc.Contacts) == 0 {
			c.add(path+".contacts", "at least one contact is required")
		}
		c.refs(path+".contacts", sc.Contacts, "contact", c.hasContact)
	}
	for i, ch := range p.EscalationChains {
		for j, st := range ch.Steps {
			c.stepTargets(at(at("escalation_chains", i)+".steps", j), st)
		}
	}
}

// repeat checks a severity's repeat rule: none, or every a duration and
// times a small count.
func (c *checker) repeat(path string, r fireline.RepeatRule) {
	if r.Times == 0 && r.Every.Kind == "" && r.Steps == "" {
		return
	}
	if r.Times < 1 || r.Times > 20 {
		c.add(path+".times", "want 1 to 20 repeats (leave repeat out for none)")
	}
	if r.Every.Kind != fireline.DeadlineAfter || r.Every.After < time.Minute {
		c.add(path+".every", "want a duration of at least a minute, such as 15m")
	}
	switch r.Steps {
	case "", fireline.RepeatWalk, fireline.RepeatLastStep:
	default:
		c.add(path+".steps", "unknown steps %q: want walk or last_step", r.Steps)
	}
}

// duration checks an optional duration setting: unset, or a duration from
// least to most.
func (c *checker) duration(path string, d fireline.Deadline, least, most time.Duration) {
	if d.Kind == "" {
		return
	}
	if d.Kind != fireline.DeadlineAfter || d.After < least || d.After > most {
		c.add(path, "want a duration from %s to %s", fireline.FormatDuration(max(least, time.Second)), fireline.FormatDuration(most))
	}
}

func (c *checker) schedules(list []fireline.Schedule) {
	ids := make([]string, len(list))
	for i, s := range list {
		path := at("schedules", i)
		ids[i] = s.ID
		c.required(path+".name", s.Name)
		if s.TimeZone != "" {
			if _, err := time.LoadLocation(s.TimeZone); err != nil {
				c.add(path+".time_zone", "unknown time zone %q: want an IANA name such as Europe/Berlin", s.TimeZone)
			}
		}
		if len(s.Layers) == 0 {
			c.add(path+".layers", "at least one layer is required")
		}
		for j, l := range s.Layers {
			c.layer(at(path+".layers", j), l)
		}
	}
	c.ids("schedules", ids)
}

func (c *checker) layer(path string, l fireline.Layer) {
	if l.Role != fireline.OnCallPrimary && l.Role != fireline.OnCallSecondary {
		c.add(path+".role", "want primary or secondary, not %q", l.Role)
	}
	switch l.Restrict {
	case fireline.RestrictNone, fireline.RestrictBusinessHours, fireline.RestrictOutsideBusinessHours:
	default:
		c.add(path+".restrict", "unknown restriction %q: want business_hours or outside_business_hours", l.Restrict)
	}
	r := l.Rotation
	if len(r.Participants) == 0 {
		c.add(path+".rotation.participants", "at least one participant is required")
	}
	c.refs(path+".rotation.participants", r.Participants, "person", c.hasPerson)
	switch r.Shift {
	case fireline.ShiftHourly, fireline.ShiftDaily, fireline.ShiftWeekly:
		if r.Length.Kind != "" {
			c.add(path+".rotation.length", "only custom shifts take a length")
		}
	case fireline.ShiftCustom:
		if r.Length.Kind != fireline.DeadlineAfter || r.Length.After < time.Minute {
			c.add(path+".rotation.length", "a custom shift needs a length of at least a minute, such as 12h or 3d")
		}
	case "":
		c.add(path+".rotation.shift", "required: hourly, daily, weekly or custom")
	default:
		c.add(path+".rotation.shift", "unknown shift %q: want hourly, daily, weekly or custom", r.Shift)
	}
	if r.Start.IsZero() {
		c.add(path+".rotation.start", "required: the date the first shift begins")
	}
}

func (c *checker) contactMethods(path string, per fireline.Person) {
	for j, m := range per.ContactMethods {
		mp := at(path+".contact_methods", j)
		switch m.Type {
		case fireline.MethodEmail:
			if m.To == "" && per.Email == "" {
				c.add(mp+".to", "required: the person has no email")
			}
			c.email(mp+".to", m.To)
		case fireline.MethodWebhook:
			if c.required(mp+".url", m.URL) {
				c.webURL(mp+".url", m.URL)
			}
		case fireline.MethodSlack:
			if m.To == "" && per.SlackID == "" && per.Email == "" {
				c.add(mp+".to", "required: the person has neither a slack_id nor an email")
			}
		default:
			c.add(mp+".type", "unknown contact method %q: want email, webhook or slack", m.Type)
		}
	}
}

func (c *checker) stepTargets(path string, st fireline.EscalationStep) {
	if !slices.Contains([]fireline.DeadlineKind{"", fireline.DeadlineImmediate, fireline.DeadlineAfter}, st.Delay.Kind) {
		c.add(path+".delay", "want immediate or a duration such as 15m")
	}
	for i, ref := range st.OnCall {
		switch {
		case len(c.p.Schedules) == 0:
			c.add(at(path+".on_call", i), "the policy has no schedules")
		case !c.p.ValidOnCallRef(ref):
			c.add(at(path+".on_call", i), "unknown on-call %q: want primary, secondary or SCHEDULE/primary|secondary", ref)
		}
	}
	for i, t := range st.Titles {
		if len(c.p.PeopleWithTitle(t)) == 0 {
			c.add(at(path+".titles", i), "no one in people has the title %q", t)
		}
	}
}

// setLocations loads each schedule's time zone, the calendar's by default.
func setLocations(p *fireline.Policy) {
	for i := range p.Schedules {
		s := &p.Schedules[i]
		s.Location = p.Calendar.Location
		if s.TimeZone != "" {
			if loc, err := time.LoadLocation(s.TimeZone); err == nil {
				s.Location = loc
			}
		}
	}
}
