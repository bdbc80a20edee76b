package web

import (
	"context"
	"net/http"

	"github.com/fireline-dev/fireline"
)

// The review meeting's cancellation and the public postmortem's
// publication (review_calendar.go, review_publish.go at the root).

type (
	unscheduleBody struct{}
	publishBody    struct {
		PublicSummary *string `json:"public_summary,omitempty" doc:"What the postmortem says; default the document's public summary, else its summary and impact. Names nobody."`
		Unpublish     bool    `json:"unpublish,omitempty" doc:"Take the postmortem down."`
	}
	unscheduleInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[unscheduleBody]
	}
	publishInput struct {
		ID string `path:"id" example:"INC-42"`
		jsonBody[publishBody]
	}
)

func (h *handler) reviewMoreRoutes() {
	operation(h, responder, post("/incidents/{id}/review/unschedule", "unschedule-review", "Cancel the review meeting: an iCalendar CANCEL by email to its participants", "reviews", 0), h.unscheduleReview)
	operation(h, responder, post("/incidents/{id}/review/publish", "publish-review", "Publish the approved review's public postmortem on the status page, or take it down (the owner, the incident commander or an admin; not for restricted incidents or ones the public page does not show)", "reviews", 0), h.publishReview)
}

func (h *handler) unscheduleReview(ctx context.Context, in *unscheduleInput) (*incidentOutput, error) {
	_, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActUnscheduleReview}, err)
}

func (h *handler) publishReview(ctx context.Context, in *publishInput) (*incidentOutput, error) {
	b, err := in.decode()
	return h.act(ctx, in.ID, fireline.Action{Kind: fireline.ActPublishReview,
		Review: &fireline.ReviewInput{PublicSummary: b.PublicSummary, Unpublish: b.Unpublish}}, err)
}

// reviewMoreAction is the route and body of these actions (Act).
func reviewMoreAction(k fireline.ActionKind, r fireline.ReviewInput) (method, suffix string, body any, ok bool) {
	if k == fireline.ActUnscheduleReview {
		return http.MethodPost, "/review/unschedule", unscheduleBody{}, true
	}
	return http.MethodPost, "/review/publish", publishBody{PublicSummary: r.PublicSummary, Unpublish: r.Unpublish}, true
}
