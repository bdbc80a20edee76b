package main

import (
	"net/http"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestLoginThrottlingAcrossReplicas: failed logins counted on one replica
// throttle the account on the other too (docs/adr/0034): guessing through
// two servers behind a balancer gets no more tries than through one.
func TestLoginThrottlingAcrossReplicas(t *testing.T) {
	t.Parallel()
	dsn := firelinetest.PostgresDSN(t)
	a := startTestServer(t, dsn)
	b := startTestServer(t, dsn)
	const pw = "correct horse battery staple"
	email := a.userWithPassword(t, "viewer", "alex", pw)
	login := func(s *testServer, password string) *http.Response {
		t.Helper()
		return s.postLogin(t, email, password, nil)
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
