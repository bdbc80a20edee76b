package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/fireline-dev/fireline"
)

// ChecklistView is the body of GET /api/v1/incidents/{id}/checklist: the
// incident's steps for its severity by stage, and the required steps
// still open before it may move to resolution.
type ChecklistView struct {
	Incident  string                    `json:"incident"`
	Severity  fireline.Severity         `json:"severity"`
	Stage     fireline.Stage            `json:"stage"`
	Playbooks []ChecklistPlaybook       `json:"playbooks"`
	Stages    []fireline.ChecklistStage `json:"stages"`
	// OpenRequired are the keys of the required steps still open.
	OpenRequired []string `json:"open_required"`
}

// ChecklistPlaybook is an attached playbook as the checklist lists it.
type ChecklistPlaybook struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Owner    string `json:"owner,omitempty"`
	Matched  string `json:"matched,omitempty"`
	Required bool   `json:"required"`
}

// newChecklist builds the checklist view of an incident under p.
func newChecklist(p *fireline.Policy, inc *fireline.Incident) *ChecklistView {
	c := &ChecklistView{Incident: inc.ID, Severity: inc.Severity, Stage: inc.Stage, Playbooks: []ChecklistPlaybook{},
		Stages: p.ChecklistView(inc), OpenRequired: []string{}}
	if c.Stages == nil {
		c.Stages = []fireline.ChecklistStage{}
	}
	for _, pb := range inc.Checklist.Playbooks {
		c.Playbooks = append(c.Playbooks, ChecklistPlaybook{ID: pb.ID, Title: pb.Title, Owner: pb.Owner, Matched: pb.Matched,
			Required: p.RequiresPlaybook(inc.Severity, pb.ID)})
	}
	for _, s := range p.RequiredOpen(inc) {
		c.OpenRequired = append(c.OpenRequired, s.Key)
	}
	return c
}

type checklistOutput struct {
	Body *ChecklistView
}

func (h *handler) getChecklist(ctx context.Context, in *incidentPath) (*checklistOutput, error) {
	inc, err := h.cfg.Incidents.FindIncident(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &checklistOutput{Body: newChecklist(h.cfg.Policy, inc)}, nil
}

// PlaybookList is the body of GET /api/v1/playbooks.
type PlaybookList struct {
	Playbooks []*fireline.Playbook `json:"playbooks"`
}

type playbooksOutput struct {
	Body PlaybookList
}

func (h *handler) listPlaybooks(ctx context.Context, _ *struct{}) (*playbooksOutput, error) {
	pbs := h.cfg.Policy.Playbooks
	if pbs == nil {
		pbs = []*fireline.Playbook{}
	}
	return &playbooksOutput{Body: PlaybookList{Playbooks: pbs}}, nil
}

// Request bodies and inputs of the checklist's actions.
type (
	attachBody struct {
		Playbook string `json:"playbook" example:"database-performance" doc:"A playbook's id (GET /api/v1/playbooks)."`
	}
	stepBody struct {
		Step string `json:"step" example:"workflow/3" doc:"The step's key, PLAYBOOK/N, as the checklist lists it."`
		Note string `json:"note,omitempty"`
	}
	attachInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[attachBody]
	}
	detachInput struct {
		ID       string `path:"id" example:"INC-42"`
		Playbook string `path:"playbook" example:"database-performance"`
		Reason   string `query:"reason" doc:"Why it does not apply (optional)."`
	}
	stepInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[stepBody]
	}
)

func (h *handler) attachPlaybook(ctx context.Context, in *attachInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActAttachPlaybook, Playbook: b.Playbook}, err)
}

func (h *handler) detachPlaybook(ctx context.Context, in *detachInput) (*incidentOutput, error) {
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActDetachPlaybook, Playbook: in.Playbook, Reason: in.Reason}, nil)
}

func (h *handler) checkStep(ctx context.Context, in *stepInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActCheckStep, StepKey: b.Step, Text: b.Note}, err)
}

func (h *handler) uncheckStep(ctx context.Context, in *stepInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActUncheckStep, StepKey: b.Step, Text: b.Note}, err)
}

// checklistRoutes declares the checklist's API routes.
func (h *handler) checklistRoutes() {
	operation(h, viewer, get("/incidents/{id}/checklist", "get-checklist", "Get an incident's checklist: its playbooks' steps by stage, and the required steps still open", "checklist"), h.getChecklist)
	operation(h, responder, post("/incidents/{id}/playbooks", "attach-playbook", "Attach a playbook", "checklist", 0), h.attachPlaybook)
	operation(h, responder, del("/incidents/{id}/playbooks/{playbook}", "detach-playbook", "Detach a playbook", "checklist", http.StatusOK), h.detachPlaybook)
	operation(h, responder, post("/incidents/{id}/checklist/check", "check-step", "Check a step (who and when go on the timeline, with the note)", "checklist", 0), h.checkStep)
	operation(h, responder, post("/incidents/{id}/checklist/uncheck", "uncheck-step", "Uncheck a step", "checklist", 0), h.uncheckStep)
	operation(h, viewer, get("/playbooks", "list-playbooks", "List the playbooks the server runs", "checklist"), h.listPlaybooks)
}

// checklistAction is the route and body of a checklist action (Act).
func checklistAction(a fireline.Action) (method, suffix string, q url.Values, body any, ok bool) {
	switch a.Kind {
	case fireline.ActAttachPlaybook:
		return http.MethodPost, "/playbooks", nil, attachBody{Playbook: a.Playbook}, true
	case fireline.ActDetachPlaybook:
		if a.Reason != "" {
			q = url.Values{"reason": {a.Reason}}
		}
		return http.MethodDelete, "/playbooks/" + url.PathEscape(a.Playbook), q, nil, true
	case fireline.ActCheckStep:
		return http.MethodPost, "/checklist/check", nil, stepBody{Step: a.StepKey, Note: a.Text}, true
	case fireline.ActUncheckStep:
		return http.MethodPost, "/checklist/uncheck", nil, stepBody{Step: a.StepKey, Note: a.Text}, true
	case fireline.ActAddStep:
		return http.MethodPost, "/checklist/add", nil, addStepBody{Playbook: a.Playbook, Stage: a.Stage, Text: a.Text}, true
	}
	return "", "", nil, nil, false
}
