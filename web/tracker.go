package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
)

// Action items tracked in GitHub Issues (tracker.go, ADR 0065): pushing an
// item (API, console), and GitHub's webhook telling an issue was closed
// or reopened.

// maxHookBytes caps a webhook delivery; issues events are a few KiB.
const maxHookBytes = 1 << 20

type pushItemInput struct {
	Item string `path:"item" example:"A-12" doc:"The action item's id."`
}

func (h *handler) trackerRoutes(rt *router) {
	operation(h, responder, post("/action-items/{item}/push", "push-action-item",
		"Push an action item to the policy's tracker (GitHub Issues): the issue is created by a job; refused (409) with no tracker, when already tracked, or for a restricted incident unless the policy allows it", "reviews", 0), h.pushActionItem)
	rt.public("POST /hooks/github", h.githubHook)
	rt.console("POST /incidents/{id}/action-items/{item}/push", responder, h.formPushActionItem)
}

func (h *handler) pushActionItem(ctx context.Context, in *pushItemInput) (*incidentOutput, error) {
	if h.cfg.Tracker == nil {
		return nil, h.problem(ctx, fireline.Errorf(fireline.EUnavailable, "action item tracking is not available on this server"))
	}
	inc, err := h.cfg.Tracker.PushActionItem(ctx, in.Item)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	h.changed(inc)
	return &incidentOutput{Body: inc}, nil
}

func (h *handler) formPushActionItem(w http.ResponseWriter, r *http.Request) {
	n, _ := fireline.ParseActionItemID(r.PathValue("item"))
	h.formReview(w, r, "items", fireline.Action{Kind: fireline.ActPushActionItem, Issue: &fireline.IssueInput{Item: n}})
}

// githubEvent is what the webhook reads of an issues event.
type githubEvent struct {
	Action string `json:"action"`
	Issue  struct {
		Number int64  `json:"number"`
		State  string `json:"state"`
	} `json:"issue"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Sender struct {
		Login string `json:"login"`
	} `json:"sender"`
}

// githubHook takes GitHub's webhook deliveries: verified by their
// X-Hub-Signature-256 (HMAC-SHA256 of the body with the secret), answered
// 401 otherwise with nothing changed; issues events closed and reopened
// move the item tracked in the issue, ping and the rest are acknowledged.
func (h *handler) githubHook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHookBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(w, &huma.ErrorModel{Status: http.StatusRequestEntityTooLarge, Title: http.StatusText(http.StatusRequestEntityTooLarge), Detail: "the delivery is larger than 1 MiB"})
		return
	} else if err != nil {
		h.writeError(w, r, fireline.Errorf(fireline.EInvalid, "the delivery could not be read"))
		return
	}
	if err := h.verifyGitHub(r.Header.Get("X-Hub-Signature-256"), body); err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.githubDelivery(r.Context(), r.Header.Get("X-GitHub-Event"), body); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verifyGitHub checks a delivery's signature, in constant time.
func (h *handler) verifyGitHub(sig string, body []byte) error {
	if h.cfg.TrackerSecret == "" || h.cfg.Tracker == nil {
		return fireline.Errorf(fireline.EUnauthorized, "GitHub's webhook is not set up (no tracker, or its webhook secret is empty): no delivery can be verified")
	}
	mac, ok := strings.CutPrefix(sig, "sha256=")
	if !ok || mac == "" {
		return fireline.Errorf(fireline.EUnauthorized, "X-Hub-Signature-256 is missing or malformed")
	}
	// GitHub's scheme is the untimestamped one every integration may use.
	if _, ok := ingest.CheckSignature(h.cfg.TrackerSecret, body, mac, "", time.Time{}); !ok {
		return fireline.Errorf(fireline.EUnauthorized, "X-Hub-Signature-256 does not match the delivery")
	}
	return nil
}

// githubDelivery acts on a verified delivery: an issue closed or reopened
// in the policy's repository.
func (h *handler) githubDelivery(ctx context.Context, event string, body []byte) error {
	if event != "issues" {
		return nil // ping, and events Fireline does not follow
	}
	var ev githubEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return &fireline.Error{Code: fireline.EInvalid, Message: "invalid issues event", Fields: []fireline.FieldError{{Field: "body", Message: err.Error()}}}
	}
	state := map[string]string{"closed": fireline.IssueClosed, "reopened": fireline.IssueOpen}[ev.Action]
	if state == "" || ev.Issue.Number <= 0 {
		return nil
	}
	return h.cfg.Tracker.IssueChanged(ctx, ev.Repository.FullName, ev.Issue.Number, state, ev.Sender.Login)
}

// PushActionItem asks for an action item to be pushed to the
// tracker.
func (c *Client) PushActionItem(ctx context.Context, item string) (*fireline.Incident, error) {
	return call[fireline.Incident](ctx, c, http.MethodPost, "/action-items/"+url.PathEscape(item)+"/push", nil, nil)
}
