package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestLoginThrottlingAcrossReplicas: failed logins counted on one replica
// throttle the account on the other too (docs/adr/0034): guessing through
// two servers behind a balancer gets no more tries than through one.
func TestLoginThrottlingAcrossReplicas(t *testing.T) {
	dsn := firelinetest.PostgresDSN(t)
	a := startTestServer(t, dsn)
	b := startTestServer(t, dsn)
	const pw = "correct horse battery staple"
	email, link := a.newUser(t, "viewer", "alex")
	u, _ := url.Parse(link)
	resp := a.console(t, "POST", "/login/link", "", url.Values{"token": {u.Query().Get("token")}})
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == "fireline_session" {
			session = c.Value
		}
	}
	if r := a.console(t, "POST", "/account/password", session, url.Values{"password": {pw}, "confirm": {pw}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password: %d", r.StatusCode)
	}
	login := func(s *testServer, password string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", s.URL()+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	// Six failures, alternating between the replicas: the account's five
	// free ones and one more.
	for i := range 6 {
		s := a
		if i%2 == 1 {
			s = b
		}
		if r := login(s, "guess"); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("guess %d: %d", i, r.StatusCode)
		}
	}
	for name, s := range map[string]*testServer{"a": a, "b": b} {
		if r := login(s, pw); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" {
			t.Fatalf("replica %s after six failures: %d Retry-After %q, want 429 1", name, r.StatusCode, r.Header.Get("Retry-After"))
		}
	}
}
