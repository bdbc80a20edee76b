package web

import (
	"net/http"

	"github.com/fireline-dev/fireline"
)

// SlackInbound serves Slack's requests (slackapp.Inbound): each verifies
// Slack's signature itself before it reads anything.
type SlackInbound interface {
	Events(w http.ResponseWriter, r *http.Request)
	Commands(w http.ResponseWriter, r *http.Request)
	Interactions(w http.ResponseWriter, r *http.Request)
}

// slackRoutes declares Slack's inbound routes: public, since Slack has no
// token of ours, but every request must carry Slack's v0 signature made
// with the app's signing secret, within 5 minutes.
func (h *handler) slackRoutes(rt *router) {
	rt.public("POST /integrations/slack/events", h.slack(func(s SlackInbound) http.HandlerFunc { return s.Events }))
	rt.public("POST /integrations/slack/commands", h.slack(func(s SlackInbound) http.HandlerFunc { return s.Commands }))
	rt.public("POST /integrations/slack/interactions", h.slack(func(s SlackInbound) http.HandlerFunc { return s.Interactions }))
}

func (h *handler) slack(pick func(SlackInbound) http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.Slack == nil {
			// Unauthenticated, as every signed route without its secret:
			// no request can be verified.
			h.writeError(w, r, fireline.Errorf(fireline.EUnauthorized, "Slack is not connected (no FIRELINE_SLACK_SIGNING_SECRET): no request from Slack can be verified"))
			return
		}
		pick(h.cfg.Slack)(w, r)
	}
}
