package fireline

import (
	"fmt"
	"strings"
)

// What an incident's channel shows: the pinned summary, and one line for
// each timeline event worth telling the channel about.

// SlackSummary is the pinned summary: title, severity, status, stage,
// roles, impact, ETA and the incident's link, with its buttons. It is
// edited in place whenever it changes.
func (p *Policy) SlackSummary(inc *Incident, url string) SlackMessage {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s [%s] %s*\n", inc.ID, inc.Severity, inc.Title)
	fmt.Fprintf(&b, "Status: %s · Stage: %s\n", inc.Status, inc.Stage)
	for _, r := range inc.Roles {
		fmt.Fprintf(&b, "%s: %s\n", p.roleName(r.Role), p.personName(r.Person))
	}
	if inc.Impact != "" {
		fmt.Fprintf(&b, "Impact: %s\n", inc.Impact)
	}
	if inc.ETA != nil {
		fmt.Fprintf(&b, "ETA: %s\n", inc.ETA.UTC().Format("2006-01-02 15:04 MST"))
	}
	if len(inc.Services) > 0 {
		fmt.Fprintf(&b, "Services: %s\n", strings.Join(inc.Services, ", "))
	}
	if url != "" {
		fmt.Fprintf(&b, "<%s|Open %s in Fireline>", url, inc.ID)
	}
	return SlackMessage{Text: strings.TrimRight(b.String(), "\n"), Incident: inc.ID, URL: url, Buttons: inc.Status.Open()}
}

func (p *Policy) roleName(id IncidentRole) string {
	if r, ok := p.Role(id); ok && r.Name != "" {
		return r.Name
	}
	return string(id)
}

// SlackLine is what the channel is told of an event, if anything: the
// severity, stage, roles, alerts, pages, public updates, the
// acknowledgement, notes made in Fireline, and the resolution notice.
func (p *Policy) SlackLine(ev *Event) (string, bool) {
	data, err := ev.DecodeData()
	if err != nil {
		return "", false
	}
	by := p.personName(ev.Actor)
	switch d := data.(type) {
	case *AcknowledgedData:
		return "Acknowledged by " + by, true
	case *SeverityChangedData:
		return fmt.Sprintf("Severity %s → %s by %s: %s", d.From, d.To, by, d.Reason), true
	case *StageChangedData:
		return fmt.Sprintf("Stage %s → %s", d.From, d.To), true
	case *RoleAssignedData:
		return fmt.Sprintf("%s is now %s", p.personName(d.Person), p.roleName(d.Role)), true
	case *AlertAttachedData:
		return fmt.Sprintf("Alert [%s]: %s", d.Severity, d.Summary), true
	case *EscalationStepData:
		return p.pagedLine(d)
	case *UpdatePublishedData:
		return fmt.Sprintf("Public update #%d published", d.Number), true
	case *NoteData:
		if d.Source != nil {
			return "", false // it came from the channel
		}
		return fmt.Sprintf("%s (%s): %s", noteTitle(d.Kind), by, d.Text), true
	case *ResolvedData:
		return "Resolved by " + by + ": " + d.Summary + "\nThis channel will be archived.", true
	case *ReopenedData:
		return "Reopened by " + by + ": " + d.Reason, true
	}
	return "", false
}

func (p *Policy) pagedLine(d *EscalationStepData) (string, bool) {
	if len(d.Recipients) == 0 {
		return "", false
	}
	var names []string
	for _, r := range d.Recipients {
		if r.Person != "" {
			names = append(names, p.personName(r.Person))
		} else if c, ok := p.Contact(r.Contact); ok {
			names = append(names, c.Name)
		}
	}
	return fmt.Sprintf("Paged %s (%s)", strings.Join(names, ", "), d.Name), true
}

func noteTitle(k NoteKind) string {
	switch k {
	case NoteDecision:
		return "Decision"
	case NoteFinding:
		return "Finding"
	case NoteMitigation:
		return "Mitigation step"
	}
	return "Note"
}

// SlackResponders are the people a channel invites: the incident's
// members (role holders among them) and the people events paged.
func SlackResponders(inc *Incident, events []*Event) []string {
	out := append([]string(nil), inc.Members...)
	for _, ev := range events {
		if ev.Type != EventEscalationStep {
			continue
		}
		var d EscalationStepData
		if decodeData(ev, &d) {
			for _, r := range d.Recipients {
				if r.Person != "" && !containsString(out, r.Person) {
					out = append(out, r.Person)
				}
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
