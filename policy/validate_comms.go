package policy

import (
	"slices"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// comms checks the communications section against the rest of the
// policy: groups of public services, known severities, states, roles,
// chains, contacts and people, and templates that parse.
func (c *checker) comms(cp fireline.CommsPolicy) {
	if l := cp.Page.Logo; l != "" && !strings.HasPrefix(l, "https://") && !(strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//")) {
		c.add("communications.page.logo", "want an https:// address or a path on this server such as /static/logo.png, not %q", l)
	}
	for i, g := range cp.Groups {
		path := at("communications.groups", i)
		c.required(path+".name", g.Name)
		for j, id := range g.Services {
			s, ok := c.p.Service(id)
			switch {
			case !ok:
				c.add(at(path+".services", j), "unknown service %q", id)
			case !s.Public:
				c.add(at(path+".services", j), "service %q is not public: set public: true on it to show it on the status page", id)
			}
		}
	}
	ids := make([]string, len(cp.Groups))
	for i, g := range cp.Groups {
		ids[i] = g.ID
	}
	c.ids("communications.groups", ids)
	for i, s := range cp.States {
		path := at("communications.component_states", i)
		c.severity1(path+".severity", s.Severity)
		if !slices.Contains(fireline.ComponentStates, s.State) {
			c.add(path+".state", "unknown state %q: want operational, degraded_performance, partial_outage, major_outage or under_maintenance", s.State)
		}
	}
	for i, sev := range cp.Approval.NotRequiredFor {
		c.severity1(at("communications.approval.not_required_for", i), sev)
	}
	for i, role := range cp.Approval.Approvers {
		if _, ok := c.p.Role(role); !ok {
			c.add(at("communications.approval.approvers", i), "unknown role %q", role)
		}
	}
	c.cadence(cp.Cadence)
	if r := cp.CustomerEmailRate; r < 0 || r > 10_000 {
		c.add("communications.customer_email_rate", "want emails a second from 1 to 10000 (default 50), not %d", r)
	}
	for i, a := range cp.Audiences {
		path := at("communications.audiences", i)
		for j, sev := range a.Severities {
			c.severity1(at(path+".severities", j), sev)
		}
		c.refs(path+".contacts", a.Contacts, "contact", c.hasContact)
		c.refs(path+".people", a.People, "person", c.hasPerson)
		for j, svc := range a.Services {
			if _, ok := c.p.Service(svc); !ok {
				c.add(at(path+".services", j), "unknown service %q", svc)
			}
		}
	}
	for i, t := range cp.Templates {
		path := at("communications.templates", i)
		if !slices.Contains(fireline.PublicStatuses, t.Status) {
			c.add(path+".status", "unknown status %q: want investigating, identified, monitoring or resolved", t.Status)
		}
		if err := fireline.CheckTemplate(t.Text); err != nil {
			c.add(path+".text", "%v", err)
		}
	}
}

func (c *checker) cadence(cd fireline.CadencePolicy) {
	if d := time.Duration(cd.FirstUpdate); d < 0 {
		c.add("communications.cadence.first_update", "must not be negative")
	}
	for i, r := range cd.Every {
		path := at("communications.cadence.every", i)
		for j, sev := range r.Severities {
			c.severity1(at(path+".severities", j), sev)
		}
		if time.Duration(r.Interval) < time.Minute {
			c.add(path+".interval", "want at least 1m")
		}
	}
	if cd.OnMissedChain != "" && !c.hasChain(cd.OnMissedChain) {
		c.add("communications.cadence.on_missed_chain", "unknown escalation chain %q", cd.OnMissedChain)
	}
}

func (c *checker) severity1(path string, sev fireline.Severity) {
	if !slices.Contains(fireline.Severities, sev) {
		c.add(path, "unknown severity %q: want P1, P2, P3 or P4", sev)
	}
}
