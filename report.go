package fireline

import (
	"strconv"
	"strings"
	"time"
)

// The incident report for regulatory compliance (the guide's security
// playbook: "Prepare incident report for regulatory compliance"): what
// happened, the systems and data affected, the whole timeline, the
// actions taken, the evidence with its hashes, and who was told what
// when. It is read from the incident and its hash-chained timeline only,
// so that it says nothing the timeline does not prove; its head hash ties
// it to an export that `fireline incident verify` checks.

// IncidentReport is an incident's report.
type IncidentReport struct {
	Incident       string     `json:"incident"`
	Title          string     `json:"title"`
	Severity       Severity   `json:"severity"`
	Source         Source     `json:"source"`
	Status         Status     `json:"status"`
	Restricted     bool       `json:"restricted"`
	DetectedAt     time.Time  `json:"detected_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	ResolvedAt     *time.Time `json:"resolved_at,omitempty"`
	// WhatHappened is the description and the resolution summary.
	Description string `json:"description,omitempty"`
	Summary     string `json:"summary,omitempty"`
	// Affected: the services (by name), the impact and the scope, which
	// say what systems and data were touched.
	Services []string   `json:"services"`
	Impact   string     `json:"impact,omitempty"`
	Scope    string     `json:"scope,omitempty"`
	Timeline []KeyEvent `json:"timeline"`
	// Actions are the mitigation steps and decisions recorded and the
	// checklist steps done.
	Actions  []KeyEvent `json:"actions"`
	Evidence []Evidence `json:"evidence"`
	// EvidenceReads counts the reads of each file, by SHA-256.
	EvidenceReads map[string]int `json:"evidence_reads,omitempty"`
	// Notified is who was told what, when: pages and notifications,
	// stakeholder notices, public updates (which customer email follows
	// for P1/P2), and the regulator.
	Notified      []Notification   `json:"notified"`
	Regulatory    *RegulatoryClock `json:"regulatory,omitempty"`
	PolicyVersion string           `json:"policy_version"`
	Events        int64            `json:"events"`
	HeadHash      string           `json:"head_hash"`
	GeneratedAt   time.Time        `json:"generated_at"`
}

// Notification is one party told about the incident.
type Notification struct {
	At    time.Time `json:"at"`
	To    string    `json:"to"`
	Via   string    `json:"via"`
	What  string    `json:"what"`
	Error string    `json:"error,omitempty"`
}

// Report builds an incident's report from its state and timeline at now.
func (p *Policy) Report(inc *Incident, events []*Event, now time.Time) *IncidentReport {
	r := &IncidentReport{Incident: inc.ID, Title: inc.Title, Severity: inc.Severity, Source: inc.Source, Status: inc.Status,
		Restricted: inc.Restricted, DetectedAt: inc.DeclaredAt, AcknowledgedAt: inc.AcknowledgedAt, ResolvedAt: inc.ResolvedAt,
		Description: inc.Description, Summary: resolutionSummary(events), Impact: inc.Impact, Scope: inc.Scope,
		Services: []string{}, Timeline: []KeyEvent{}, Actions: []KeyEvent{}, Evidence: EvidenceOf(events), Notified: []Notification{},
		Regulatory: inc.Security.Regulatory, PolicyVersion: inc.PolicyVersion, Events: inc.EventCount, HeadHash: inc.HeadHash, GeneratedAt: now}
	if n := len(events); n > 0 { // the timeline as read, should an event have come since the row
		r.Events, r.HeadHash = events[n-1].Seq, events[n-1].Hash
	}
	for _, id := range inc.Services {
		r.Services = append(r.Services, p.serviceName(id))
	}
	if r.Evidence == nil {
		r.Evidence = []Evidence{}
	}
	for _, e := range events {
		text, _ := p.eventText(e)
		k := KeyEvent{Seq: e.Seq, At: e.At, Actor: e.Actor, Type: e.Type, Text: text}
		r.Timeline = append(r.Timeline, k)
		if reportAction(e) {
			r.Actions = append(r.Actions, k)
		}
		if n, ok := p.notification(e); ok {
			r.Notified = append(r.Notified, n)
		}
		var read EvidenceReadData
		if e.Type == EventEvidenceRead && decodeData(e, &read) {
			if r.EvidenceReads == nil {
				r.EvidenceReads = map[string]int{}
			}
			r.EvidenceReads[read.SHA256]++
		}
	}
	return r
}

// resolutionSummary is the last resolution's summary.
func resolutionSummary(events []*Event) string {
	s := ""
	for _, e := range events {
		var d ResolvedData
		if e.Type == EventResolved && decodeData(e, &d) && d.Summary != "" {
			s = d.Summary
		}
	}
	return s
}

// reportAction reports whether an event is an action taken: a mitigation
// step or decision, a checklist step checked, evidence preserved.
func reportAction(e *Event) bool {
	switch e.Type {
	case EventStepChecked, EventEvidenceAdded, EventRegulatorNotified:
		return true
	case EventNote:
		var d NoteData
		return decodeData(e, &d) && (d.Kind == NoteMitigation || d.Kind == NoteDecision)
	}
	return false
}

// notification is whom an event says was told: a page or notification
// delivered (or failed for good), a public update published, the
// regulator.
func (p *Policy) notification(e *Event) (Notification, bool) {
	data, err := e.DecodeData()
	if err != nil {
		return Notification{}, false
	}
	switch d := data.(type) {
	case *PageAttemptData:
		if d.Test || (e.Type == EventPageFailed && !d.GaveUp) {
			return Notification{}, false
		}
		n := Notification{At: e.At, To: p.recipientName(d.Recipient), Via: string(d.Method), What: or(d.What, "paged about the incident")}
		if e.Type == EventPageFailed {
			n.Error = "gave up: " + d.Error
		}
		return n, true
	case *UpdatePublishedData:
		what := "public update #" + strconv.Itoa(d.Number) + " published"
		if d.Severity == P1 || d.Severity == P2 {
			what += " (customers subscribed to its components are emailed)"
		}
		return Notification{At: e.At, To: "status page", Via: "public status page", What: what}, true
	case *RegulatorNotifiedData:
		return Notification{At: e.At, To: d.Regulator, Via: "recorded by " + p.personName(d.By),
			What: strings.TrimSpace("regulator notified " + suffix("ref. ", d.Reference))}, true
	}
	return Notification{}, false
}

func (p *Policy) recipientName(r Recipient) string {
	if r.Person != "" {
		return p.personName(r.Person)
	}
	if c, ok := p.Contact(r.Contact); ok {
		return c.Name
	}
	return r.Contact
}

func (p *Policy) serviceName(id string) string {
	if s, ok := p.Service(id); ok && s.Name != "" {
		return s.Name
	}
	return id
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
