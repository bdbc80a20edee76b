package web

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fireline-dev/fireline"
)

// TestBucketsBounded: keys cycled faster than buckets refill never keep
// more than maxBuckets; once refilled, a bucket is dropped by the next
// sweep, since a full bucket is the same as a new one.
func TestBucketsBounded(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	b := newBuckets(fireline.RateLimit{PerSecond: 1, Burst: 2})
	for i := range 3 * maxBuckets {
		if r, _ := b.take("key-"+strconv.Itoa(i), now); r == nil {
			t.Fatalf("a new key's first request was refused")
		}
		if b.size() > maxBuckets {
			t.Fatalf("%d buckets after %d keys, want at most %d", b.size(), i+1, maxBuckets)
		}
	}
	// Within the sweep interval a new key sweeps nothing; after it, every
	// bucket has refilled and is dropped.
	b.take("one more", now.Add(time.Second))
	if n := b.size(); n < maxBuckets*9/10 {
		t.Fatalf("%d buckets a second later, want the busy ones kept", n)
	}
	b.take("a minute later", now.Add(sweepEvery))
	if n := b.size(); n != 1 {
		t.Fatalf("%d buckets after the sweep, want 1 (the new key's)", n)
	}
}

// TestRefusalGivesBackAndHolds: a request its address refuses gives its
// token's token back; a refusal is held back until the bucket would hold
// a token again, at most MaxHold, and then answered 429.
func TestRefusalGivesBackAndHolds(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	limits := RequestLimits{Credential: fireline.RateLimit{PerSecond: 1, Burst: 2}, Address: fireline.RateLimit{PerSecond: 0.5, Burst: 1}, MaxHold: time.Second}
	rl := newRequestLimiter(limits, prometheus.NewRegistry())
	if scope, _ := rl.take(scopeToken, "fl_a", "192.0.2.1", now); scope != "" {
		t.Fatalf("first request refused by %s", scope)
	}
	if scope, wait := rl.take(scopeToken, "fl_a", "192.0.2.1", now); scope != scopeAddress || wait != 2*time.Second {
		t.Fatalf("second request: refused by %q, wait %v; want the address, 2s", scope, wait)
	}
	if scope, _ := rl.take(scopeToken, "fl_a", "192.0.2.2", now); scope != "" {
		t.Fatalf("the token's second token, from another address: refused by %s", scope)
	}
	if scope, wait := rl.take(scopeToken, "fl_a", "192.0.2.3", now); scope != scopeToken || wait != time.Second {
		t.Fatalf("its third: refused by %q, wait %v; want the token, 1s", scope, wait)
	}

	// Through a route, with no address limit:
	rl = newRequestLimiter(RequestLimits{Credential: limits.Credential, MaxHold: time.Second}, prometheus.NewRegistry())
	var held []time.Duration
	rl.after = func(d time.Duration) <-chan time.Time {
		held = append(held, d)
		c := make(chan time.Time, 1)
		c <- now.Add(d)
		return c
	}
	h := &handler{now: func() time.Time { return now }, limiter: rl}
	served := h.limitRoute(Route{Method: "GET", Pattern: "/api/v1/me", Role: fireline.RoleViewer},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	get := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.RemoteAddr, r.Header["Authorization"] = "198.51.100.7:5000", []string{"Bearer fl_b"}
		w := httptest.NewRecorder()
		served.ServeHTTP(w, r)
		return w
	}
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests} {
		if w := get(); w.Code != want {
			t.Fatalf("request %d: %d, want %d", i, w.Code, want)
		}
	}
	if len(held) != 1 || held[0] != time.Second {
		t.Fatalf("held %v, want one hold of 1s", held)
	}
	rl.limits.MaxHold = 0
	if w := get(); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" || len(held) != 1 {
		t.Fatalf("without holds: %d Retry-After %q, held %v", w.Code, w.Header().Get("Retry-After"), held)
	}
}

// TestUnlimitedRoutesArePublic: every route exempt from the limits is a
// public one (health, readiness, a signed webhook), spelled as routes.go
// declares it, so that a renamed route cannot drop out of the list.
func TestUnlimitedRoutesArePublic(t *testing.T) {
	for _, p := range unlimitedRoutes {
		if !slices.Contains(publicRoutes, p) {
			t.Errorf("%s is exempt from rate limits but is not a public route", p)
		}
	}
}
