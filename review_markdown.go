package fireline

import (
	"fmt"
	"strings"
	"time"
)

// Markdown writes the review document as Markdown, times in the policy
// calendar's time zone. The approved review's digest is this text's.
func (p *Policy) Markdown(d *ReviewDraft) string {
	loc := p.Calendar.location()
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 -07:00") }
	name := func(id string) string {
		if per, ok := p.Person(id); ok {
			return per.Name
		}
		return id
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Post-incident review: %s %s\n\n", d.Incident, d.Title)
	w("| | |\n|---|---|\n")
	w("| Severity | %s |\n", d.Severity)
	w("| Services | %s |\n", orDash(strings.Join(d.Services, ", ")))
	w("| Declared | %s |\n", at(d.DeclaredAt))
	if d.ResolvedAt != nil {
		w("| Resolved | %s |\n", at(*d.ResolvedAt))
	}
	r := d.Review
	status := "draft"
	if r.Status != "" {
		status = string(r.Status)
	}
	if r.Status == ReviewApproved && r.ApprovedAt != nil {
		status += " by " + name(r.ApprovedBy) + " on " + at(*r.ApprovedAt)
	}
	w("| Review | %s, version %d |\n", status, r.Version)
	if r.Owner != "" {
		w("| Owner | %s |\n", name(r.Owner))
	}
	if r.Due != nil {
		w("| Due | %s |\n", at(*r.Due))
	}
	if r.Meeting != nil {
		w("| Meeting | %s to %s |\n", at(r.Meeting.Start), r.Meeting.End.In(loc).Format("15:04"))
	}
	var people []string
	for _, id := range d.Participants {
		people = append(people, name(id))
	}
	w("| Participants | %s |\n\n", orDash(strings.Join(people, ", ")))

	w("## Summary\n\n%s\n\n", orDash(d.Doc.Summary))
	w("## Impact and scope\n\n%s\n\n", orDash(d.Doc.Impact))
	if d.Scope != "" {
		w("Scope: %s\n\n", d.Scope)
	}

	w("## Response times\n\n| | from | to | took | target | met |\n|---|---|---|---|---|---|\n")
	for _, t := range d.Times {
		from, to, took, met := "—", "—", "—", "—"
		if t.From != nil {
			from = at(*t.From)
		}
		if t.To != nil {
			to = at(*t.To)
		}
		if t.From != nil && t.To != nil {
			took = FormatDuration(t.Took.Round(time.Second))
		}
		if t.Met != nil {
			met = map[bool]string{true: "yes", false: "**no**"}[*t.Met]
		}
		if t.Note != "" {
			took += " (" + t.Note + ")"
		}
		w("| %s | %s | %s | %s | %s | %s |\n", t.Label, from, to, took, orDash(t.Target), met)
	}

	w("\n")
	commsMarkdown(w, d.Comms, at) // review_comms.go
	w("## Timeline\n\n")
	for _, e := range d.Timeline {
		star := ""
		if e.Starred {
			star = "★ "
		}
		w("- %s %s%s (%s)\n", at(e.At), star, oneLine(e.Text), name(e.Actor))
	}

	w("\n## Root cause: 5 Whys\n\n")
	if len(d.Doc.Whys) == 0 {
		w("—\n")
	}
	for i, y := range d.Doc.Whys {
		w("%d. **Why?** %s\n   **Because** %s\n", i+1, oneLine(y.Why), oneLine(y.Because))
		for _, e := range y.Evidence {
			w("   - Evidence: %s\n", e)
		}
	}
	for _, s := range []struct{ title, text string }{{"Technical failures", d.Doc.TechnicalFailures},
		{"Process failures", d.Doc.ProcessFailures}, {"What went well", d.Doc.WentWell}, {"What to improve", d.Doc.Improve}} {
		w("\n## %s\n\n%s\n", s.title, orDash(s.text))
	}

	w("\n## Playbook steps\n\n")
	if len(d.Steps) == 0 {
		w("No playbook was attached.\n")
	}
	for _, s := range d.Steps {
		if s.Done {
			by := ""
			if s.CheckedAt != nil {
				by = " (" + name(s.CheckedBy) + ", " + at(*s.CheckedAt) + ")"
			}
			w("- [x] %s %s%s\n", s.Key, s.Text, by)
		} else {
			w("- [ ] %s %s (skipped)\n", s.Key, s.Text)
		}
	}

	w("\n## Action items\n\n")
	if len(d.ActionItems) == 0 {
		w("None yet.\n")
	} else {
		w("| id | title | kind | owner | deadline | status |\n|---|---|---|---|---|---|\n")
		for _, it := range d.ActionItems {
			w("| %s | %s | %s | %s | %s | %s |\n", it.ID, oneLine(it.Title), it.Kind, name(it.Owner), it.Deadline.In(loc).Format("2006-01-02"), it.Status)
		}
	}
	return b.String()
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
