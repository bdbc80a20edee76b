package fireline

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ReviewDraft is the review document as it stands: what the timeline
// fills in (summary and impact until someone writes them, services, the
// curated timeline, the response times against the severity's targets,
// the playbook steps done and skipped) and what people wrote.
type ReviewDraft struct {
	Incident    string         `json:"incident"`
	Title       string         `json:"title"`
	Severity    Severity       `json:"severity"`
	Status      Status         `json:"status"`
	Services    []string       `json:"services"`
	Restricted  bool           `json:"restricted"`
	DeclaredAt  time.Time      `json:"declared_at"`
	ResolvedAt  *time.Time     `json:"resolved_at,omitempty"`
	Review      Review         `json:"review"`
	Doc         ReviewDoc      `json:"doc"`
	Scope       string         `json:"scope,omitempty"`
	Times       []ResponseTime `json:"times"`
	Timeline    []KeyEvent     `json:"timeline"`
	Steps       []StepOutcome  `json:"steps"`
	ActionItems []ActionItem   `json:"action_items"`
	// Participants are whom the meeting invites: as scheduled, else the
	// default (owner, role holders, everyone who acted).
	Participants []string `json:"participants"`
	// Hints point out phrasing that names a person as a cause.
	Hints []BlamelessHint `json:"hints"`
	// Comms is how the public updates kept the cadence (review_comms.go).
	Comms *CommsCompliance `json:"comms,omitempty"`
}

// ResponseTime is one computed time of the response: from, to, how long,
// and the severity's target when it has one.
type ResponseTime struct {
	Name  string        `json:"name"` // detect, acknowledge, mitigate, resolve
	Label string        `json:"label"`
	From  *time.Time    `json:"from,omitempty"`
	To    *time.Time    `json:"to,omitempty"`
	Took  time.Duration `json:"took_ns,omitempty"`
	// Target is the severity's target in words ("immediate", "4h"), Due
	// the incident's clock, Met whether To came by it.
	Target string     `json:"target,omitempty"`
	Due    *time.Time `json:"due,omitempty"`
	Met    *bool      `json:"met,omitempty"`
	// Note says why a time is missing.
	Note string `json:"note,omitempty"`
}

// KeyEvent is an entry of the review's curated timeline.
type KeyEvent struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Type    EventType `json:"type"`
	Text    string    `json:"text"`
	Starred bool      `json:"starred,omitempty"`
}

// StepOutcome is a playbook step done or skipped.
type StepOutcome struct {
	Key       string     `json:"key"`
	Playbook  string     `json:"playbook"`
	Stage     Stage      `json:"stage"`
	Text      string     `json:"text"`
	Done      bool       `json:"done"`
	CheckedBy string     `json:"checked_by,omitempty"`
	CheckedAt *time.Time `json:"checked_at,omitempty"`
	Note      string     `json:"note,omitempty"`
}

// DraftReview builds the review document of an incident from its state,
// its timeline and its alerts.
func (p *Policy) DraftReview(inc *Incident, events []*Event, alerts []Alert) *ReviewDraft {
	d := &ReviewDraft{Incident: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status,
		Services: slices.Clone(inc.Services), Restricted: inc.Restricted, DeclaredAt: inc.DeclaredAt, ResolvedAt: inc.ResolvedAt,
		Scope: inc.Scope, ActionItems: slices.Clone(inc.ActionItems), Times: []ResponseTime{}, Timeline: []KeyEvent{}, Steps: []StepOutcome{}}
	if d.ActionItems == nil {
		d.ActionItems = []ActionItem{}
	}
	if inc.Review != nil {
		d.Review = *inc.Review
	}
	d.Doc = d.Review.Doc
	if d.Doc.Summary == "" {
		d.Doc.Summary = draftSummary(inc, events)
	}
	if d.Doc.Impact == "" {
		d.Doc.Impact = inc.Impact
	}
	d.Participants = d.Review.Participants
	if d.Participants == nil {
		d.Participants = slices.DeleteFunc(p.DefaultParticipants(inc, Actors(events)), func(id string) bool { return slices.Contains(d.Review.Dropped, id) })
	}
	d.Times = p.responseTimes(inc, events, alerts)
	d.Timeline = p.keyEvents(inc, events)
	d.Steps = stepOutcomes(inc)
	d.Comms = p.CommsCompliance(inc)
	d.Hints = BlamelessHints(p, d.Doc)
	return d
}

// Actors are the people who acted on a timeline, in the order they first
// did (automations and the pager left out).
func Actors(events []*Event) []string {
	var out []string
	for _, e := range events {
		if IsPersonActor(e.Actor) && !slices.Contains(out, e.Actor) {
			out = append(out, e.Actor)
		}
	}
	return out
}

// draftSummary is the summary until someone writes one: the incident's
// title, description and resolution summary.
func draftSummary(inc *Incident, events []*Event) string {
	var parts []string
	parts = append(parts, inc.Title+".")
	if inc.Description != "" {
		parts = append(parts, inc.Description)
	}
	for _, e := range events {
		if e.Type == EventResolved {
			var r ResolvedData
			if decodeData(e, &r) && r.Summary != "" {
				parts = append(parts, "Resolved: "+r.Summary)
			}
		}
	}
	return strings.Join(parts, " ")
}

// responseTimes computes detect (first alert to declaration), acknowledge,
// mitigate (to the first mitigation step) and resolve, from declaration,
// against the severity's targets and the incident's clocks.
func (p *Policy) responseTimes(inc *Incident, events []*Event, alerts []Alert) []ResponseTime {
	declared := inc.DeclaredAt
	span := func(name, label string, from, to *time.Time) ResponseTime {
		rt := ResponseTime{Name: name, Label: label, From: from, To: to}
		if from != nil && to != nil {
			rt.Took = max(to.Sub(*from), 0)
		}
		return rt
	}
	var first *time.Time
	for _, a := range alerts {
		t := a.FirstSeenAt
		if a.StartsAt != nil && a.StartsAt.Before(t) {
			t = *a.StartsAt
		}
		if first == nil || t.Before(*first) {
			t := t.UTC()
			first = &t
		}
	}
	detect := span("detect", "Detect (first alert to declaration)", first, &declared)
	if first == nil {
		detect.Note = "no alert: declared by a person"
	} else if first.After(declared) {
		detect.Took, detect.Note = 0, "the first alert came after the declaration"
	}
	ack := span("acknowledge", "Acknowledge", &declared, inc.AcknowledgedAt)
	var mitigated *time.Time
	for _, e := range events {
		var n NoteData
		if e.Type == EventNote && decodeData(e, &n) && n.Kind == NoteMitigation {
			t := e.At
			mitigated = &t
			break
		}
	}
	mit := span("mitigate", "Mitigate (first mitigation step)", &declared, mitigated)
	if mitigated == nil {
		mit.Note = "no mitigation step recorded"
	}
	res := span("resolve", "Resolve", &declared, inc.ResolvedAt)
	if sp, ok := p.Severity(inc.Severity); ok {
		target := sp.Respond.OutsideBusinessHours
		if p.Calendar.InBusinessHours(inc.SeveritySetAt) {
			target = sp.Respond.BusinessHours
		}
		ack.Target, res.Target = target.String(), sp.Resolve.String()
		met := func(rt *ResponseTime, due time.Time) {
			rt.Due = &due
			if rt.To != nil {
				ok := !rt.To.After(due.Add(ClockTolerance))
				rt.Met = &ok
			}
		}
		met(&ack, inc.RespondBy)
		met(&res, inc.ResolveBy)
	}
	if inc.AcknowledgedAt == nil {
		ack.Note = "never acknowledged"
	}
	return []ResponseTime{detect, ack, mit, res}
}

// keyEvents is the curated timeline: the events responders starred, and
// always the declaration, pages, acknowledgement, severity and stage
// changes, mitigation steps, breaches, resolution and reopening.
func (p *Policy) keyEvents(inc *Incident, events []*Event) []KeyEvent {
	var starred []int64
	if inc.Review != nil {
		starred = inc.Review.Starred
	}
	out := []KeyEvent{}
	for _, e := range events {
		star := slices.Contains(starred, e.Seq)
		text, key := p.eventText(e)
		if key || star {
			out = append(out, KeyEvent{Seq: e.Seq, At: e.At, Actor: e.Actor, Type: e.Type, Text: text, Starred: star})
		}
	}
	return out
}

// eventText puts an event in words for the review, and says whether it is
// always a key event.
func (p *Policy) eventText(e *Event) (string, bool) {
	data, err := e.DecodeData()
	if err != nil {
		return strings.ReplaceAll(string(e.Type), "_", " "), false
	}
	name := func(id string) string {
		if per, ok := p.Person(id); ok {
			return per.Name
		}
		return id
	}
	switch d := data.(type) {
	case *DeclaredData:
		return "Declared " + string(d.Severity) + ": " + d.Title, true
	case *AcknowledgedData:
		return "Acknowledged by " + name(e.Actor), true
	case *SeverityChangedData:
		return "Severity " + string(d.From) + " → " + string(d.To) + suffix(": ", d.Reason), true
	case *StageChangedData:
		return "Stage " + strings.ReplaceAll(string(d.From), "_", " ") + " → " + strings.ReplaceAll(string(d.To), "_", " ") + suffix(": ", d.Reason), true
	case *EscalationStepData:
		if len(d.Recipients) == 0 {
			return "Page step " + d.Name + ": reached no one", true
		}
		var names []string
		for _, r := range d.Recipients {
			if r.Person != "" {
				names = append(names, name(r.Person))
			} else {
				names = append(names, r.Contact)
			}
		}
		return "Paged " + strings.Join(names, ", ") + " (" + d.Name + ")", true
	case *NoteData:
		return strings.ReplaceAll(string(d.Kind), "_", " ") + ": " + d.Text, d.Kind == NoteMitigation
	case *ClockData:
		if e.Type == EventClockBreached {
			return string(d.Clock) + " clock breached (due " + d.Due.Format(time.RFC3339) + ")", true
		}
		return string(d.Clock) + " clock at risk", false
	case *ResolvedData:
		return "Resolved" + suffix(": ", d.Summary), true
	case *ReopenedData:
		return "Reopened: " + d.Reason, true
	case *RoleAssignedData:
		return name(d.Person) + " became " + strings.ReplaceAll(string(d.Role), "_", " "), d.Role == RoleIncidentCommander
	case *AlertAttachedData:
		return "Alert #" + strconv.FormatInt(d.Alert, 10) + ": " + d.Summary, false
	case *UnansweredData:
		return "Nobody acknowledged: paging stopped", true
	case *PlaybookAttachedData:
		return "Playbook attached: " + d.Playbook.Title + paren(d.Matched), false
	case *MemberAddedData:
		return name(d.Person) + " joined", false
	case *UpdatedData:
		return "Updated" + updatedNames(d), false
	case *PageAttemptData:
		who := name(d.Recipient.Person)
		if d.Recipient.Person == "" {
			who = d.Recipient.Contact
		}
		if e.Type == EventPageFailed {
			return "Page to " + who + " by " + string(d.Method) + " failed: " + d.Error, false
		}
		return "Page sent to " + who + " by " + string(d.Method) + paren(d.What), false
	case *StepAddedData:
		return "Added step " + d.Key + " to the checklist: " + d.Text, false
	case *EvidenceAddedData:
		return "Evidence preserved: " + d.Name + " (" + strconv.FormatInt(d.Size, 10) + " bytes, SHA-256 " + d.SHA256 + ")" + suffix(": ", d.Note), false
	case *EvidenceReadData:
		return "Evidence read by " + name(e.Actor) + ": " + d.Name, false
	case *RegulatoryStartedData:
		return "Regulatory clock started: notify the regulator by " + d.Due.Format(time.RFC3339) + paren(d.Name), false
	case *RegulatorNotifiedData:
		return "Regulator notified: " + d.Regulator + suffix(", ref. ", d.Reference) + " (recorded by " + name(d.By) + ")", true
	case *StepCheckedData:
		verb := "Checked "
		if e.Type == EventStepUnchecked {
			verb = "Unchecked "
		}
		return verb + d.Step + ": " + d.Text + paren(d.Note), false
	}
	return strings.ReplaceAll(string(e.Type), "_", " "), false
}

// updatedNames lists what an update set: ": impact, scope".
func updatedNames(d *UpdatedData) string {
	var names []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"title", d.Title != nil}, {"description", d.Description != nil}, {"impact", d.Impact != nil}, {"scope", d.Scope != nil},
		{"services", d.Services != nil}, {"ETA", d.ETA != nil || d.ClearETA}} {
		if f.set {
			names = append(names, f.name)
		}
	}
	return suffix(": ", strings.Join(names, ", "))
}

// paren is " (s)", or "" for no s.
func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func suffix(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func stepOutcomes(inc *Incident) []StepOutcome {
	out := []StepOutcome{}
	for _, pb := range inc.Checklist.Playbooks {
		for _, s := range pb.Steps {
			if !s.AppliesToSeverity(inc.Severity) {
				continue
			}
			out = append(out, StepOutcome{Key: s.Key, Playbook: pb.ID, Stage: s.Stage, Text: s.Text, Done: s.Checked,
				CheckedBy: s.CheckedBy, CheckedAt: s.CheckedAt, Note: s.Note})
		}
	}
	return out
}

// BlamelessHint points out a sentence of the review that names a person
// as a cause: the guide asks for learning, not blame.
type BlamelessHint struct {
	Field    string `json:"field"`
	Sentence string `json:"sentence"`
	Person   string `json:"person"`
	Phrase   string `json:"phrase"`
	Advice   string `json:"advice"`
}

// blamePhrases are the words that, in a sentence naming a person, make
// the person the cause.
var blamePhrases = []string{"fault", "blame", "caused", "because of", "mistake", "careless", "negligent", "forgot",
	"failed to", "should have", "shouldn't have", "didn't", "did not", "messed up", "screwed up", "broke", "human error", "error by"}

// BlamelessHints applies one explainable rule to the document's text: a
// sentence that names a person of the directory (their id, full name or
// first name, as a whole word) and holds a blame phrase ("forgot",
// "caused", "should have", ...) is pointed out, with advice to describe
// what made the failure possible instead of who.
func BlamelessHints(p *Policy, doc ReviewDoc) []BlamelessHint {
	out := []BlamelessHint{}
	check := func(field, text string) {
		for _, s := range sentences(text) {
			lower := strings.ToLower(s)
			phrase := ""
			for _, ph := range blamePhrases {
				if containsWords(lower, ph) {
					phrase = ph
					break
				}
			}
			if phrase == "" {
				continue
			}
			if who := namedPerson(p, lower); who != "" {
				out = append(out, BlamelessHint{Field: field, Sentence: s, Person: who, Phrase: phrase,
					Advice: fmt.Sprintf("this names %s as a cause (%q): describe what happened and what made it possible (the system, the process, the information at hand), not who", who, phrase)})
			}
		}
	}
	check("summary", doc.Summary)
	check("impact", doc.Impact)
	for i, w := range doc.Whys {
		check("whys["+strconv.Itoa(i)+"].why", w.Why)
		check("whys["+strconv.Itoa(i)+"].because", w.Because)
	}
	check("technical_failures", doc.TechnicalFailures)
	check("process_failures", doc.ProcessFailures)
	check("went_well", doc.WentWell)
	check("improve", doc.Improve)
	return out
}

// namedPerson returns the name of the first person of the directory the
// lower-cased text names.
func namedPerson(p *Policy, lower string) string {
	for _, per := range p.People {
		first, _, _ := strings.Cut(per.Name, " ")
		for _, n := range []string{per.ID, per.Name, first} {
			if n != "" && containsWords(lower, strings.ToLower(n)) {
				return per.Name
			}
		}
	}
	return ""
}

// sentences splits text at sentence ends and line breaks.
func sentences(text string) []string {
	var out []string
	start := 0
	flush := func(end int) {
		if s := strings.TrimSpace(text[start:end]); s != "" {
			out = append(out, strings.TrimLeft(s, "-*• "))
		}
		start = end
	}
	for i, r := range text {
		switch {
		case r == '\n':
			flush(i)
		case r == '.' || r == '!' || r == '?':
			if next := i + 1; next >= len(text) || unicode.IsSpace(rune(text[next])) {
				flush(next)
			}
		}
	}
	flush(len(text))
	return out
}
