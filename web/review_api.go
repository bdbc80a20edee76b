package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
)

// ReviewView is the body of GET /api/v1/incidents/{id}/review: the review
// document as it stands, and its Markdown.
type ReviewView struct {
	*fireline.ReviewDraft
	Markdown string `json:"markdown"`
}

type reviewOutput struct {
	Body *ReviewView
}

// ActionItemList is the body of GET /api/v1/action-items.
type ActionItemList struct {
	Items []fireline.ActionItem `json:"items"`
	// At is the instant the list was read: overdue means past deadline
	// then.
	At time.Time `json:"at"`
	// Summary counts the items listed by team, owner and age.
	Summary fireline.ActionBoard `json:"summary"`
}

type actionItemsOutput struct {
	Body ActionItemList
}

// Request bodies and inputs of the review's actions.
type (
	requestReviewBody struct {
		Reason string `json:"reason,omitempty"`
	}
	reviewOwnerBody struct {
		Owner string `json:"owner" example:"casey" doc:"A person of the directory."`
	}
	scheduleBody struct {
		Start        *time.Time `json:"start" doc:"When the meeting starts (RFC 3339)."`
		End          *time.Time `json:"end,omitempty" doc:"When it ends; default the policy's meeting length later."`
		Participants []string   `json:"participants,omitempty" doc:"People to invite beyond the default: the owner, the role holders and everyone who acted on the timeline."`
		Drop         []string   `json:"drop,omitempty" doc:"People to leave out, default participants too; those invited before are sent an iCalendar CANCEL."`
	}
	starBody struct {
		Seq    int64 `json:"seq" doc:"The timeline event's sequence number."`
		Unstar bool  `json:"unstar,omitempty"`
	}
	editReviewBody struct {
		Doc         fireline.ReviewDoc `json:"doc"`
		BaseVersion int                `json:"base_version" doc:"The version the edit was made on; an older one than the review's is refused (409)."`
	}
	approveBody struct {
		BaseVersion int `json:"base_version" doc:"The version read and approved; refused (409) if the review was edited since."`
	}
	itemBody struct {
		Title    *string                   `json:"title,omitempty"`
		Owner    *string                   `json:"owner,omitempty" doc:"A person of the directory."`
		Deadline *time.Time                `json:"deadline,omitempty"`
		Kind     *fireline.ActionItemKind  `json:"kind,omitempty" doc:"fix, monitoring, runbook or process"`
		Link     *string                   `json:"link,omitempty" doc:"Where it is tracked (an issue)."`
		Status   fireline.ActionItemStatus `json:"status,omitempty" doc:"open or done (updates only)"`
		Note     string                    `json:"note,omitempty"`
		Playbook *string                   `json:"playbook,omitempty" doc:"A runbook item's playbook (adding only): the item closes when the server loads a changed revision of it."`
	}
	requestReviewInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[requestReviewBody]
	}
	reviewOwnerInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[reviewOwnerBody]
	}
	scheduleInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[scheduleBody]
	}
	starInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[starBody]
	}
	editReviewInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[editReviewBody]
	}
	approveInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[approveBody]
	}
	addItemInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[itemBody]
	}
	updateItemInput struct {
		ID   string `path:"id" example:"INC-42"`
		Item string `path:"item" example:"A-12"`
		jsonBody[itemBody]
	}
	actionItemsInput struct {
		Owner    string `query:"owner" doc:"Only this person's items."`
		Status   string `query:"status" doc:"open or done."`
		Overdue  bool   `query:"overdue" doc:"Only open items past their deadline."`
		Incident string `query:"incident" doc:"Only this incident's items."`
		Service  string `query:"service" doc:"Only items on this service."`
		Team     string `query:"team" doc:"Only items whose owner is in this team of the directory ('(no team)': in none)."`
	}
)

func (h *handler) getReview(ctx context.Context, in *incidentPath) (*reviewOutput, error) {
	if h.cfg.Reviews == nil {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnavailable, "reviews are not served here"))
	}
	d, err := h.cfg.Reviews.Review(ctx, in.ID)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &reviewOutput{Body: &ReviewView{ReviewDraft: d, Markdown: h.cfg.Policy.Markdown(d)}}, nil
}

func (h *handler) listActionItems(ctx context.Context, in *actionItemsInput) (*actionItemsOutput, error) {
	if h.cfg.Reviews == nil {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnavailable, "reviews are not served here"))
	}
	items, err := h.cfg.Reviews.ActionItems(ctx, fireline.ActionItemFilter{Owner: in.Owner, Status: fireline.ActionItemStatus(in.Status),
		Overdue: in.Overdue, Incident: in.Incident, Service: in.Service, Team: in.Team})
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	now := h.now().UTC()
	return &actionItemsOutput{Body: ActionItemList{Items: items, At: now, Summary: h.cfg.Policy.Board(items, now)}}, nil
}

func (h *handler) requestReview(ctx context.Context, in *requestReviewInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActRequestReview, Reason: b.Reason}, err)
}

func (h *handler) setReviewOwner(ctx context.Context, in *reviewOwnerInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActReviewOwner, Review: &fireline.ReviewInput{Owner: b.Owner}}, err)
}

func (h *handler) scheduleReview(ctx context.Context, in *scheduleInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActScheduleReview,
		Review: &fireline.ReviewInput{Start: b.Start, End: b.End, Participants: b.Participants, Drop: b.Drop}}, err)
}

func (h *handler) starEvent(ctx context.Context, in *starInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActStarEvent, Review: &fireline.ReviewInput{Seq: b.Seq, Unstar: b.Unstar}}, err)
}

func (h *handler) editReview(ctx context.Context, in *editReviewInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActEditReview, Review: &fireline.ReviewInput{Doc: &b.Doc, BaseVersion: b.BaseVersion}}, err)
}

func (h *handler) approveReview(ctx context.Context, in *approveInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActApproveReview, Review: &fireline.ReviewInput{BaseVersion: b.BaseVersion}}, err)
}

func (b itemBody) input(n int64) *fireline.ActionItemInput {
	return &fireline.ActionItemInput{Number: n, Title: b.Title, Owner: b.Owner, Deadline: b.Deadline, Kind: b.Kind, Link: b.Link, Status: b.Status, Note: b.Note, Playbook: b.Playbook}
}

func (h *handler) addActionItem(ctx context.Context, in *addItemInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActAddActionItem, Item: b.input(0)}, err)
}

func (h *handler) updateActionItem(ctx context.Context, in *updateItemInput) (*incidentOutput, error) {
	b, err := in.decode()
	n, perr := fireline.ParseActionItemID(in.Item)
	if err == nil {
		err = perr
	}
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActUpdateActionItem, Item: b.input(n)}, err)
}

// reviewRoutes declares the review's and action items' API routes.
func (h *handler) reviewRoutes() {
	operation(h, viewer, get("/incidents/{id}/review", "get-review", "Get an incident's post-incident review: the draft the timeline fills in, what people wrote, and its Markdown", "reviews"), h.getReview)
	operation(h, responder, post("/incidents/{id}/review/request", "request-review", "Ask for a review of an incident whose severity gets one on request (the incident commander)", "reviews", 0), h.requestReview)
	operation(h, responder, post("/incidents/{id}/review/owner", "set-review-owner", "Give the review to another owner", "reviews", 0), h.setReviewOwner)
	operation(h, responder, post("/incidents/{id}/review/schedule", "schedule-review", "Schedule or reschedule the review meeting: an iCalendar invitation by email to the participants", "reviews", 0), h.scheduleReview)
	operation(h, responder, post("/incidents/{id}/review/star", "star-event", "Star (or unstar) a timeline event as a key event of the review", "reviews", 0), h.starEvent)
	operation(h, responder, put("/incidents/{id}/review", "edit-review", "Edit the review document (a new version; refused if edited since base_version)", "reviews"), h.editReview)
	operation(h, responder, post("/incidents/{id}/review/approve", "approve-review", "Approve the review: frozen onto the timeline with its digest (the owner or the incident commander)", "reviews", 0), h.approveReview)
	h.reviewMoreRoutes() // review_publish_api.go
	operation(h, responder, post("/incidents/{id}/action-items", "add-action-item", "Add an action item", "reviews", 0), h.addActionItem)
	operation(h, responder, patch("/incidents/{id}/action-items/{item}", "update-action-item", "Update an action item: title, owner, deadline, kind, link, or status (done, open)", "reviews"), h.updateActionItem)
	operation(h, viewer, get("/action-items", "list-action-items", "List action items of visible incidents by deadline: by owner, team, status, overdue, incident or service; with their counts by team, owner and age", "reviews"), h.listActionItems)
}

// reviewAction is the route and body of a review or action item action
// (Act).
func reviewAction(a fireline.Action) (method, suffix string, body any, ok bool) {
	r := fireline.ReviewInput{}
	if a.Review != nil {
		r = *a.Review
	}
	it := fireline.ActionItemInput{}
	if a.Item != nil {
		it = *a.Item
	}
	item := itemBody{Title: it.Title, Owner: it.Owner, Deadline: it.Deadline, Kind: it.Kind, Link: it.Link, Status: it.Status, Note: it.Note, Playbook: it.Playbook}
	switch a.Kind {
	case fireline.ActRequestReview:
		return http.MethodPost, "/review/request", requestReviewBody{Reason: a.Reason}, true
	case fireline.ActReviewOwner:
		return http.MethodPost, "/review/owner", reviewOwnerBody{Owner: r.Owner}, true
	case fireline.ActScheduleReview:
		return http.MethodPost, "/review/schedule", scheduleBody{Start: r.Start, End: r.End, Participants: r.Participants, Drop: r.Drop}, true
	case fireline.ActStarEvent:
		return http.MethodPost, "/review/star", starBody{Seq: r.Seq, Unstar: r.Unstar}, true
	case fireline.ActEditReview:
		doc := fireline.ReviewDoc{}
		if r.Doc != nil {
			doc = *r.Doc
		}
		return http.MethodPut, "/review", editReviewBody{Doc: doc, BaseVersion: r.BaseVersion}, true
	case fireline.ActApproveReview:
		return http.MethodPost, "/review/approve", approveBody{BaseVersion: r.BaseVersion}, true
	case fireline.ActUnscheduleReview, fireline.ActPublishReview:
		return reviewMoreAction(a.Kind, r) // review_publish_api.go
	case fireline.ActAddActionItem:
		return http.MethodPost, "/action-items", item, true
	case fireline.ActUpdateActionItem:
		return http.MethodPatch, "/action-items/" + url.PathEscape(fireline.ActionItemID(it.Number)), item, true
	}
	return "", "", nil, false
}

// Review returns an incident's review document.
func (c *Client) Review(ctx context.Context, id string) (*ReviewView, error) {
	return call[ReviewView](ctx, c, http.MethodGet, incidentPathOf(id, "/review"), nil, nil)
}

// ActionItems lists action items.
func (c *Client) ActionItems(ctx context.Context, f fireline.ActionItemFilter) (*ActionItemList, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("owner", f.Owner)
	set("status", string(f.Status))
	set("incident", f.Incident)
	set("service", f.Service)
	set("team", f.Team)
	if f.Overdue {
		q.Set("overdue", strconv.FormatBool(true))
	}
	return call[ActionItemList](ctx, c, http.MethodGet, "/action-items", q, nil)
}
