package web

import (
	"bytes"
	"net/http"

	"github.com/fireline-dev/fireline"
)

// Customer email on the public page: subscribe (an address and the
// components to follow), confirm by the emailed link (double opt-in),
// unsubscribe by the link in every email, in one click (RFC 8058: mail
// clients POST "List-Unsubscribe=One-Click" to it, no cookie, no form).

func (h *handler) subscribeRoutes(rt *router) {
	rt.public("POST /status/subscribe", h.subscribe)
	rt.public("GET /status/subscribe/{token}", h.linkPage(fireline.LinkSubscribe, "Confirm your subscription", "Confirm"))
	rt.public("POST /status/subscribe/{token}", h.confirmSubscription)
	rt.public("GET /status/unsubscribe/{token}", h.linkPage(fireline.LinkUnsubscribe, "Unsubscribe from status email", "Unsubscribe"))
	rt.public("POST /status/unsubscribe/{token}", h.unsubscribe)
}

// message renders the public message page.
func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, title, text string, form *publicForm) {
	v, err := h.statusView(r.Context(), h.now())
	if err != nil {
		http.Error(w, "The status page is unavailable; try again shortly.", http.StatusServiceUnavailable)
		return
	}
	body, ctype, err := h.renderPublic("message", newStatusDoc(h.cfg.Policy, v, h.cfg.Links.Key, h.statusBase(r)),
		&publicPage{Title: title, Message: text, Form: form})
	if err != nil {
		h.log.Error("status message", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	bytes.NewReader(body).WriteTo(w)
}

// subscribe answers the form the same way whether the address was known:
// the page never tells who subscribes.
func (h *handler) subscribe(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Subscribers == nil {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.message(w, r, http.StatusBadRequest, "Subscribe", "The form could not be read.", nil)
		return
	}
	in := fireline.SubscribeInput{Email: r.PostForm.Get("email"), Components: r.PostForm["component"]}
	if err := h.cfg.Subscribers.Subscribe(r.Context(), in); err != nil {
		if fireline.ErrorCode(err) == fireline.EInvalid {
			h.message(w, r, http.StatusBadRequest, "Subscribe", fireline.ErrorMessage(err), nil)
			return
		}
		h.log.Error("subscribe", "err", err)
		h.message(w, r, http.StatusServiceUnavailable, "Subscribe", "We could not take your subscription; try again shortly.", nil)
		return
	}
	h.message(w, r, http.StatusOK, "Check your inbox",
		"If the address can receive email, a link to confirm your subscription is on its way. Nothing is sent until you confirm.", nil)
}

// linkPage shows a signed link's button; GET changes nothing.
func (h *handler) linkPage(purpose, title, label string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := h.cfg.Links.Verify(purpose, r.PathValue("token"), h.now()); err != nil {
			h.message(w, r, http.StatusNotFound, title, "This link is not valid, or it expired.", nil)
			return
		}
		h.message(w, r, http.StatusOK, title, "", &publicForm{Action: r.URL.Path, Label: label})
	}
}

func (h *handler) confirmSubscription(w http.ResponseWriter, r *http.Request) {
	id, _, err := h.cfg.Links.Verify(fireline.LinkSubscribe, r.PathValue("token"), h.now())
	if err != nil || h.cfg.Subscribers == nil {
		h.message(w, r, http.StatusNotFound, "Confirm your subscription", "This link is not valid, or it expired: subscribe again.", nil)
		return
	}
	if _, err := h.cfg.Subscribers.ConfirmSubscriber(r.Context(), id); err != nil {
		h.message(w, r, statusFor(err), "Confirm your subscription", fireline.ErrorMessage(err), nil)
		return
	}
	h.message(w, r, http.StatusOK, "Subscribed", "You will get an email with each update of a major incident on the components you chose. Every email has a link to unsubscribe.", nil)
}

func (h *handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	id, _, err := h.cfg.Links.Verify(fireline.LinkUnsubscribe, r.PathValue("token"), h.now())
	if err != nil || h.cfg.Subscribers == nil {
		h.message(w, r, http.StatusNotFound, "Unsubscribe", "This link is not valid.", nil)
		return
	}
	if err := h.cfg.Subscribers.Unsubscribe(r.Context(), id); err != nil {
		h.log.Error("unsubscribe", "err", err)
		h.message(w, r, http.StatusServiceUnavailable, "Unsubscribe", "We could not unsubscribe you; try again shortly.", nil)
		return
	}
	h.message(w, r, http.StatusOK, "Unsubscribed", "You will get no more status email.", nil)
}
