package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// newUser creates a console user as admin through the CLI and returns
// their one-time login link (a full URL on the test server).
func (s *testServer) newUser(t *testing.T, role, person string) (email, link string) {
	t.Helper()
	email = person + "-" + role + "@example.com"
	var out struct {
		LoginLink string `json:"login_link"`
	}
	s.cliJSON(t, adminSecret, &out, "user", "create", "--email", email, "--name", strings.ToUpper(person[:1])+person[1:], "--role", role, "--person", person)
	if !strings.HasPrefix(out.LoginLink, s.URL()+"/login/link?token=") {
		t.Fatalf("user create printed link %q", out.LoginLink)
	}
	return email, out.LoginLink
}

// session signs a new console user in with their login link, over plain
// HTTP, and returns the session cookie's value.
func (s *testServer) session(t *testing.T, role, person string) string {
	t.Helper()
	_, link := s.newUser(t, role, person)
	return s.redeem(t, link)
}

// redeem signs in with a login link and returns the session cookie's value.
func (s *testServer) redeem(t *testing.T, link string) string {
	t.Helper()
	u, _ := url.Parse(link)
	resp := s.console(t, "POST", "/login/link", "", url.Values{"token": {u.Query().Get("token")}})
	for _, c := range resp.Cookies() {
		if c.Name == "fireline_session" && c.Value != "" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax", c)
			}
			return c.Value
		}
	}
	t.Fatalf("redeeming the login link: %d, no session cookie", resp.StatusCode)
	return ""
}

// console makes one browser-like request with a session cookie (or none),
// without following redirects.
func (s *testServer) console(t *testing.T, method, path, cookie string, form url.Values) *http.Response {
	t.Helper()
	var cookies []*http.Cookie
	if cookie != "" {
		cookies = append(cookies, &http.Cookie{Name: "fireline_session", Value: cookie})
	}
	return s.consoleWith(t, method, path, cookies, form)
}

// consoleWith is console with any cookies.
func (s *testServer) consoleWith(t *testing.T, method, path string, cookies []*http.Cookie, form url.Values) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.URL()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return resp
}

// checkConsoleRoute checks one console route's access: without a session,
// with an unknown one, or with an API token instead, it sends the browser
// to /login (303); with a session whose role falls short, 403; with one
// whose role suffices, neither.
func checkConsoleRoute(t *testing.T, s *testServer, r web.Route, path string, sessions map[fireline.Role]string) {
	t.Helper()
	if r.Method == "GET" && strings.HasPrefix(r.Pattern, "/live/") {
		path += "?probe=1" // streams are checked for access only, below
	}
	for _, cookie := range []string{"", "not-a-session"} {
		resp := s.console(t, r.Method, path, cookie, url.Values{})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("%s %s with session %q: %d Location %q, want 303 to /login", r.Method, r.Pattern, cookie, resp.StatusCode, loc)
		}
	}
	req, _ := http.NewRequest(r.Method, s.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+adminSecret)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noFollow.Do(req); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("%s %s with an admin API token: %d, want 303 to /login (tokens do not open the console)", r.Method, r.Pattern, resp.StatusCode)
	}
	for role, cookie := range sessions {
		if strings.HasPrefix(r.Pattern, "/live/") && role.Includes(r.Role) {
			continue // an open stream never ends; access is what matters here
		}
		resp := s.console(t, r.Method, path, cookie, url.Values{})
		switch {
		case !role.Includes(r.Role) && resp.StatusCode != http.StatusForbidden:
			t.Errorf("%s %s as %s: %d, want 403", r.Method, r.Pattern, role, resp.StatusCode)
		case role.Includes(r.Role) && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")):
			t.Errorf("%s %s as %s: %d, want access", r.Method, r.Pattern, role, resp.StatusCode)
		}
	}
}

// userWithPassword creates a user who has signed in once with a login link
// and chosen password; it returns the user's email.
func (s *testServer) userWithPassword(t *testing.T, role, person, password string) string {
	t.Helper()
	email, link := s.newUser(t, role, person)
	session := s.redeem(t, link)
	if r := s.console(t, "POST", "/account/password", session, url.Values{"password": {password}, "confirm": {password}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password: %d", r.StatusCode)
	}
	return email
}

// postLogin posts the console's login form, with a device cookie if one
// is given, and returns the answer without following its redirect.
func (s *testServer) postLogin(t *testing.T, email, password string, device *http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL()+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if device != nil {
		req.AddCookie(device)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
