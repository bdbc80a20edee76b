package web

import (
	"net/http"

	"github.com/fireline-dev/fireline"
)

// integrationsData is the integrations page. Created is an integration
// just created or rotated, with its secrets, shown once; PostURL is where
// its sender posts, key included where the key is in the path.
type integrationsData struct {
	Integrations []*fireline.Integration
	Types        []fireline.IntegrationType
	Sources      []fireline.Source
	Created      *fireline.CreatedIntegration
	Verb         string
	PostURL      string
}

func (h *handler) integrationsPage(w http.ResponseWriter, r *http.Request) {
	h.showIntegrations(w, r, http.StatusOK, nil, integrationsData{})
}

func (h *handler) showIntegrations(w http.ResponseWriter, r *http.Request, status int, fe *formError, d integrationsData) {
	if h.cfg.Integrations == nil {
		h.renderError(w, r, unconfigured())
		return
	}
	list, err := h.cfg.Integrations.ListIntegrations(r.Context())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	d.Integrations, d.Types, d.Sources = list, fireline.IntegrationTypes, fireline.Sources
	if c := d.Created; c != nil && c.Type != fireline.IntegrationProbe {
		d.PostURL = baseURL(r) + c.Type.Path(c.Key)
	}
	h.render(w, r, status, "integrations", &page{Title: "Integrations", Nav: "integrations", Error: fe, Data: d})
}

// formCreateIntegration creates an integration and shows its key once.
func (h *handler) formCreateIntegration(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	in := fireline.IntegrationInput{Type: fireline.IntegrationType(f.Get("type")), Service: f.Get("service"), Name: f.Get("name"),
		Source: fireline.Source(f.Get("source")), Sign: f.Get("sign") != "", ProbeURL: f.Get("url")}
	fail := func(err error) {
		h.showIntegrations(w, r, statusFor(err), newFormError("create", err, r), integrationsData{})
	}
	if v := f.Get("interval"); v != "" {
		iv, err := fireline.ParseInterval(v)
		if err != nil {
			fail(&fireline.Error{Code: fireline.EInvalid, Message: "invalid integration",
				Fields: []fireline.FieldError{{Field: "interval", Message: "must be a duration such as 30s, 5m or 1h"}}})
			return
		}
		if in.Type == fireline.IntegrationProbe {
			in.ProbeInterval = iv
		} else {
			in.HeartbeatInterval = iv // refused by validation unless a heartbeat
		}
	}
	ci, err := h.saveIntegration(r.Context(), in)
	if err != nil {
		fail(err)
		return
	}
	h.showIntegrations(w, r, http.StatusCreated, nil, integrationsData{Created: ci, Verb: "Created"})
}

// formRotateIntegration issues a new key; the old one keeps working for
// the default grace period.
func (h *handler) formRotateIntegration(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	ci, err := h.cfg.Integrations.RotateIntegrationKey(r.Context(), r.PathValue("id"), 0)
	if err != nil {
		h.showIntegrations(w, r, statusFor(err), newFormError("integration-"+r.PathValue("id"), err, r), integrationsData{})
		return
	}
	h.showIntegrations(w, r, http.StatusOK, nil, integrationsData{Created: ci, Verb: "Rotated the key of"})
}

func (h *handler) formDeleteIntegration(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if err := h.cfg.Integrations.DeleteIntegration(r.Context(), r.PathValue("id")); err != nil {
		h.showIntegrations(w, r, statusFor(err), newFormError("integration-"+r.PathValue("id"), err, r), integrationsData{})
		return
	}
	seeOther(w, r, "/admin/integrations")
}
