package fireline

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// AlertPolicy is the policy's alerts section: how incoming alerts are
// classified, grouped into incidents and limited.
type AlertPolicy struct {
	// DefaultSeverity is the severity of an alert no rule or mapping
	// classifies (P3 when empty).
	DefaultSeverity Severity `yaml:"default_severity,omitempty" json:"default_severity,omitempty"`
	// SeverityMap maps sender severity words (PagerDuty's critical, error,
	// warning, info; Alertmanager's severity label) to P1-P4.
	SeverityMap []SeverityMapping `yaml:"severity_map,omitempty" json:"severity_map,omitempty"`
	// Rules are tried in order; the first whose matchers all match the
	// alert's labels sets its severity, service and grouping.
	Rules []AlertRule `yaml:"rules,omitempty" json:"rules,omitempty"`
	// GroupBy are the labels whose values, with the service, form the
	// grouping key (none: one incident per service at a time).
	GroupBy []string `yaml:"group_by,omitempty" json:"group_by,omitempty"`
	// GroupWindow: a new alert joins the open incident of its service and
	// grouping key when that incident's last alert came within the window.
	GroupWindow Interval `yaml:"group_window,omitempty" json:"group_window,omitempty"`
	// AutoResolve lists the severities whose incidents resolve themselves
	// when all their alerts have resolved.
	AutoResolve []Severity `yaml:"auto_resolve,omitempty" json:"auto_resolve,omitempty"`
	// RateLimit caps each integration's requests.
	RateLimit RateLimit `yaml:"rate_limit,omitzero" json:"rate_limit,omitzero"`
}

// DefaultGroupWindow applies when the policy sets none.
const DefaultGroupWindow = time.Hour

// Window returns the grouping window.
func (ap *AlertPolicy) Window() time.Duration {
	if ap.GroupWindow <= 0 {
		return DefaultGroupWindow
	}
	return time.Duration(ap.GroupWindow)
}

// SeverityMapping maps one sender severity word to a level.
type SeverityMapping struct {
	From string   `yaml:"from" json:"from"`
	To   Severity `yaml:"to" json:"to"`
}

// AlertRule classifies the alerts its matchers select.
type AlertRule struct {
	Match    []LabelMatcher `yaml:"match" json:"match"`
	Severity Severity       `yaml:"severity,omitempty" json:"severity,omitempty"`
	Service  string         `yaml:"service,omitempty" json:"service,omitempty"`
	GroupBy  []string       `yaml:"group_by,omitempty" json:"group_by,omitempty"`
}

// Matches reports whether every matcher matches labels.
func (r *AlertRule) Matches(labels map[string]string) bool {
	for _, m := range r.Match {
		if !m.Matches(labels[m.Name]) {
			return false
		}
	}
	return true
}

// RateLimit is a token bucket: PerSecond requests a second on average,
// Burst at once. Zero PerSecond means no limit.
type RateLimit struct {
	PerSecond float64 `yaml:"per_second" json:"per_second"`
	Burst     int     `yaml:"burst" json:"burst"`
}

// LabelMatcher matches one label, written as Alertmanager writes
// matchers: name="value", name!="value", name=~"regex", name!~"regex"
// (the quotes are optional). A regex must match the whole value.
type LabelMatcher struct {
	Name  string
	Op    string // =, !=, =~ or !~
	Value string
	re    *regexp.Regexp
}

// ParseLabelMatcher parses a matcher's text form.
func ParseLabelMatcher(s string) (LabelMatcher, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "=!")
	if i <= 0 {
		return LabelMatcher{}, fmt.Errorf("invalid matcher %q: want name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\"", s)
	}
	m := LabelMatcher{Name: strings.TrimSpace(s[:i])}
	rest := s[i:]
	for _, op := range []string{"=~", "!~", "!=", "="} {
		if v, ok := strings.CutPrefix(rest, op); ok {
			m.Op, m.Value = op, strings.TrimSpace(v)
			break
		}
	}
	if m.Op == "" {
		return LabelMatcher{}, fmt.Errorf("invalid matcher %q: want =, !=, =~ or !~ after the label name", s)
	}
	if len(m.Value) >= 2 && m.Value[0] == '"' && m.Value[len(m.Value)-1] == '"' {
		m.Value = m.Value[1 : len(m.Value)-1]
	}
	if m.Op == "=~" || m.Op == "!~" {
		re, err := regexp.Compile("^(?:" + m.Value + ")$")
		if err != nil {
			return LabelMatcher{}, fmt.Errorf("invalid matcher %q: bad regex: %v", s, err)
		}
		m.re = re
	}
	return m, nil
}

// Matches reports whether the label value v (empty when absent) matches.
func (m LabelMatcher) Matches(v string) bool {
	switch m.Op {
	case "=":
		return v == m.Value
	case "!=":
		return v != m.Value
	case "=~":
		return m.re != nil && m.re.MatchString(v)
	case "!~":
		return m.re != nil && !m.re.MatchString(v)
	}
	return false
}

func (m LabelMatcher) String() string { return m.Name + m.Op + `"` + m.Value + `"` }

// MarshalText implements encoding.TextMarshaler.
func (m LabelMatcher) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *LabelMatcher) UnmarshalText(b []byte) error {
	v, err := ParseLabelMatcher(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
