package fireline

// Policy is an organisation's incident response guide as data. The policy
// package parses and validates it from YAML; everything else reads it.
// A Policy is immutable once loaded.
type Policy struct {
	// Version is the author's label for this revision of the guide.
	Version string `yaml:"version" json:"version"`
	// Digest is the SHA-256 of the policy document as loaded, so that two
	// different files with the same Version are told apart.
	Digest       string `yaml:"-" json:"digest"`
	Organization string `yaml:"organization" json:"organization"`

	Calendar         Calendar          `yaml:"calendar" json:"calendar"`
	Severities       []SeverityPolicy  `yaml:"severities" json:"severities"`
	Roles            []RoleDefinition  `yaml:"roles" json:"roles"`
	Services         []Service         `yaml:"services" json:"services"`
	People           []Person          `yaml:"people" json:"people"`
	Contacts         []Contact         `yaml:"contacts" json:"contacts"`
	EscalationChains []EscalationChain `yaml:"escalation_chains" json:"escalation_chains"`
	// Schedules are the on-call rotations (oncall.go).
	Schedules    []Schedule  `yaml:"schedules,omitempty" json:"schedules"`
	SystemAccess []Link      `yaml:"system_access" json:"system_access"`
	Documents    []Link      `yaml:"documents" json:"documents"`
	Review       GuideReview `yaml:"review" json:"review"`
	// Alerts classifies and groups incoming alerts (alert_policy.go).
	Alerts AlertPolicy `yaml:"alerts,omitempty" json:"alerts"`
	// ClockRules tune how the incident clocks are measured (clocks.go).
	ClockRules ClockPolicy `yaml:"clocks,omitempty" json:"clocks"`
	// Delivery bounds how long a page keeps being retried (paging.go).
	Delivery DeliveryPolicy `yaml:"delivery,omitempty" json:"delivery"`
	// SourceContacts are team contacts told at once about every incident
	// from a source, such as the security team about security incidents.
	SourceContacts []SourceContacts `yaml:"source_contacts,omitempty" json:"source_contacts,omitempty"`
	// PlaybookRules is the playbooks section: which playbooks must be
	// worked through before resolution (playbook.go).
	PlaybookRules PlaybookPolicy `yaml:"playbooks,omitempty" json:"playbooks,omitzero"`
	// Reviews says which incidents get a post-incident review, when it
	// is due, and how action items are chased (review.go).
	Reviews ReviewPolicy `yaml:"reviews,omitempty" json:"reviews,omitzero"`
	// Comms is the communications section: the public status page's
	// components, public update approval and cadence, stakeholder
	// audiences and update templates (comms.go).
	Comms CommsPolicy `yaml:"communications,omitempty" json:"communications"`
	// Slack is the slack section: which incidents get a channel, its
	// name, the announcement channel (slack.go).
	Slack SlackPolicy `yaml:"slack,omitempty" json:"slack,omitzero"`
	// Regulatory is the regulatory notification deadline, a clock on the
	// incidents it applies to (regulatory.go); the zero value for none.
	Regulatory RegulatoryPolicy `yaml:"regulatory,omitempty" json:"regulatory,omitzero"`
	// Playbooks are the playbooks loaded beside the policy (fireline
	// serve --playbooks; the playbook package parses them).
	Playbooks []*Playbook `yaml:"-" json:"-"`
}

// VersionID names the policy revision an incident ran under: the author's
// version and the first 12 hex digits of the digest.
func (p *Policy) VersionID() string {
	d := p.Digest
	if len(d) > 12 {
		d = d[:12]
	}
	if d == "" {
		return p.Version
	}
	return p.Version + "+" + d
}

// SeverityPolicy is one severity level with its description and clocks.
type SeverityPolicy struct {
	Level       Severity `yaml:"level" json:"level"`
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description"`
	Examples    []string `yaml:"examples" json:"examples"`
	// Respond is the time to a first response (an acknowledgement), which
	// depends on whether the clock starts inside business hours.
	Respond ResponseTarget `yaml:"respond" json:"respond"`
	// Resolve is the resolution target, counted on the wall clock.
	Resolve Deadline `yaml:"resolve" json:"resolve"`
	// Escalation says when and to whom an unresolved incident escalates.
	Escalation EscalationRule `yaml:"escalation" json:"escalation"`
	// Paging says when pages go out: always (the default) or only in
	// business hours (paging.go).
	Paging PagingHours `yaml:"paging,omitempty" json:"paging,omitempty"`
	// Repeat says what happens when a walk ends and nobody has
	// acknowledged: repeat it, or stop at once (the zero value).
	Repeat RepeatRule `yaml:"repeat,omitempty" json:"repeat"`
}

// ResponseTarget is a response deadline inside and outside business hours.
type ResponseTarget struct {
	BusinessHours        Deadline `yaml:"business_hours" json:"business_hours"`
	OutsideBusinessHours Deadline `yaml:"outside_business_hours" json:"outside_business_hours"`
}

// EscalationRule is a severity's escalation: how soon, which chain and how
// far up it reaches, and whom else it tells.
type EscalationRule struct {
	// Within is how soon escalation happens: immediate, a duration, or none
	// (regular support channels only).
	Within Deadline `yaml:"within" json:"within"`
	// Summary is the guide's own words, e.g. "Engineering leads within 2 hours".
	Summary string `yaml:"summary" json:"summary"`
	// Chain is the id of the escalation chain walked; empty for none.
	Chain string `yaml:"chain,omitempty" json:"chain,omitempty"`
	// ThroughStep is how far up the chain it reaches (1-based, inclusive).
	ThroughStep int `yaml:"through_step,omitempty" json:"through_step,omitempty"`
	// Contacts are team contacts (ids) told as well, e.g. management.
	Contacts []string `yaml:"contacts,omitempty" json:"contacts,omitempty"`
	// NotifyChains are further chains told at once, e.g. the business chain.
	NotifyChains []string `yaml:"notify_chains,omitempty" json:"notify_chains,omitempty"`
	// AfterAck says how the escalation audience (the chain from
	// through_step, the contacts and the notify chains) is told once the
	// incident is acknowledged: notify (the default), page, or none.
	AfterAck AfterAck `yaml:"after_ack,omitempty" json:"after_ack,omitempty"`
	// OnBreach says whether a breach of the escalate or resolve clock
	// pages the chain's step after through_step (next_step) or nobody
	// more (none, the default).
	OnBreach BreachAction `yaml:"on_breach,omitempty" json:"on_breach,omitempty"`
}

// RoleDefinition is a response role and what its holder does.
type RoleDefinition struct {
	ID               IncidentRole `yaml:"id" json:"id"`
	Name             string       `yaml:"name" json:"name"`
	Responsibilities []string     `yaml:"responsibilities" json:"responsibilities"`
	// Multiple allows several people to hold the role at once (SMEs).
	Multiple bool `yaml:"multiple,omitempty" json:"multiple,omitempty"`
}

// Service is a component of the platform that incidents affect.
type Service struct {
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Critical    bool   `yaml:"critical" json:"critical"`
	// HealthURL is the service's health endpoint, used by the playbooks.
	HealthURL string `yaml:"health_url,omitempty" json:"health_url,omitempty"`
	// Schedule is the id of the on-call schedule paged for the service;
	// the policy's first schedule when empty.
	Schedule string `yaml:"schedule,omitempty" json:"schedule,omitempty"`
	// Public puts the service on the public status page as a component
	// (comms.go).
	Public bool `yaml:"public,omitempty" json:"public,omitempty"`
}

// Person is someone in the directory who can hold a role or be paged.
type Person struct {
	ID    string   `yaml:"id" json:"id"`
	Name  string   `yaml:"name" json:"name"`
	Title string   `yaml:"title,omitempty" json:"title,omitempty"`
	Email string   `yaml:"email,omitempty" json:"email,omitempty"`
	Phone string   `yaml:"phone,omitempty" json:"phone,omitempty"`
	Teams []string `yaml:"teams,omitempty" json:"teams,omitempty"`
	// SlackID is the person's Slack user id (U...), for a workspace where
	// their Slack email is not Email.
	SlackID string `yaml:"slack_id,omitempty" json:"slack_id,omitempty"`
	// GitHub is the person's GitHub login: action items they own are
	// assigned to them when pushed to GitHub Issues.
	GitHub string `yaml:"github,omitempty" json:"github,omitempty"`
	// ContactMethods are tried in order when the person is paged; an
	// email to Email when none are listed (paging.go).
	ContactMethods []ContactMethod `yaml:"contact_methods,omitempty" json:"contact_methods,omitempty"`
}

// Contact is a team's shared address, such as the on-call line or the
// security team's mailbox.
type Contact struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Purpose string `yaml:"purpose,omitempty" json:"purpose,omitempty"`
	Email   string `yaml:"email,omitempty" json:"email,omitempty"`
	Phone   string `yaml:"phone,omitempty" json:"phone,omitempty"`
}

// EscalationChain is an ordered list of steps, from the first responder up.
type EscalationChain struct {
	ID    string           `yaml:"id" json:"id"`
	Name  string           `yaml:"name" json:"name"`
	Steps []EscalationStep `yaml:"steps" json:"steps"`
}

// EscalationStep is one rung of a chain: a title and whom it pages.
type EscalationStep struct {
	Title    string   `yaml:"title" json:"title"`
	People   []string `yaml:"people,omitempty" json:"people,omitempty"`
	Contacts []string `yaml:"contacts,omitempty" json:"contacts,omitempty"`
	// Delay is how long after the previous step (or the secondary page)
	// this step is paged; immediate when unset.
	Delay Deadline `yaml:"delay,omitempty" json:"delay,omitzero"`
	// OnCall pages on-call people: "primary" or "secondary" of the
	// incident's schedule, or "SCHEDULE/ROLE".
	OnCall []string `yaml:"on_call,omitempty" json:"on_call,omitempty"`
	// Titles page everyone in the directory with the title, such as
	// "Engineering Lead".
	Titles []string `yaml:"titles,omitempty" json:"titles,omitempty"`
}

// Link is a named URL or document reference.
type Link struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	URL  string `yaml:"url" json:"url"`
}

// GuideReview is the guide's own review cycle.
type GuideReview struct {
	// Owner is the person (id) who runs the review.
	Owner string `yaml:"owner" json:"owner"`
	// EveryMonths is the review cadence; the guide says quarterly (3).
	EveryMonths  int  `yaml:"every_months" json:"every_months"`
	LastReviewed Date `yaml:"last_reviewed" json:"last_reviewed"`
	NextDue      Date `yaml:"next_due" json:"next_due"`
}

// Severity looks up a severity level.
func (p *Policy) Severity(level Severity) (*SeverityPolicy, bool) {
	for i := range p.Severities {
		if p.Severities[i].Level == level {
			return &p.Severities[i], true
		}
	}
	return nil, false
}

// Role looks up a role definition.
func (p *Policy) Role(id IncidentRole) (*RoleDefinition, bool) {
	for i := range p.Roles {
		if p.Roles[i].ID == id {
			return &p.Roles[i], true
		}
	}
	return nil, false
}

// Service looks up a service by id.
func (p *Policy) Service(id string) (*Service, bool) {
	for i := range p.Services {
		if p.Services[i].ID == id {
			return &p.Services[i], true
		}
	}
	return nil, false
}

// Person looks up a person by id.
func (p *Policy) Person(id string) (*Person, bool) {
	for i := range p.People {
		if p.People[i].ID == id {
			return &p.People[i], true
		}
	}
	return nil, false
}

// Contact looks up a team contact by id.
func (p *Policy) Contact(id string) (*Contact, bool) {
	for i := range p.Contacts {
		if p.Contacts[i].ID == id {
			return &p.Contacts[i], true
		}
	}
	return nil, false
}

// Chain looks up an escalation chain by id.
func (p *Policy) Chain(id string) (*EscalationChain, bool) {
	for i := range p.EscalationChains {
		if p.EscalationChains[i].ID == id {
			return &p.EscalationChains[i], true
		}
	}
	return nil, false
}
