package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// crossOriginProtection guards every console route: a browser request
// that another origin started (Sec-Fetch-Site, or Origin against Host) is
// refused with 403 unless its method is safe, and no route changes
// anything on a safe method. It has no bypass patterns.
var crossOriginProtection = http.NewCrossOriginProtection()

// Session cookie names. The __Host- prefix makes the browser insist on
// Secure, Path=/ and no Domain, so a sibling subdomain cannot plant or
// read it; it needs Secure, so plain HTTP on loopback uses the bare name
// (docs/adr/0030-console-sessions.md).
const (
	secureCookieName   = "__Host-fireline_session"
	loopbackCookieName = "fireline_session"
)

// secureRequest reports whether the session cookie must be Secure: always,
// except for plain HTTP to a loopback address (a laptop, a test).
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// sessionSecret returns the session cookie's value, or "".
func sessionSecret(r *http.Request) string {
	for _, name := range []string{secureCookieName, loopbackCookieName} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// setSessionCookie hands the browser a session: HttpOnly, SameSite=Lax,
// Secure with the __Host- prefix unless on loopback HTTP, expiring with
// the session's absolute timeout.
func setSessionCookie(w http.ResponseWriter, r *http.Request, s *fireline.Session) {
	name, secure := loopbackCookieName, secureRequest(r)
	if secure {
		name = secureCookieName
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: s.Secret, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, Expires: s.ExpiresAt, MaxAge: int(time.Until(s.ExpiresAt).Seconds())})
}

// clearSessionCookies tells the browser to forget both cookie names.
func clearSessionCookies(w http.ResponseWriter, r *http.Request) {
	for _, name := range []string{secureCookieName, loopbackCookieName} {
		secure := name == secureCookieName
		if _, err := r.Cookie(name); err == nil {
			http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: secure,
				SameSite: http.SameSiteLaxMode, MaxAge: -1})
		}
	}
}

type userKey struct{}

// userFrom returns the console user authorizeSession put in ctx.
func userFrom(ctx context.Context) *fireline.User {
	u, _ := ctx.Value(userKey{}).(*fireline.User)
	return u
}

// authorizeSession lets a console request through when its session cookie
// names an active session whose user's role includes role, with the
// user's actor in the context. A missing or ended session is redirected
// to /login (303) with the page to come back to; a role that falls short
// gets a 403 page.
func (h *handler) authorizeSession(role fireline.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		var user *fireline.User
		var err error = fireline.Errorf(fireline.EUnauthorized, "log in first")
		if secret := sessionSecret(r); secret != "" && h.cfg.Sessions != nil {
			user, err = h.cfg.Sessions.Session(r.Context(), secret)
		}
		if fireline.ErrorCode(err) == fireline.EUnauthorized {
			clearSessionCookies(w, r)
			http.Redirect(w, r, "/login?next="+url.QueryEscape(returnPath(r)), http.StatusSeeOther)
			return
		} else if err != nil {
			h.renderError(w, r, err)
			return
		}
		actor := user.Actor()
		infoFrom(r.Context()).actor = actor.Name()
		ctx := context.WithValue(fireline.NewContextWithActor(r.Context(), actor), userKey{}, user)
		r = r.WithContext(ctx)
		if !actor.Role.Includes(role) {
			h.renderError(w, r, fireline.Errorf(fireline.EForbidden,
				"This needs the %s role; you are a %s. Ask an administrator if you need more.", role, actor.Role))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// returnPath is where to come back to after logging in: the page asked
// for, or the dashboard for anything that is not a page.
func returnPath(r *http.Request) string {
	if r.Method != http.MethodGet || strings.HasPrefix(r.URL.Path, "/live/") {
		return "/"
	}
	return r.URL.RequestURI()
}

// safeNext accepts only a local path as a place to go after login, so
// that /login cannot be used to send people elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

// seeOther ends a successful form post: the browser loads the page anew
// (post/redirect/get), so a reload never posts twice.
func seeOther(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}
