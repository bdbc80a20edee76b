package policy

import (
	"slices"

	"github.com/fireline-dev/fireline"
)

// alerts checks the alerts section: severities and services it names
// exist, matchers name a label, and limits are sane.
func (c *checker) alerts(a fireline.AlertPolicy) {
	c.level("alerts.default_severity", a.DefaultSeverity)
	seen := map[string]int{}
	for i, m := range a.SeverityMap {
		path := at("alerts.severity_map", i)
		if c.required(path+".from", m.From) {
			if j, dup := seen[m.From]; dup {
				c.add(path+".from", "duplicate severity word %q: %s has it too", m.From, at("alerts.severity_map", j))
			}
			seen[m.From] = i
		}
		if c.required(path+".to", string(m.To)) {
			c.level(path+".to", m.To)
		}
	}
	for i, r := range a.Rules {
		path := at("alerts.rules", i)
		if len(r.Match) == 0 {
			c.add(path+".match", "at least one matcher is required")
		}
		c.level(path+".severity", r.Severity)
		if r.Service != "" {
			if _, ok := c.p.Service(r.Service); !ok {
				c.add(path+".service", "unknown service %q", r.Service)
			}
		}
		if r.Severity == "" && r.Service == "" && r.GroupBy == nil {
			c.add(path, "a rule sets a severity, a service or group_by")
		}
		c.labelNames(path+".group_by", r.GroupBy)
	}
	c.labelNames("alerts.group_by", a.GroupBy)
	for i, s := range a.AutoResolve {
		c.level(at("alerts.auto_resolve", i), s)
	}
	if a.GroupWindow < 0 {
		c.add("alerts.group_window", "must not be negative")
	}
	switch rl := a.RateLimit; {
	case rl.PerSecond < 0:
		c.add("alerts.rate_limit.per_second", "must not be negative")
	case rl.PerSecond > 0 && rl.Burst < 1:
		c.add("alerts.rate_limit.burst", "must be at least 1 when per_second is set")
	}
}

// level checks an optional severity level.
func (c *checker) level(path string, s fireline.Severity) {
	if s != "" && !slices.Contains(fireline.Severities, s) {
		c.add(path, "unknown severity %q: want P1, P2, P3 or P4", s)
	}
}

func (c *checker) labelNames(path string, names []string) {
	for i, n := range names {
		if n == "" {
			c.add(at(path, i), "a label name is required")
		}
	}
}
