package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/fireline-dev/fireline"
)

// Playbooks learn: each playbook's page (console and API) shows the
// incidents it was used in, the steps they skipped and the steps
// responders added; the guide page flags playbooks whose last review is
// older than the policy's interval.

// PlaybookRecord is the body of GET /api/v1/playbooks/{id}.
type PlaybookRecord struct {
	Playbook *fireline.Playbook      `json:"playbook"`
	Usage    *fireline.PlaybookUsage `json:"usage"`
}

type playbookRecordOutput struct {
	Body *PlaybookRecord
}

type playbookPath struct {
	ID string `path:"id" example:"security-incident"`
}

func (h *handler) playbookRecord(ctx context.Context, id string) (*PlaybookRecord, error) {
	pb, ok := h.cfg.Policy.Playbook(id)
	if !ok {
		return nil, fireline.Errorf(fireline.ENotFound, "no playbook %q (fireline playbook list)", id)
	}
	if h.cfg.PlaybookUsage == nil {
		return nil, fireline.Errorf(fireline.EUnavailable, "this server keeps no playbook record")
	}
	u, err := h.cfg.PlaybookUsage.PlaybookUsage(ctx, id)
	if err != nil {
		return nil, err
	}
	return &PlaybookRecord{Playbook: pb, Usage: u}, nil
}

func (h *handler) getPlaybook(ctx context.Context, in *playbookPath) (*playbookRecordOutput, error) {
	rec, err := h.playbookRecord(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &playbookRecordOutput{Body: rec}, nil
}

// playbookPage is the console's page of one playbook.
func (h *handler) playbookPage(w http.ResponseWriter, r *http.Request) {
	rec, err := h.playbookRecord(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "playbook", &page{Title: rec.Playbook.Title, Nav: "guide", Data: rec})
}

// guideData is the guide page's: the workflow's stages and the playbooks,
// each with whether its review is overdue.
type guideData struct {
	Stages    []fireline.Stage
	Playbooks []playbookRow
	// Review is the guide's own review: its history and agenda.
	Review *fireline.GuideReviewStatus
}

type playbookRow struct {
	*fireline.Playbook
	Overdue bool
	AgeDays int
}

func (h *handler) newGuideData() guideData {
	d := guideData{Stages: fireline.Stages}
	for _, pb := range h.cfg.Policy.Playbooks {
		overdue, age := h.cfg.Policy.ReviewOverdue(pb, h.now())
		d.Playbooks = append(d.Playbooks, playbookRow{Playbook: pb, Overdue: overdue, AgeDays: age})
	}
	return d
}

// Adding a step to an incident's checklist.
type (
	addStepBody struct {
		Playbook string         `json:"playbook" example:"security-incident" doc:"An attached playbook's id."`
		Stage    fireline.Stage `json:"stage,omitempty" doc:"The stage the step belongs to (the incident's current one when left out)."`
		Text     string         `json:"text" doc:"What to do."`
	}
	addStepInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[addStepBody]
	}
)

func (h *handler) addStep(ctx context.Context, in *addStepInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActAddStep, Playbook: b.Playbook, Stage: b.Stage, Text: b.Text}, err)
}

func (h *handler) formAddStep(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "checklist", fireline.Action{Kind: fireline.ActAddStep, Playbook: r.PostForm.Get("playbook"),
		Stage: fireline.Stage(r.PostForm.Get("stage")), Text: r.PostForm.Get("text")})
}

func (h *handler) playbookRoutes(rt *router) {
	operation(h, viewer, get("/playbooks/{id}", "get-playbook", "Get a playbook with the incidents it was used in, the steps they skipped and added, and whether its review is overdue", "checklist"), h.getPlaybook)
	operation(h, responder, post("/incidents/{id}/checklist/add", "add-step", "Add a step the playbook lacks to an incident's checklist", "checklist", 0), h.addStep)
	rt.console("GET /playbooks/{id}", viewer, h.playbookPage)
	rt.console("POST /incidents/{id}/checklist/add", responder, h.formAddStep)
}

// PlaybookRecord returns a playbook with its record (GET /api/v1/playbooks/{id}).
func (c *Client) PlaybookRecord(ctx context.Context, id string) (*PlaybookRecord, error) {
	return call[PlaybookRecord](ctx, c, http.MethodGet, "/playbooks/"+url.PathEscape(id), nil, nil)
}
