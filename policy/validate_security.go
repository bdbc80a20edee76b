package policy

import (
	"slices"

	"github.com/fireline-dev/fireline"
)

// regulatory checks the regulatory notification deadline: a duration,
// counted from detection, for the incidents its rules select, telling
// contacts that exist.
func (c *checker) regulatory(r fireline.RegulatoryPolicy) {
	if r.IsZero() {
		return
	}
	if r.Deadline.Kind != fireline.DeadlineAfter {
		c.add("regulatory.deadline", "want a duration such as 72h or 3d, not %q", r.Deadline.String())
	}
	if r.From != "" && r.From != fireline.RegulatoryFromDetection {
		c.add("regulatory.from", "unknown start %q: want detection", r.From)
	}
	if len(r.AppliesTo) == 0 {
		c.add("regulatory.applies_to", "at least one rule is required (such as sources: [security])")
	}
	for i, m := range r.AppliesTo {
		c.matchRule(at("regulatory.applies_to", i), m)
	}
	for i, id := range r.Contacts {
		if _, ok := c.p.Contact(id); !ok {
			c.add(at("regulatory.contacts", i), "unknown contact %q", id)
		}
	}
}

// matchRule checks one applies_to rule's sources, severities and
// services.
func (c *checker) matchRule(path string, m fireline.PlaybookMatch) {
	for j, s := range m.Sources {
		if !slices.Contains(fireline.Sources, s) {
			c.add(at(path+".sources", j), "unknown source %q: want monitoring, user_report, support_ticket, on_call or security", s)
		}
	}
	for j, sev := range m.Severities {
		if !slices.Contains(fireline.Severities, sev) {
			c.add(at(path+".severities", j), "unknown severity %q: want P1, P2, P3 or P4", sev)
		}
	}
	for j, id := range m.Services {
		if _, ok := c.p.Service(id); !ok {
			c.add(at(path+".services", j), "unknown service %q", id)
		}
	}
}
