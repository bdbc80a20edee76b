package web

import (
	"context"
	"testing"
	"time"
)

// TestMemoryThrottle: without a store, a handler keeps the same rule in
// memory: five free failures per account, then waits that double; a
// success clears the account but not the address.
func TestMemoryThrottle(t *testing.T) {
	ctx, now := context.Background(), time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	lt := newLoginThrottle(nil)
	a := loginAttempt{account: "alex@example.com", address: "192.0.2.1"}
	wait := func() time.Duration {
		t.Helper()
		d, err := lt.wait(ctx, a, now)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for range 5 {
		if err := lt.failed(ctx, a, now); err != nil {
			t.Fatal(err)
		}
	}
	if d := wait(); d != 0 {
		t.Fatalf("after five failures: wait %v, want none", d)
	}
	lt.failed(ctx, a, now)
	if d := wait(); d != time.Second {
		t.Fatalf("after six: wait %v, want 1s", d)
	}
	now = now.Add(time.Second)
	lt.failed(ctx, a, now)
	if d := wait(); d != 2*time.Second {
		t.Fatalf("after seven: wait %v, want 2s", d)
	}
	if err := lt.succeeded(ctx, a); err != nil {
		t.Fatal(err)
	}
	if d := wait(); d != 0 {
		t.Fatalf("after a success: wait %v, want none (the address has 7 of its 20)", d)
	}
	// A day without failures forgets the address's count too.
	now = now.Add(25 * time.Hour)
	for range 20 {
		lt.failed(ctx, loginAttempt{account: "other@example.com", address: "192.0.2.1"}, now)
	}
	b := loginAttempt{account: "third@example.com", address: "192.0.2.1"}
	if d, _ := lt.wait(ctx, b, now); d != 0 {
		t.Fatalf("address after 20 failures in a new day: wait %v, want none", d)
	}
}
