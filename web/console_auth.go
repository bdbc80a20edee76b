package web

import (
	"embed"
	"net/http"
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
		secs := setRetryAfter(w, wait)
		h.log.WarnContext(r.Context(), "login throttled", "email", data.Email, "address", attempt.address, "retry_after", secs)
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
	h.setLinkProof(w, r, sess)
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

// accountData is the account page's password form: whether it asks for
// the current password.
type accountData struct {
	AskCurrent bool
}

func (h *handler) accountPage(w http.ResponseWriter, r *http.Request) {
	flash := ""
	switch {
	case r.URL.Query().Get("welcome") != "":
		flash = "Welcome. Choose a password, so that you can log in without a link next time."
	case r.URL.Query().Get("saved") != "":
		flash = "Password saved."
	}
	h.showAccount(w, r, http.StatusOK, flash, nil)
}

func (h *handler) showAccount(w http.ResponseWriter, r *http.Request, status int, flash string, fe *formError) {
	ask := userFrom(r.Context()).HasPassword && !h.linkProven(r)
	h.render(w, r, status, "account", &page{Title: "Your account", Nav: "account", Flash: flash, Error: fe, Data: accountData{AskCurrent: ask}})
}

// setPassword changes the user's password. Unless the user has none yet
// or a login link started this session, it needs the current one, and a
// wrong one is a failed login: it counts toward the login throttle, and
// while the throttle makes logins wait, so does this form (ADR 0034).
func (h *handler) setPassword(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	ch := fireline.PasswordChange{Current: r.PostForm.Get("current_password"), New: r.PostForm.Get("password"), ByLink: h.linkProven(r)}
	fail := func(status int, err error) { h.showAccount(w, r, status, "", newFormError("password", err, r)) }
	if ch.New != r.PostForm.Get("confirm") {
		fail(http.StatusBadRequest, &fireline.Error{Code: fireline.EInvalid, Message: "invalid password",
			Fields: []fireline.FieldError{{Field: "confirm", Message: "the two passwords differ"}}})
		return
	}
	user := userFrom(r.Context())
	attempt, guess := h.loginAttemptOf(r, user.Email), user.HasPassword && !ch.ByLink
	if guess {
		wait, err := h.throttle.wait(r.Context(), attempt, h.now())
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		if wait > 0 {
			secs := setRetryAfter(w, wait)
			fail(http.StatusTooManyRequests, fireline.Errorf(fireline.EUnavailable,
				"Too many wrong passwords. Try again in %s.", span(time.Duration(secs)*time.Second)))
			return
		}
	}
	err := h.cfg.Sessions.SetPassword(r.Context(), ch)
	if guess && fireline.ErrorCode(err) == fireline.EUnauthorized {
		if err := h.throttle.failed(r.Context(), attempt, h.now()); err != nil {
			h.log.ErrorContext(r.Context(), "password failure not counted", "err", err)
		}
	}
	if err != nil {
		fail(formStatus(err), err)
		return
	}
	if guess {
		if err := h.throttle.succeeded(r.Context(), attempt); err != nil {
			h.log.ErrorContext(r.Context(), "login failures not cleared", "err", err)
		}
	}
	clearLinkProof(w, r)
	seeOther(w, r, "/account?saved=1")
}

// A session that a one-time login link started may set a password without
// the current one for linkProofLife: the link proved who the user is (an
// admin's link is how a forgotten password is replaced). The proof is a
// signed cookie naming a hash of that session's secret, so it proves
// nothing for any other session.
const (
	linkProofLife    = time.Hour
	linkProofPurpose = "password-link"
)

func linkProofCookie(r *http.Request) string {
	if secureRequest(r) {
		return "__Host-fireline_link_proof"
	}
	return "fireline_link_proof"
}

func linkProofSubject(sessionSecret string) string {
	return fireline.HashToken(linkProofPurpose + "\x00" + sessionSecret)
}

// setLinkProof marks sess as started by a login link.
func (h *handler) setLinkProof(w http.ResponseWriter, r *http.Request, sess *fireline.Session) {
	if len(h.cfg.Links.Key) == 0 {
		return
	}
	exp := h.now().Add(linkProofLife)
	http.SetCookie(w, &http.Cookie{Name: linkProofCookie(r), Value: h.cfg.Links.Sign(linkProofPurpose, linkProofSubject(sess.Secret), exp),
		Path: "/", HttpOnly: true, Secure: secureRequest(r), SameSite: http.SameSiteLaxMode, Expires: exp,
		MaxAge: int(linkProofLife / time.Second)})
}

// linkProven reports whether the request's session was started by a login
// link less than linkProofLife ago.
func (h *handler) linkProven(r *http.Request) bool {
	c, err := r.Cookie(linkProofCookie(r))
	secret := sessionSecret(r)
	if err != nil || secret == "" {
		return false
	}
	subject, _, err := h.cfg.Links.Verify(linkProofPurpose, c.Value, h.now())
	return err == nil && subject == linkProofSubject(secret)
}

func clearLinkProof(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(linkProofCookie(r)); err == nil {
		http.SetCookie(w, &http.Cookie{Name: linkProofCookie(r), Value: "", Path: "/", HttpOnly: true, Secure: secureRequest(r),
			SameSite: http.SameSiteLaxMode, MaxAge: -1})
	}
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
