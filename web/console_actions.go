package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// formAct does one action from a posted form through the same service
// as the API, then shows the incident again (post/redirect/get). A refused
// action re-renders the page with the error beside the form, changing
// nothing.
func (h *handler) formAct(w http.ResponseWriter, r *http.Request, form string, a fireline.Action) {
	id := r.PathValue("id")
	inc, err := h.cfg.Incidents.Act(r.Context(), id, a)
	if err != nil {
		// EForbidden here is the domain's (a role was checked at the
		// route): an override by someone not the incident commander.
		if code := fireline.ErrorCode(err); code != fireline.EInvalid && code != fireline.EConflict && code != fireline.EForbidden {
			h.renderError(w, r, err)
			return
		}
		h.showIncident(w, r, statusFor(err), newFormError(form, err, r))
		return
	}
	h.changed(inc)
	seeOther(w, r, "/incidents/"+url.PathEscape(id)+"#"+form)
}

func (h *handler) formAcknowledge(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "status", fireline.Action{Kind: fireline.ActAcknowledge})
}

func (h *handler) formSeverity(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "severity", fireline.Action{Kind: fireline.ActChangeSeverity,
		Severity: fireline.Severity(r.PostForm.Get("severity")), Reason: r.PostForm.Get("reason")})
}

func (h *handler) formStage(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "stage", fireline.Action{Kind: fireline.ActChangeStage,
		Stage: fireline.Stage(r.PostForm.Get("stage")), Reason: r.PostForm.Get("reason"), Override: r.PostForm.Get("override")})
}

func (h *handler) formAssignRole(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "roles", fireline.Action{Kind: fireline.ActAssignRole,
		Role: fireline.IncidentRole(r.PostForm.Get("role")), Person: r.PostForm.Get("person")})
}

// formTakeCommand is the one-click "I'll be incident commander".
func (h *handler) formTakeCommand(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	actor, _ := fireline.ActorFromContext(r.Context())
	h.formAct(w, r, "roles", fireline.Action{Kind: fireline.ActAssignRole,
		Role: fireline.RoleIncidentCommander, Person: actor.PersonID})
}

func (h *handler) formNote(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "note", fireline.Action{Kind: fireline.ActAddNote,
		NoteKind: fireline.NoteKind(r.PostForm.Get("kind")), Text: r.PostForm.Get("text")})
}

// formUpdate changes impact, scope and ETA. The ETA is a local time in
// the policy calendar's time zone (datetime-local), or empty to clear it.
func (h *handler) formUpdate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	impact, scope := f.Get("impact"), f.Get("scope")
	u := fireline.UpdatedData{Impact: &impact, Scope: &scope}
	if s := strings.TrimSpace(f.Get("eta")); s == "" {
		u.ClearETA = f.Get("had_eta") != ""
	} else if eta, err := h.parseLocal(s); err != nil {
		h.showIncident(w, r, http.StatusBadRequest, newFormError("details", &fireline.Error{Code: fireline.EInvalid,
			Message: "invalid update", Fields: []fireline.FieldError{{Field: "eta", Message: "must be a date and time such as 2026-12-01T17:30"}}}, r))
		return
	} else {
		u.ETA = &eta
	}
	h.formAct(w, r, "details", fireline.Action{Kind: fireline.ActUpdate, Update: u})
}

// parseLocal reads a datetime-local value in the calendar's time zone.
func (h *handler) parseLocal(s string) (time.Time, error) {
	loc := h.cfg.Policy.Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02T15:04:05", s, loc)
	}
	return t, err
}

func (h *handler) formResolve(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "status", fireline.Action{Kind: fireline.ActResolve, Text: r.PostForm.Get("summary"), Override: r.PostForm.Get("override")})
}

func (h *handler) formReopen(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "status", fireline.Action{Kind: fireline.ActReopen, Reason: r.PostForm.Get("reason")})
}

// formEscalate pages a person of the directory or a chain step (CHAIN:N)
// now, with a note.
func (h *handler) formEscalate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formAct(w, r, "escalate", fireline.Action{Kind: fireline.ActEscalate,
		To: r.PostForm.Get("to"), Text: r.PostForm.Get("note")})
}

// formPageAgain sends a page again: to the primary on-call, a step of the
// walk or a person (console_paging.go reads the choice).
func (h *handler) formPageAgain(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	a, err := pageAction(r.PostForm.Get("target"))
	if err != nil {
		h.showIncident(w, r, statusFor(err), newFormError("page-again", err, r))
		return
	}
	h.formAct(w, r, "page-again", a)
}
