package web

import (
	"context"
	"net/http"

	"github.com/fireline-dev/fireline"
)

type guideReviewOutput struct {
	Body *fireline.GuideReviewStatus
}

type guideReviewRecordOutput struct {
	Body *fireline.GuideReviewRecord
}

type (
	guideReviewBody struct {
		Note string `json:"note" doc:"What the review found and changed."`
	}
	guideReviewInput struct {
		jsonBody[guideReviewBody]
	}
)

func (h *handler) getGuideReview(ctx context.Context, _ *struct{}) (*guideReviewOutput, error) {
	if h.cfg.GuideReviews == nil {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnavailable, "guide reviews are not served here"))
	}
	st, err := h.cfg.GuideReviews.GuideReview(ctx)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &guideReviewOutput{Body: st}, nil
}

func (h *handler) recordGuideReview(ctx context.Context, in *guideReviewInput) (*guideReviewRecordOutput, error) {
	if h.cfg.GuideReviews == nil {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnavailable, "guide reviews are not served here"))
	}
	b, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	rec, err := h.cfg.GuideReviews.RecordGuideReview(ctx, b.Note)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &guideReviewRecordOutput{Body: rec}, nil
}

// guideReviewRoutes declares the guide review's API routes.
func (h *handler) guideReviewRoutes() {
	operation(h, viewer, get("/guide/review", "get-guide-review", "The guide's review cycle: owner, next due date, history, and the agenda of the quarter's facts", "policy"), h.getGuideReview)
	operation(h, responder, post("/guide/review", "record-guide-review", "Record that the guide was reviewed (its review owner or an admin): the next due date moves on by the cadence", "policy", http.StatusCreated), h.recordGuideReview)
}

// GuideReview reads the guide's review cycle.
func (c *Client) GuideReview(ctx context.Context) (*fireline.GuideReviewStatus, error) {
	return call[fireline.GuideReviewStatus](ctx, c, http.MethodGet, "/guide/review", nil, nil)
}

// RecordGuideReview records a review of the guide.
func (c *Client) RecordGuideReview(ctx context.Context, note string) (*fireline.GuideReviewRecord, error) {
	return call[fireline.GuideReviewRecord](ctx, c, http.MethodPost, "/guide/review", nil, guideReviewBody{Note: note})
}
