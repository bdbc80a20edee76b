package fireline

import (
	"fmt"
	"strings"
	"time"
)

// ReportMarkdown writes an incident report as Markdown, times in the
// policy calendar's time zone.
func (p *Policy) ReportMarkdown(r *IncidentReport) string {
	loc := p.Calendar.location()
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05 -07:00") }
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Incident report: %s %s\n\n", r.Incident, oneLine(r.Title))
	w("| | |\n|---|---|\n")
	w("| Severity | %s |\n| Source | %s |\n| Status | %s |\n", r.Severity, r.Source, r.Status)
	if r.Restricted {
		w("| Access | restricted to the incident's members and admins |\n")
	}
	w("| Detected | %s |\n", at(r.DetectedAt))
	if r.AcknowledgedAt != nil {
		w("| Acknowledged | %s |\n", at(*r.AcknowledgedAt))
	}
	if r.ResolvedAt != nil {
		w("| Resolved | %s |\n", at(*r.ResolvedAt))
	}
	if c := r.Regulatory; c != nil {
		w("| Regulator due | %s%s |\n", at(c.Due), regulatoryState(c, at))
	}
	w("| Policy | %s |\n| Timeline | %d events, head hash `%s` |\n\n", r.PolicyVersion, r.Events, r.HeadHash)

	w("## What happened\n\n%s\n\n", orDash(r.Description))
	if r.Summary != "" {
		w("Resolution: %s\n\n", r.Summary)
	}
	w("## Systems and data affected\n\n- Services: %s\n- Impact: %s\n- Scope: %s\n\n",
		orDash(strings.Join(r.Services, ", ")), orDash(oneLine(r.Impact)), orDash(oneLine(r.Scope)))

	w("## Actions taken\n\n")
	for _, k := range r.Actions {
		w("- %s, %s: %s\n", at(k.At), p.personName(k.Actor), oneLine(k.Text))
	}
	if len(r.Actions) == 0 {
		w("None recorded.\n")
	}
	w("\n## Evidence\n\n")
	if len(r.Evidence) > 0 {
		w("| File | Size | SHA-256 | Preserved | Reads |\n|---|---|---|---|---|\n")
		for _, ev := range r.Evidence {
			w("| %s | %d | `%s` | %s by %s | %d |\n", cell(ev.Name), ev.Size, ev.SHA256, at(ev.AddedAt), p.personName(ev.AddedBy), r.EvidenceReads[ev.SHA256])
		}
		w("\nCheck the files with `fireline incident verify EXPORT --evidence DIR`.\n")
	} else {
		w("None preserved.\n")
	}
	w("\n## Who was notified\n\n")
	if len(r.Notified) > 0 {
		w("| When | Who | How | What |\n|---|---|---|---|\n")
		for _, n := range r.Notified {
			w("| %s | %s | %s | %s |\n", at(n.At), cell(n.To), cell(n.Via), cell(n.What+suffix("; ", n.Error)))
		}
	} else {
		w("Nobody.\n")
	}
	w("\n## Timeline\n\n")
	for _, k := range r.Timeline {
		w("%d. %s, %s: %s\n", k.Seq, at(k.At), p.personName(k.Actor), oneLine(k.Text))
	}
	w("\nGenerated %s.\n", at(r.GeneratedAt))
	return b.String()
}

// regulatoryState words a regulatory clock's outcome for the report.
func regulatoryState(c *RegulatoryClock, at func(time.Time) string) string {
	switch {
	case c.NotifiedAt != nil:
		return "; notified " + at(*c.NotifiedAt)
	case c.BreachedAt != nil:
		return "; breached, not yet notified"
	}
	return "; not yet notified"
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }
