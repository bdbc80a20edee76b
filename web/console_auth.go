package web

import (
	"embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

//go:embed static/console.css static/console.js
var staticFiles embed.FS

// static serves the console's own stylesheet and script. Their names do
// not change between versions, so browsers revalidate them.
func (h *handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name != "console.css" && name != "console.js" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeFileFS(w, r, staticFiles, "static/"+name)
}

// loginData is the login page's form.
type loginData struct {
	Email string
	Next  string
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login", &page{Title: "Log in",
		Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

// login checks an email and password and starts a session.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	data := loginData{Email: r.PostForm.Get("email"), Next: safeNext(r.PostForm.Get("next"))}
	if h.cfg.Sessions == nil {
		h.renderError(w, r, fireline.Errorf(fireline.EUnavailable, "the console has no user store"))
		return
	}
	if p := fireline.TextProblem(data.Email); p != "" {
		// Before the throttle and the store, whose lookups by email a
		// NUL would fail on PostgreSQL.
		err := &fireline.Error{Code: fireline.EInvalid, Message: "invalid login", Fields: []fireline.FieldError{{Field: "email", Message: p}}}
		h.render(w, r, http.StatusBadRequest, "login", &page{Title: "Log in", Error: newFormError("login", err, r), Data: data})
		return
	}
	attempt := h.loginAttemptOf(r, data.Email)
	wait, err := h.throttle.wait(r.Context(), attempt, h.now())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if wait > 0 {
		// Checks no password, and is not counted: waiting is all it takes.
		secs := int((wait + time.Second - 1) / time.Second)
		h.log.WarnContext(r.Context(), "login throttled", "email", data.Email, "address", attempt.address, "retry_after", secs)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		err := fireline.Errorf(fireline.EUnavailable, "Too many failed logins. Try again in %s, or ask an admin for a login link.", span(time.Duration(secs)*time.Second))
		h.render(w, r, http.StatusTooManyRequests, "login", &page{Title: "Log in", Error: newFormError("login", err, r), Data: data})
		return
	}
	sess, err := h.cfg.Sessions.Login(r.Context(), strings.TrimSpace(data.Email), r.PostForm.Get("password"))
	if err != nil {
		if fireline.ErrorCode(err) == fireline.EUnauthorized {
			if err := h.throttle.failed(r.Context(), attempt, h.now()); err != nil {
				h.log.ErrorContext(r.Context(), "login failure not counted", "err", err)
			}
		}
		h.log.InfoContext(r.Context(), "login refused", "email", data.Email, "code", fireline.ErrorCode(err))
		h.render(w, r, formStatus(err), "login", &page{Title: "Log in", Error: newFormError("login", err, r), Data: data})
		return
	}
	if err := h.throttle.succeeded(r.Context(), attempt); err != nil {
		h.log.ErrorContext(r.Context(), "login failures not cleared", "err", err)
	}
	h.setDeviceCookie(w, r, sess.User.Email)
	h.startSession(w, r, sess, data.Next)
}

// startSession replaces any session the browser had with sess (a new
// secret at every sign-in) and sends it on.
func (h *handler) startSession(w http.ResponseWriter, r *http.Request, sess *fireline.Session, next string) {
	if old := sessionSecret(r); old != "" {
		h.cfg.Sessions.Logout(r.Context(), old)
	}
	clearSessionCookies(w, r)
	setSessionCookie(w, r, sess)
	h.log.InfoContext(r.Context(), "login", "user", sess.User.Email, "person", sess.User.PersonID)
	seeOther(w, r, next)
}

// loginLinkPage shows a button that redeems the link: opening the link
// changes nothing, so mail scanners that fetch it do not use it up.
func (h *handler) loginLinkPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login_link", &page{Title: "Log in", Data: r.URL.Query().Get("token")})
}

func (h *handler) redeemLoginLink(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	token := r.PostForm.Get("token")
	if h.cfg.Sessions == nil {
		h.renderError(w, r, fireline.Errorf(fireline.EUnavailable, "the console has no user store"))
		return
	}
	sess, err := h.cfg.Sessions.RedeemLoginLink(r.Context(), token)
	if err != nil {
		h.render(w, r, formStatus(err), "login_link", &page{Title: "Log in", Error: newFormError("link", err, r), Data: token})
		return
	}
	next := "/"
	if !sess.User.HasPassword {
		next = "/account?welcome=1"
	}
	h.startSession(w, r, sess, next)
}

// logout ends the browser's session, if it has one.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if secret := sessionSecret(r); secret != "" && h.cfg.Sessions != nil {
		if err := h.cfg.Sessions.Logout(r.Context(), secret); err != nil {
			h.renderError(w, r, err)
			return
		}
	}
	clearSessionCookies(w, r)
	seeOther(w, r, "/login")
}

func (h *handler) accountPage(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Your account", Nav: "account"}
	switch {
	case r.URL.Query().Get("welcome") != "":
		p.Flash = "Welcome. Choose a password, so that you can log in without a link next time."
	case r.URL.Query().Get("saved") != "":
		p.Flash = "Password saved."
	}
	h.render(w, r, http.StatusOK, "account", p)
}

func (h *handler) setPassword(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	pw := r.PostForm.Get("password")
	err := fireline.Error{Code: fireline.EInvalid, Message: "invalid password",
		Fields: []fireline.FieldError{{Field: "confirm", Message: "the two passwords differ"}}}
	if pw != r.PostForm.Get("confirm") {
		h.render(w, r, http.StatusBadRequest, "account", &page{Title: "Your account", Nav: "account", Error: newFormError("password", &err, r)})
		return
	}
	if err := h.cfg.Sessions.SetPassword(r.Context(), pw); err != nil {
		h.render(w, r, statusFor(err), "account", &page{Title: "Your account", Nav: "account", Error: newFormError("password", err, r)})
		return
	}
	seeOther(w, r, "/account?saved=1")
}

// formStatus is the status of a refused sign-in form: 400, not 401,
// which would ask for bearer credentials the console does not use.
func formStatus(err error) int {
	if fireline.ErrorCode(err) == fireline.EUnauthorized {
		return http.StatusBadRequest
	}
	return statusFor(err)
}

// statusFor is the HTTP status of err, from the one table in errors.go.
func statusFor(err error) int {
	if s, ok := statusOf[fireline.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}
