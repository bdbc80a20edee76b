package web

import (
	"net/http"
	"strings"

	"github.com/fireline-dev/fireline"
)

// checklistPanel is the incident page's checklist: the stages in workflow
// order (the current one, and earlier ones with open steps, unfolded),
// the playbooks that could be attached, and whether resolving needs the
// commander's override.
type checklistPanel struct {
	*ChecklistView
	Open       map[fireline.Stage]bool
	Attachable []*fireline.Playbook
	// Gated: required steps are open, so the resolve and stage forms ask
	// for an override reason.
	Gated bool
}

func newChecklistPanel(p *fireline.Policy, inc *fireline.Incident) *checklistPanel {
	c := &checklistPanel{ChecklistView: newChecklist(p, inc), Open: map[fireline.Stage]bool{}}
	cur := stageOrder(inc.Stage)
	for _, st := range c.Stages {
		c.Open[st.Stage] = st.Stage == inc.Stage || (stageOrder(st.Stage) < cur && st.Done < st.Total)
	}
	for _, pb := range p.Playbooks {
		if inc.Checklist.Attached(pb.ID) == nil {
			c.Attachable = append(c.Attachable, pb)
		}
	}
	c.Gated = inc.Status.Open() && len(c.OpenRequired) > 0
	return c
}

func stageOrder(s fireline.Stage) int {
	for i, st := range fireline.Stages {
		if st == s {
			return i
		}
	}
	return -1
}

// describeChecklist words the checklist's events for the timeline.
func describeChecklist(v *eventView, data any, p *fireline.Policy) bool {
	switch d := data.(type) {
	case *fireline.PlaybookAttachedData:
		v.Kind = "checklist"
		v.What = "attached the playbook " + d.Playbook.Title
		if d.Matched != "" {
			v.Detail = "Matched " + d.Matched
		}
	case *fireline.PlaybookDetachedData:
		v.Kind = "checklist"
		v.What, v.Detail = "detached the playbook "+or(d.Title, d.Playbook), d.Reason
	case *fireline.StepCheckedData:
		v.Kind = "checklist"
		v.Lead = personName(p, d.By)
		verb := "checked "
		if v.Type == string(fireline.EventStepUnchecked) {
			verb = "unchecked "
		}
		v.What = verb + d.Step + ": " + d.Text
		v.Detail = d.Note
		if d.Auto != "" {
			v.Detail = "Checked by itself: " + humanize(strings.ReplaceAll(d.Auto, ":", " "))
		}
	case *fireline.StepAddedData:
		v.Kind = "checklist"
		v.Lead = personName(p, d.By)
		v.What = "added the step " + d.Key + " (" + stageName(d.Stage) + "): " + d.Text
	case *fireline.ChecklistOverriddenData:
		v.Kind = "override"
		v.Lead = personName(p, d.By)
		v.What = "overrode the checklist: moved to resolution with " + strings.Join(d.Open, ", ") + " open"
		v.Detail = d.Reason
	default:
		return false
	}
	return true
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (h *handler) formCheckStep(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "checklist", fireline.Action{Kind: fireline.ActCheckStep, StepKey: r.PostForm.Get("step"), Text: r.PostForm.Get("note")})
}

func (h *handler) formUncheckStep(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "checklist", fireline.Action{Kind: fireline.ActUncheckStep, StepKey: r.PostForm.Get("step"), Text: r.PostForm.Get("note")})
}

func (h *handler) formAttachPlaybook(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "checklist", fireline.Action{Kind: fireline.ActAttachPlaybook, Playbook: r.PostForm.Get("playbook")})
}

func (h *handler) formDetachPlaybook(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "checklist", fireline.Action{Kind: fireline.ActDetachPlaybook, Playbook: r.PathValue("playbook"), Reason: r.PostForm.Get("reason")})
}
