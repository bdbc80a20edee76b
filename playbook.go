package fireline

import (
	"slices"
	"strings"
)

// Playbook is a checklist for a kind of incident (a service outage, a
// security incident, the guide's own workflow), written as a Markdown
// file with a YAML front matter; the playbook package parses it. Its
// steps are grouped by the workflow stage they belong to.
type Playbook struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Owner        string `json:"owner,omitempty"` // a person of the directory
	LastReviewed Date   `json:"last_reviewed,omitzero"`
	// AppliesTo says which incidents get the playbook by themselves: one
	// that any rule matches. None: attached only by hand.
	AppliesTo []PlaybookMatch `json:"applies_to,omitempty"`
	Steps     []PlaybookStep  `json:"steps"`
	// Digest is the first 12 hex digits of the file's SHA-256, so that
	// an incident's record says which revision it followed.
	Digest string `json:"digest,omitempty"`
}

// PlaybookMatch is one rule of a playbook's applies_to. Every field it
// sets must match; a list matches when any of its items does.
type PlaybookMatch struct {
	Sources    []Source   `yaml:"sources,omitempty" json:"sources,omitempty"`
	Services   []string   `yaml:"services,omitempty" json:"services,omitempty"`
	Severities []Severity `yaml:"severities,omitempty" json:"severities,omitempty"`
	// Alerts are Alertmanager-style label matchers, all of which must
	// match the labels of an alert that opens or joins the incident.
	Alerts []LabelMatcher `yaml:"alerts,omitempty" json:"alerts,omitempty"`
	// Keywords: any of them in the incident's title (case-insensitive).
	Keywords []string `yaml:"keywords,omitempty" json:"keywords,omitempty"`
}

// PlaybookStep is one checklist item of a playbook.
type PlaybookStep struct {
	// Key names the step on its incident: PLAYBOOK/N, N counting the
	// playbook's steps from 1 in file order.
	Key   string `json:"key"`
	Stage Stage  `json:"stage"`
	// Section is the heading the step is under, as written.
	Section string `json:"section,omitempty"`
	Text    string `json:"text"`
	Link    string `json:"link,omitempty"`    // a dashboard, the logs, the runbook
	Command string `json:"command,omitempty"` // a command to copy
	// Severities limits the step to incidents of these severities (all
	// when empty), such as the guide's initial response for P1/P2.
	Severities []Severity `json:"severities,omitempty"`
	// Auto names the event that checks the step by itself (AutoCheck),
	// such as "role_assigned:incident_commander".
	Auto string `json:"auto,omitempty"`
}

// AppliesToSeverity reports whether the step is for incidents of sev.
func (s *PlaybookStep) AppliesToSeverity(sev Severity) bool {
	return len(s.Severities) == 0 || slices.Contains(s.Severities, sev)
}

// Matches reports whether the rule matches the incident; labels are those
// of the alert opening or joining it (nil when there is none, and then a
// rule with alert matchers does not match).
func (m *PlaybookMatch) Matches(inc *Incident, labels map[string]string) bool {
	if len(m.Sources) > 0 && !slices.Contains(m.Sources, inc.Source) {
		return false
	}
	if len(m.Severities) > 0 && !slices.Contains(m.Severities, inc.Severity) {
		return false
	}
	if len(m.Services) > 0 && !slices.ContainsFunc(m.Services, func(s string) bool { return slices.Contains(inc.Services, s) }) {
		return false
	}
	if len(m.Alerts) > 0 {
		if labels == nil {
			return false
		}
		for _, lm := range m.Alerts {
			if !lm.Matches(labels[lm.Name]) {
				return false
			}
		}
	}
	if len(m.Keywords) > 0 {
		title := strings.ToLower(inc.Title)
		if !slices.ContainsFunc(m.Keywords, func(k string) bool { return containsWords(title, strings.ToLower(k)) }) {
			return false
		}
	}
	return true
}

// containsWords reports whether phrase appears in s as whole words: "down"
// is in "api down" but not in "slowdown".
func containsWords(s, phrase string) bool {
	if phrase == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(s[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		if (start == 0 || !wordByte(s[start-1])) && (end == len(s) || !wordByte(s[end])) {
			return true
		}
		i = start + 1
	}
}

func wordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80
}

// Match returns the first rule of the playbook that matches the
// incident, as text for the timeline ("sources: security"), and whether
// one did.
func (pb *Playbook) Match(inc *Incident, labels map[string]string) (string, bool) {
	for i := range pb.AppliesTo {
		if m := &pb.AppliesTo[i]; m.Matches(inc, labels) {
			return m.String(), true
		}
	}
	return "", false
}

// String describes the rule: "alerts: alertname=~"Postgres.*"; severities: P1".
func (m *PlaybookMatch) String() string {
	var parts []string
	add := func(name string, items []string) {
		if len(items) > 0 {
			parts = append(parts, name+": "+strings.Join(items, ", "))
		}
	}
	add("sources", strs(m.Sources))
	add("services", m.Services)
	add("severities", strs(m.Severities))
	add("alerts", matcherStrings(m.Alerts))
	add("keywords", m.Keywords)
	if len(parts) == 0 {
		return "every incident"
	}
	return strings.Join(parts, "; ")
}

func strs[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

func matcherStrings(list []LabelMatcher) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = m.String()
	}
	return out
}

// Playbook looks up a loaded playbook by id.
func (p *Policy) Playbook(id string) (*Playbook, bool) {
	for _, pb := range p.Playbooks {
		if pb.ID == id {
			return pb, true
		}
	}
	return nil, false
}

// PlaybookPolicy is the policy's playbooks section: which playbooks an
// incident must have worked through before it moves to resolution, and
// who may move it there anyway.
type PlaybookPolicy struct {
	// Required lists, for severities, the playbooks whose steps before
	// the resolution stage must all be checked first; "attached" stands
	// for every playbook attached to the incident.
	Required []RequiredPlaybooks `yaml:"required,omitempty" json:"required,omitempty"`
	// OverrideRoles may move an incident to resolution with required
	// steps open, giving a reason (incident_commander when empty).
	OverrideRoles []IncidentRole `yaml:"override_roles,omitempty" json:"override_roles,omitempty"`
	// ReviewEvery is how long a playbook may go without review before
	// `playbook lint` and the guide page flag it (90d when unset, the
	// guide's quarterly review; playbook_usage.go).
	ReviewEvery Deadline `yaml:"review_every,omitempty" json:"review_every,omitzero"`
}

// RequiredPlaybooks is one rule of PlaybookPolicy.Required.
type RequiredPlaybooks struct {
	Severities []Severity `yaml:"severities" json:"severities"`
	Playbooks  []string   `yaml:"playbooks" json:"playbooks"`
	// Stages limits the rule to the steps of these stages (all before
	// resolution when empty): the guide's P1/P2 initial response, say,
	// rather than every step a responder might skip for good reason.
	Stages []Stage `yaml:"stages,omitempty" json:"stages,omitempty"`
}

// AttachedPlaybooks is the word in RequiredPlaybooks.Playbooks that
// stands for every playbook attached to the incident.
const AttachedPlaybooks = "attached"

// overrideRoles returns the roles that may override the resolution gate.
func (pp *PlaybookPolicy) overrideRoles() []IncidentRole {
	if len(pp.OverrideRoles) == 0 {
		return []IncidentRole{RoleIncidentCommander}
	}
	return pp.OverrideRoles
}

// RequiresPlaybook reports whether the policy requires playbook id of an
// incident of severity sev before it moves to resolution.
func (p *Policy) RequiresPlaybook(sev Severity, id string) bool {
	return p.PlaybookRules.requires(sev, id)
}

// requires reports whether the policy requires playbook id of an
// incident of severity sev: by name, or as one of those attached.
func (pp *PlaybookPolicy) requires(sev Severity, id string) bool {
	for _, r := range pp.Required {
		if r.covers(sev, id) {
			return true
		}
	}
	return false
}

// requiresStep reports whether the policy requires a step of playbook id,
// in stage, checked before an incident of severity sev moves to
// resolution.
func (pp *PlaybookPolicy) requiresStep(sev Severity, id string, stage Stage) bool {
	if stageIndex(stage) >= stageIndex(StageResolution) {
		return false
	}
	for _, r := range pp.Required {
		if r.covers(sev, id) && (len(r.Stages) == 0 || slices.Contains(r.Stages, stage)) {
			return true
		}
	}
	return false
}

func (r RequiredPlaybooks) covers(sev Severity, id string) bool {
	return slices.Contains(r.Severities, sev) && (slices.Contains(r.Playbooks, id) || slices.Contains(r.Playbooks, AttachedPlaybooks))
}
