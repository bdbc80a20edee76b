package fireline

import (
	"slices"
	"strings"
	"text/template"
	"time"
)

// Communications: the guide's "Communication Protocols" as data and rules
// (docs/communications.md). Public updates are drafted, approved and
// published through Incident.Do (comms_update.go); their cadence is a
// clock like the others (comms_cadence.go); the public status page is
// built from published updates and incident history (status.go).

// PublicStatus is a public update's status, as Atlassian Statuspage names
// an incident's.
type PublicStatus string

// Public statuses, in the order an incident usually goes through them.
const (
	PublicInvestigating PublicStatus = "investigating"
	PublicIdentified    PublicStatus = "identified"
	PublicMonitoring    PublicStatus = "monitoring"
	PublicResolved      PublicStatus = "resolved"
)

// PublicStatuses lists every public status in order.
var PublicStatuses = []PublicStatus{PublicInvestigating, PublicIdentified, PublicMonitoring, PublicResolved}

// ComponentState is a public component's state, as Statuspage names it.
type ComponentState string

// Component states, best first.
const (
	StateOperational         ComponentState = "operational"
	StateDegraded            ComponentState = "degraded_performance"
	StatePartialOutage       ComponentState = "partial_outage"
	StateMajorOutage         ComponentState = "major_outage"
	StateUnderMaintenance    ComponentState = "under_maintenance"
	stateOrderUnknown                       = 99
	defaultFirstUpdateWithin                = 15 * time.Minute
	defaultRemindBefore                     = 5 * time.Minute
)

// ComponentStates lists every component state, best first.
var ComponentStates = []ComponentState{StateOperational, StateDegraded, StatePartialOutage, StateMajorOutage, StateUnderMaintenance}

// Worse reports whether s is worse than other: major outage is worse than
// partial, which is worse than degraded, which is worse than maintenance,
// which is worse than operational.
func (s ComponentState) Worse(other ComponentState) bool { return s.rank() > other.rank() }

func (s ComponentState) rank() int {
	switch s {
	case StateOperational:
		return 0
	case StateUnderMaintenance:
		return 1
	case StateDegraded:
		return 2
	case StatePartialOutage:
		return 3
	case StateMajorOutage:
		return 4
	}
	return stateOrderUnknown
}

// CommsPolicy is the policy's communications section.
type CommsPolicy struct {
	// Page names the public status page.
	Page StatusPageSettings `yaml:"page,omitempty" json:"page"`
	// Groups gather public services into component groups, in order;
	// public services in no group are components of their own.
	Groups []ComponentGroup `yaml:"groups,omitempty" json:"groups,omitempty"`
	// States say which state an open incident of a severity gives the
	// public components it affects, unless a published update says
	// otherwise (default: P1 major outage, P2 partial outage, P3
	// degraded performance, P4 none).
	States []SeverityState `yaml:"component_states,omitempty" json:"component_states,omitempty"`
	// Approval says which updates need approval and who gives it.
	Approval ApprovalPolicy `yaml:"approval,omitempty" json:"approval"`
	// Cadence says how soon and how often public updates are due.
	Cadence CadencePolicy `yaml:"cadence,omitempty" json:"cadence"`
	// Audiences are the stakeholders told by email at declaration and
	// at resolution (the default policy: the management and
	// communications contacts, for P1 and P2; none when unset).
	Audiences []Audience `yaml:"audiences,omitempty" json:"audiences,omitempty"`
	// Templates are the starting text of a public update, per status,
	// in Go's text/template over UpdateFacts.
	Templates []UpdateTemplate `yaml:"templates,omitempty" json:"templates,omitempty"`
	// CustomerEmailRate is how many customer emails a second a public
	// update's fan-out sends (default CustomerBatch): what the relay
	// allows.
	CustomerEmailRate int `yaml:"customer_email_rate,omitempty" json:"customer_email_rate,omitempty"`
}

// StatusPageSettings names the public status page.
type StatusPageSettings struct {
	// ID is the page id in the Statuspage JSON (12 characters a-z0-9).
	ID   string `yaml:"id,omitempty" json:"id,omitempty"`
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// URL is the page's public address (default: the server's).
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Logo is the address of an image shown beside the name (https, or
	// a path on the page's own server).
	Logo string `yaml:"logo,omitempty" json:"logo,omitempty"`
}

// ComponentGroup is a named group of public services.
type ComponentGroup struct {
	ID       string   `yaml:"id" json:"id"`
	Name     string   `yaml:"name" json:"name"`
	Services []string `yaml:"services" json:"services"`
}

// SeverityState maps a severity to the component state its incidents
// give.
type SeverityState struct {
	Severity Severity       `yaml:"severity" json:"severity"`
	State    ComponentState `yaml:"state" json:"state"`
}

// ApprovalPolicy says which severities publish without approval and which
// incident roles approve.
type ApprovalPolicy struct {
	// NotRequiredFor are severities whose updates publish when drafted
	// (default: P3 and P4).
	NotRequiredFor []Severity `yaml:"not_required_for,omitempty" json:"not_required_for,omitempty"`
	// Approvers are the incident roles whose holders approve (default:
	// the incident commander and the communications liaison).
	Approvers []IncidentRole `yaml:"approvers,omitempty" json:"approvers,omitempty"`
}

// CadencePolicy is the public update cadence.
type CadencePolicy struct {
	// FirstUpdate is how soon after confirmation (an acknowledgement, or
	// a declaration by a person) the first public update is due for an
	// incident affecting public components (default 15m).
	FirstUpdate Interval `yaml:"first_update,omitempty" json:"first_update,omitzero"`
	// Every says how often later updates are due, per severity (default:
	// hourly for P1 and P2; none for others).
	Every []CadenceRule `yaml:"every,omitempty" json:"every,omitempty"`
	// RemindBefore is how long before an update is due the liaison and
	// the commander are reminded (default 5m).
	RemindBefore Interval `yaml:"remind_before,omitempty" json:"remind_before,omitzero"`
	// OnMissed names the chain whose step after the severity's
	// through_step is told when an update is missed (default technical;
	// its last step when through_step is the last).
	OnMissedChain string `yaml:"on_missed_chain,omitempty" json:"on_missed_chain,omitempty"`
}

// CadenceRule is how often updates are due for some severities.
type CadenceRule struct {
	Severities []Severity `yaml:"severities" json:"severities"`
	Interval   Interval   `yaml:"interval" json:"interval"`
}

// Audience is a group of stakeholders told by email.
type Audience struct {
	ID         string     `yaml:"id" json:"id"`
	Severities []Severity `yaml:"severities" json:"severities"`
	// Services, when set, narrows the audience to incidents that affect
	// one of them: a service's stakeholders.
	Services []string `yaml:"services,omitempty" json:"services,omitempty"`
	Contacts []string `yaml:"contacts,omitempty" json:"contacts,omitempty"`
	People   []string `yaml:"people,omitempty" json:"people,omitempty"`
}

// UpdateTemplate is the starting text of an update of one status.
type UpdateTemplate struct {
	Status PublicStatus `yaml:"status" json:"status"`
	Text   string       `yaml:"text" json:"text"`
}

// DefaultTemplates are the update templates when the policy has none.
var DefaultTemplates = []UpdateTemplate{
	{PublicInvestigating, "We are investigating {{.Impact}} affecting {{.Services}}.{{if .ETA}} We expect to resolve it by {{.ETA}}.{{end}}"},
	{PublicIdentified, "We have identified the cause of the {{.Classification}} affecting {{.Services}} and are working on a fix.{{if .ETA}} Estimated resolution: {{.ETA}}.{{end}}"},
	{PublicMonitoring, "A fix has been applied to {{.Services}} and we are monitoring the results."},
	{PublicResolved, "This incident affecting {{.Services}} has been resolved. Thank you for your patience."},
}

// UpdateFacts are what a template may use.
type UpdateFacts struct {
	// Classification is the severity's public wording: "major outage",
	// "partial outage", "service degradation", "minor issue".
	Classification string
	// Impact is Classification with an article ("a partial outage").
	Impact string
	// Services are the public names of the affected public services,
	// joined ("API Gateway and Web Dashboard").
	Services string
	// ETA is the estimated resolution in the calendar's time zone, or "".
	ETA string
}

// CommsApprovers returns the roles that approve public updates.
func (p *Policy) CommsApprovers() []IncidentRole {
	if len(p.Comms.Approval.Approvers) > 0 {
		return p.Comms.Approval.Approvers
	}
	return []IncidentRole{RoleIncidentCommander, RoleCommunicationsLiaison}
}

// NeedsApproval reports whether a severity's updates wait for approval.
func (p *Policy) NeedsApproval(level Severity) bool {
	without := p.Comms.Approval.NotRequiredFor
	if without == nil {
		without = []Severity{P3, P4}
	}
	return !slices.Contains(without, level)
}

// PublicServices lists the public services in page order: by group, then
// those in no group.
func (p *Policy) PublicServices() []*Service {
	var out []*Service
	seen := map[string]bool{}
	for _, g := range p.Comms.Groups {
		for _, id := range g.Services {
			if s, ok := p.Service(id); ok && s.Public && !seen[id] {
				seen[id] = true
				out = append(out, s)
			}
		}
	}
	for i := range p.Services {
		if s := &p.Services[i]; s.Public && !seen[s.ID] {
			out = append(out, s)
		}
	}
	return out
}

// ServiceGroup returns the group a public service is in, if any.
func (p *Policy) ServiceGroup(id string) (*ComponentGroup, bool) {
	for i := range p.Comms.Groups {
		if slices.Contains(p.Comms.Groups[i].Services, id) {
			return &p.Comms.Groups[i], true
		}
	}
	return nil, false
}

// PublicServicesOf returns the incident's services that are public.
func (p *Policy) PublicServicesOf(services []string) []string {
	var out []string
	for _, id := range services {
		if s, ok := p.Service(id); ok && s.Public {
			out = append(out, id)
		}
	}
	return out
}

// AffectsPublic reports whether an incident is on the public page's
// business: unrestricted, and affecting a public service.
func (p *Policy) AffectsPublic(inc *Incident) bool {
	return !inc.Restricted && len(p.PublicServicesOf(inc.Services)) > 0
}

// SeverityState is the state an open incident of a severity gives the
// public components it affects.
func (p *Policy) SeverityState(level Severity) ComponentState {
	for _, s := range p.Comms.States {
		if s.Severity == level {
			return s.State
		}
	}
	switch level {
	case P1:
		return StateMajorOutage
	case P2:
		return StatePartialOutage
	case P3:
		return StateDegraded
	}
	return StateOperational
}

// UpdateEvery is how often a severity's public updates are due after the
// first; 0 for none.
func (p *Policy) UpdateEvery(level Severity) time.Duration {
	rules := p.Comms.Cadence.Every
	if rules == nil {
		rules = []CadenceRule{{Severities: []Severity{P1, P2}, Interval: Interval(time.Hour)}}
	}
	for _, r := range rules {
		if slices.Contains(r.Severities, level) {
			return time.Duration(r.Interval)
		}
	}
	return 0
}

// FirstUpdateWithin is how soon after confirmation the first public
// update is due.
func (p *Policy) FirstUpdateWithin() time.Duration {
	if d := time.Duration(p.Comms.Cadence.FirstUpdate); d > 0 {
		return d
	}
	return defaultFirstUpdateWithin
}

// RemindBefore is how long before a public update is due the liaison and
// the commander are reminded.
func (p *Policy) RemindBefore() time.Duration {
	if d := time.Duration(p.Comms.Cadence.RemindBefore); d > 0 {
		return d
	}
	return defaultRemindBefore
}

// CustomerBatchSize is how many subscribers a fan-out emails each
// CustomerBatchEvery: the policy's rate, else CustomerBatch.
func (p *Policy) CustomerBatchSize() int {
	if r := p.Comms.CustomerEmailRate; r > 0 {
		return r
	}
	return CustomerBatch
}

// CommsAudiences returns the audiences the policy lists (the default
// policy's: the management and communications contacts, for P1 and P2).
func (p *Policy) CommsAudiences() []Audience { return p.Comms.Audiences }

// AudienceFor returns the recipients told about an incident at a
// severity: the audiences of the severity that follow every service or
// one of the incident's, each recipient once.
func (p *Policy) AudienceFor(inc *Incident, level Severity) []Recipient {
	var out []Recipient
	for _, a := range p.CommsAudiences() {
		if !slices.Contains(a.Severities, level) ||
			len(a.Services) > 0 && !slices.ContainsFunc(inc.Services, func(s string) bool { return slices.Contains(a.Services, s) }) {
			continue
		}
		for _, c := range a.Contacts {
			if r := (Recipient{Contact: c}); !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
		for _, per := range a.People {
			if r := (Recipient{Person: per}); !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// UpdateTemplate returns the template text for a status.
func (p *Policy) UpdateTemplate(s PublicStatus) string {
	for _, list := range [][]UpdateTemplate{p.Comms.Templates, DefaultTemplates} {
		for _, t := range list {
			if t.Status == s {
				return t.Text
			}
		}
	}
	return ""
}

// Facts are the incident's facts a template fills in.
func (p *Policy) Facts(inc *Incident) UpdateFacts {
	f := UpdateFacts{Classification: classification(p.SeverityState(inc.Severity))}
	f.Impact = article(f.Classification) + " " + f.Classification
	var names []string
	for _, id := range p.PublicServicesOf(inc.Services) {
		s, _ := p.Service(id)
		names = append(names, s.Name)
	}
	switch len(names) {
	case 0:
		f.Services = "some of our services"
	case 1:
		f.Services = names[0]
	default:
		f.Services = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	if inc.ETA != nil {
		f.ETA = inc.ETA.In(p.Calendar.location()).Format("15:04 MST on Jan 2")
	}
	return f
}

func classification(s ComponentState) string {
	switch s {
	case StateMajorOutage:
		return "major outage"
	case StatePartialOutage:
		return "partial outage"
	case StateDegraded:
		return "service degradation"
	}
	return "minor issue"
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}

// FillTemplate renders the template of a status with the incident's
// facts; the template's own text when it does not render.
func (p *Policy) FillTemplate(inc *Incident, s PublicStatus) string {
	text := p.UpdateTemplate(s)
	t, err := template.New("update").Option("missingkey=zero").Parse(text)
	if err != nil {
		return text
	}
	var b strings.Builder
	if err := t.Execute(&b, p.Facts(inc)); err != nil {
		return text
	}
	return b.String()
}

// CheckTemplate reports whether an update template parses and renders
// with made-up facts.
func CheckTemplate(text string) error {
	t, err := template.New("update").Option("missingkey=zero").Parse(text)
	if err != nil {
		return err
	}
	return t.Execute(new(strings.Builder), UpdateFacts{Classification: "outage", Impact: "an outage", Services: "API", ETA: "12:00"})
}
