package fireline

import (
	"slices"
	"strings"
	"time"
)

// The guide review's agenda names the playbooks the quarter's incidents
// used and how their checklists went, so that the review sees which
// playbooks earn their keep and which steps responders skip
// (playbook_usage.go has one playbook's record in full).

// AgendaPlaybook is one playbook's use in the quarter.
type AgendaPlaybook struct {
	Playbook  string `json:"playbook"`
	Title     string `json:"title"`
	Incidents int    `json:"incidents"`
	// Done, Skipped and Open count the steps that applied, over those
	// incidents: checked; unchecked at resolution; unchecked while open.
	Done    int `json:"steps_done"`
	Skipped int `json:"steps_skipped"`
	Open    int `json:"steps_open,omitempty"`
	// Added counts the steps responders added.
	Added int `json:"steps_added,omitempty"`
}

// PlaybooksUsed sums up the playbooks attached to incs (with their
// checklists), most used first, then by id.
func (p *Policy) PlaybooksUsed(incs []*Incident) []AgendaPlaybook {
	var ids []string
	titles := map[string]string{}
	for _, inc := range incs {
		for _, ap := range inc.Checklist.Playbooks {
			if !slices.Contains(ids, ap.ID) {
				ids, titles[ap.ID] = append(ids, ap.ID), ap.Title
			}
		}
	}
	out := []AgendaPlaybook{}
	for _, id := range ids {
		out = append(out, agendaPlaybook(p.PlaybookUsageOf(id, incs, time.Time{}), titles[id]))
	}
	slices.SortStableFunc(out, func(a, b AgendaPlaybook) int {
		if a.Incidents != b.Incidents {
			return b.Incidents - a.Incidents
		}
		return strings.Compare(a.Playbook, b.Playbook)
	})
	return out
}

func agendaPlaybook(u *PlaybookUsage, title string) AgendaPlaybook {
	a := AgendaPlaybook{Playbook: u.Playbook, Title: title, Incidents: len(u.Uses)}
	for _, use := range u.Uses {
		a.Done += use.Done
		a.Skipped += len(use.Skipped)
		a.Open += len(use.Open)
		a.Added += len(use.Added)
	}
	return a
}
