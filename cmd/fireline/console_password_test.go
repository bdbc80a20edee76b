package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestPasswordChangeAsksForTheCurrentOne (issue 21 item 10): a signed-in
// user changes a password only by typing the current one; a wrong one is
// said on the form, changes nothing and counts toward the login throttle.
// A user without a password yet, and one who has just signed in with a
// one-time login link (a forgotten password), is not asked for it: the
// link proved who they are, for that session only.
func TestPasswordChangeAsksForTheCurrentOne(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		const pw, next, third = "correct horse battery staple", "a brand new passphrase", "the third passphrase here"
		email := s.userWithPassword(t, "viewer", "alex", pw) // the first, after the welcome link: not asked
		sess := loginSession(t, s, email, pw)
		if page := readBody(t, s.console(t, "GET", "/account", sess, nil)); !strings.Contains(page, `name="current_password"`) {
			t.Fatalf("the account page does not ask for the current password:\n%s", page)
		}
		change := func(sess, current, pw string) *http.Response {
			t.Helper()
			return s.console(t, "POST", "/account/password", sess, url.Values{"current_password": {current}, "password": {pw}, "confirm": {pw}})
		}
		expect := func(what string, resp *http.Response, status int, says string) {
			t.Helper()
			page := readBody(t, resp)
			if resp.StatusCode != status || !strings.Contains(page, says) {
				t.Fatalf("%s: %d, want %d saying %q:\n%s", what, resp.StatusCode, status, says, page)
			}
			if strings.Contains(page, pw) || strings.Contains(page, "wrong guess") {
				t.Fatalf("%s: a password is echoed back in the page", what)
			}
		}
		expect("no current password", change(sess, "", next), http.StatusBadRequest, "Current password: required")

		// Five wrong guesses are free, as at the login form; the sixth
		// makes the next attempt wait, even with the right password.
		for range 6 {
			expect("a wrong current password", change(sess, "wrong guess", next), http.StatusBadRequest, "Current password: is not your current password")
		}
		resp := change(sess, pw, next)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("after six wrong guesses: %d Retry-After %q, want 429 1", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		expect("throttled", resp, http.StatusTooManyRequests, "Too many wrong passwords")
		if r := s.postLogin(t, email, pw, nil); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("the wrong guesses do not count at the login form: %d", r.StatusCode)
		}
		s.clock.Advance(time.Second)
		if r := s.postLogin(t, email, next, nil); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("the new password works though never saved: %d", r.StatusCode)
		}
		s.clock.Advance(2 * time.Second)

		// With it, saved.
		if r := change(sess, pw, next); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account?saved=1" {
			t.Fatalf("with the current password: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		loginSession(t, s, email, next)

		// A forgotten password: an admin's login link lets the user choose
		// a new one without it, in the session the link started.
		var out struct {
			LoginLink string `json:"login_link"`
		}
		s.cliJSON(t, adminSecret, &out, "user", "login-link", email)
		linked := s.redeemCookies(t, out.LoginLink)
		if page := readBody(t, s.consoleWith(t, "GET", "/account", linked, nil)); strings.Contains(page, `name="current_password"`) {
			t.Fatalf("after a login link, the account page asks for the current password:\n%s", page)
		}
		if r := s.consoleWith(t, "POST", "/account/password", linked, url.Values{"password": {third}, "confirm": {third}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after a login link, without the current password: %d %s", r.StatusCode, readBody(t, r))
		}
		loginSession(t, s, email, third)
		// The link's proof is for its own session: carried to another, it
		// proves nothing.
		other := []*http.Cookie{{Name: "fireline_session", Value: loginSession(t, s, email, third)}}
		for _, c := range linked {
			if c.Name != "fireline_session" {
				other = append(other, c)
			}
		}
		if r := s.consoleWith(t, "POST", "/account/password", other, url.Values{"password": {pw}, "confirm": {pw}}); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("another session with the link's proof, without the current password: %d", r.StatusCode)
		}
	})
}

// loginSession signs in with a password and returns the session cookie's
// value.
func loginSession(t *testing.T, s *testServer, email, password string) string {
	t.Helper()
	resp := s.postLogin(t, email, password, nil)
	for _, c := range resp.Cookies() {
		if c.Name == "fireline_session" && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("login as %s: %d, no session", email, resp.StatusCode)
	return ""
}

// redeemCookies signs in with a login link and returns the cookies the
// answer sets.
func (s *testServer) redeemCookies(t *testing.T, link string) []*http.Cookie {
	t.Helper()
	u, _ := url.Parse(link)
	resp := s.console(t, "POST", "/login/link", "", url.Values{"token": {u.Query().Get("token")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("redeeming the login link: %d", resp.StatusCode)
	}
	return resp.Cookies()
}
