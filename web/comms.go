package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// Communications in the API and the console: public updates drafted,
// approved and rejected (the domain decides who may approve), the
// internal status page, and the cadence's compliance.

// Request bodies and inputs of public updates. Client sends the same.
type (
	rejectBody struct {
		Reason string `json:"reason,omitempty"`
	}
	draftInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[fireline.PublicUpdateInput]
	}
	updateNumberInput struct {
		ID     string `path:"id" example:"INC-42"`
		Number int    `path:"number" example:"1"`
	}
	rejectInput struct {
		ID     string `path:"id" example:"INC-42"`
		Number int    `path:"number" example:"1"`
		jsonBody[rejectBody]
	}
	templateInput struct {
		ID     string `path:"id" example:"INC-42"`
		Status string `query:"status" example:"identified" doc:"investigating, identified, monitoring or resolved"`
	}
	internalInput struct {
		Days int `query:"days" default:"7" doc:"How many days back resolved incidents are listed (1-90)."`
	}
)

// PublicUpdates is the body of GET /api/v1/incidents/{id}/public-updates.
type PublicUpdates struct {
	Incident string                  `json:"incident"`
	Updates  []fireline.PublicUpdate `json:"updates"`
	// NextDue is when the next public update is due; null when none is.
	NextDue     *time.Time            `json:"next_due"`
	Obligations []fireline.Obligation `json:"obligations"`
	// NeedsApproval says whether drafts wait for the commander or liaison.
	NeedsApproval bool                    `json:"needs_approval"`
	Approvers     []fireline.IncidentRole `json:"approvers"`
}

// FilledTemplate is the body of GET .../public-updates/template.
type FilledTemplate struct {
	Status fireline.PublicStatus `json:"status"`
	Text   string                `json:"text"`
}

// ComplianceReport is the body of GET /api/v1/status/compliance.
type ComplianceReport struct {
	Severities []fireline.Compliance `json:"severities"`
}

type (
	publicUpdatesOutput struct{ Body *PublicUpdates }
	templateOutput      struct{ Body *FilledTemplate }
	internalOutput      struct{ Body *fireline.InternalStatus }
	complianceOutput    struct{ Body *ComplianceReport }
)

// commsRoutes declares the routes of public updates and the internal
// status page.
func (h *handler) commsRoutes(rt *router) {
	operation(h, viewer, get("/incidents/{id}/public-updates", "list-public-updates", "List an incident's public updates, drafts included, and when the next is due", "communications"), h.listPublicUpdates)
	operation(h, responder, post("/incidents/{id}/public-updates", "draft-public-update", "Draft a public update (empty text: the status's template filled in); severities that need no approval publish at once", "communications", http.StatusCreated), h.draftPublicUpdate)
	operation(h, responder, post("/incidents/{id}/public-updates/{number}/approve", "approve-public-update", "Approve and publish a draft (the incident's commander or communications liaison, as the policy says)", "communications", 0), h.approvePublicUpdate)
	operation(h, responder, post("/incidents/{id}/public-updates/{number}/reject", "reject-public-update", "Reject a draft (the incident's commander or communications liaison)", "communications", 0), h.rejectPublicUpdate)
	operation(h, viewer, get("/incidents/{id}/public-updates/template", "public-update-template", "The template of a status filled in with the incident's facts", "communications"), h.publicUpdateTemplate)
	operation(h, viewer, get("/status/internal", "internal-status", "The internal status page: open incidents with their commander, liaison, ETA and latest update; recently resolved", "communications"), h.internalStatus)
	operation(h, viewer, get("/status/compliance", "update-compliance", "Public update cadence compliance by severity: obligations on time, late, overdue and missed", "communications"), h.updateCompliance)

	rt.console("GET /status/internal", viewer, h.internalStatusPage)
	rt.console("POST /incidents/{id}/public-updates", responder, h.formDraftUpdate)
	rt.console("POST /incidents/{id}/public-updates/{number}/approve", responder, h.formApproveUpdate)
	rt.console("POST /incidents/{id}/public-updates/{number}/reject", responder, h.formRejectUpdate)
}

func newPublicUpdates(p *fireline.Policy, inc *fireline.Incident) *PublicUpdates {
	pu := &PublicUpdates{Incident: inc.ID, Updates: inc.Comms.Updates, Obligations: inc.Comms.Obligations,
		NeedsApproval: p.NeedsApproval(inc.Severity), Approvers: p.CommsApprovers()}
	if pu.Updates == nil {
		pu.Updates = []fireline.PublicUpdate{}
	}
	if pu.Obligations == nil {
		pu.Obligations = []fireline.Obligation{}
	}
	if due, _, ok := p.NextUpdateDue(inc); ok {
		pu.NextDue = &due
	}
	return pu
}

func (h *handler) listPublicUpdates(ctx context.Context, in *incidentPath) (*publicUpdatesOutput, error) {
	inc, err := h.cfg.Incidents.FindIncident(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &publicUpdatesOutput{Body: newPublicUpdates(h.cfg.Policy, inc)}, nil
}

func (h *handler) draftPublicUpdate(ctx context.Context, in *draftInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActDraftUpdate, PublicUpdate: &b}, err)
}

func (h *handler) approvePublicUpdate(ctx context.Context, in *updateNumberInput) (*incidentOutput, error) {
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActApproveUpdate, UpdateNumber: in.Number}, nil)
}

func (h *handler) rejectPublicUpdate(ctx context.Context, in *rejectInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActRejectUpdate, UpdateNumber: in.Number, Reason: b.Reason}, err)
}

func (h *handler) publicUpdateTemplate(ctx context.Context, in *templateInput) (*templateOutput, error) {
	inc, err := h.cfg.Incidents.FindIncident(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	st := fireline.PublicStatus(in.Status)
	if st == "" {
		st = nextPublicStatus(inc)
	}
	return &templateOutput{Body: &FilledTemplate{Status: st, Text: h.cfg.Policy.FillTemplate(inc, st)}}, nil
}

// nextPublicStatus is the status a new draft most likely has: the last
// published one, investigating for the first, resolved once resolved.
func nextPublicStatus(inc *fireline.Incident) fireline.PublicStatus {
	if !inc.Status.Open() {
		return fireline.PublicResolved
	}
	if u, ok := inc.Comms.LastPublished(); ok {
		return u.Status
	}
	return fireline.PublicInvestigating
}

func (h *handler) internalStatusData(ctx context.Context, days int) (*fireline.InternalStatus, error) {
	if h.cfg.Status == nil {
		return nil, fireline.Errorf(fireline.EUnavailable, "the status pages are not configured")
	}
	if days < 1 || days > 90 {
		return nil, &fireline.Error{Code: fireline.EInvalid, Message: "invalid request", Fields: []fireline.FieldError{{Field: "days", Message: "want 1 to 90"}}}
	}
	return h.cfg.Status.InternalStatus(ctx, h.now().AddDate(0, 0, -days))
}

func (h *handler) internalStatus(ctx context.Context, in *internalInput) (*internalOutput, error) {
	s, err := h.internalStatusData(ctx, in.Days)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &internalOutput{Body: s}, nil
}

func (h *handler) updateCompliance(ctx context.Context, _ *struct{}) (*complianceOutput, error) {
	if h.cfg.Status == nil {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnavailable, "the status pages are not configured"))
	}
	c, err := h.cfg.Status.UpdateCompliance(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &complianceOutput{Body: &ComplianceReport{Severities: c}}, nil
}

// commsAction is the route and body of a public update action (Act).
func commsAction(a fireline.Action) (suffix string, body any, ok bool) {
	switch a.Kind {
	case fireline.ActDraftUpdate:
		if a.PublicUpdate == nil {
			return "/public-updates", fireline.PublicUpdateInput{}, true
		}
		return "/public-updates", *a.PublicUpdate, true
	case fireline.ActApproveUpdate:
		return "/public-updates/" + strconv.Itoa(a.UpdateNumber) + "/approve", nil, true
	case fireline.ActRejectUpdate:
		return "/public-updates/" + strconv.Itoa(a.UpdateNumber) + "/reject", rejectBody{Reason: a.Reason}, true
	}
	return "", nil, false
}

// The console.

// internalStatusPage is the internal status page: any signed-in user.
func (h *handler) internalStatusPage(w http.ResponseWriter, r *http.Request) {
	s, err := h.internalStatusData(r.Context(), 7)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "status_internal", &page{Title: "Internal status", Nav: "status", Data: s, Live: "/live/dashboard", Self: "/status/internal"})
}

// formDraftUpdate drafts from the incident page: a status, the text, and
// for each public component a state ("" leaves it out).
func (h *handler) formDraftUpdate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	in := &fireline.PublicUpdateInput{Status: fireline.PublicStatus(f.Get("status")), Text: f.Get("text"), Name: f.Get("name")}
	for _, s := range h.cfg.Policy.PublicServices() {
		if st := f.Get("component." + s.ID); st != "" {
			in.Components = append(in.Components, fireline.ComponentImpact{Service: s.ID, State: fireline.ComponentState(st)})
		}
	}
	h.formAct(w, r, "public-updates", fireline.Action{Kind: fireline.ActDraftUpdate, PublicUpdate: in})
}

func (h *handler) formApproveUpdate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	n, _ := strconv.Atoi(r.PathValue("number"))
	h.formAct(w, r, "public-updates", fireline.Action{Kind: fireline.ActApproveUpdate, UpdateNumber: n})
}

func (h *handler) formRejectUpdate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	n, _ := strconv.Atoi(r.PathValue("number"))
	h.formAct(w, r, "public-updates", fireline.Action{Kind: fireline.ActRejectUpdate, UpdateNumber: n, Reason: r.PostForm.Get("reason")})
}

// commsPanel is the incident page's public updates: the list, when the
// next is due, whether the viewer may approve, and the draft form's
// starting text.
type commsPanel struct {
	*PublicUpdates
	Public     []*fireline.Service
	Template   string
	Status     fireline.PublicStatus
	MayApprove bool
	Restricted bool
	Affects    bool
}

func newCommsPanel(p *fireline.Policy, inc *fireline.Incident, u *fireline.User) *commsPanel {
	c := &commsPanel{PublicUpdates: newPublicUpdates(p, inc), Public: p.PublicServices(), Status: nextPublicStatus(inc),
		Restricted: inc.Restricted, Affects: p.AffectsPublic(inc)}
	c.Template = p.FillTemplate(inc, c.Status)
	if u != nil {
		for _, role := range p.CommsApprovers() {
			if holds(inc, role, u.PersonID) {
				c.MayApprove = true
			}
		}
	}
	return c
}

func holds(inc *fireline.Incident, role fireline.IncidentRole, person string) bool {
	for _, r := range inc.Roles {
		if r.Role == role && r.Person == person && person != "" {
			return true
		}
	}
	return false
}

// describeComms words the events of communications for the timeline.
func describeComms(v *eventView, data any, p *fireline.Policy) bool {
	switch d := data.(type) {
	case *fireline.UpdateDraftedData:
		v.Kind = "public-update"
		v.What, v.Detail = "drafted public update "+strconv.Itoa(d.Number)+" ("+string(d.Status)+")", d.Text
	case *fireline.UpdateApprovedData:
		v.Kind = "public-update"
		v.What = "approved public update " + strconv.Itoa(d.Number)
	case *fireline.UpdatePublishedData:
		v.Kind = "public-update"
		v.What = "published public update " + strconv.Itoa(d.Number)
		if d.Due != nil {
			v.Detail = "Due " + d.Due.In(calendarLocation(p)).Format("15:04 MST") + ": " + strings.ReplaceAll(string(d.Outcome), "_", " ")
		}
	case *fireline.UpdateEmailedData:
		v.Kind = "public-update"
		v.What = "emailed public update " + strconv.Itoa(d.Number) + " to " + strconv.Itoa(d.Recipients) + " customers"
	case *fireline.UpdateRejectedData:
		v.Kind = "public-update"
		v.What, v.Detail = "rejected public update "+strconv.Itoa(d.Number), d.Reason
	case *fireline.UpdateDueData:
		v.Kind = "clock"
		v.Lead = "Public update"
		due := d.Due.In(calendarLocation(p)).Format("15:04 MST")
		if v.Type == string(fireline.EventUpdateOverdue) {
			v.What = "overdue (was due " + due + ")"
		} else {
			v.What = "due at " + due + ": the liaison and the commander were reminded"
		}
	default:
		return false
	}
	return true
}
