package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestLoginFailuresAreCountedByEveryReplica: failures counted at once
// through two database handles (two replicas) all count, none is lost to
// the other's write; blocks are seen by both; clearing forgets; a key left
// alone for a day is forgotten.
//
// Not parallel: 40 failures at once through two replicas open up to 40
// connections, and beside other tests the shared PostgreSQL refused some
// ("too many clients", max_connections 100).
func TestLoginFailuresAreCountedByEveryReplica(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		a, b := sqlstore.NewLoginThrottle(e.db), sqlstore.NewLoginThrottle(openDB(t, dsn, e.clock, sqlstore.Options{Planner: noWork}))
		now := e.clock.Now()
		keys := []string{"address:1", "account:x"}
		count := func(_ string, f *fireline.LoginFailures) {
			f.Count++
			f.Last = now
			if f.Count > 30 {
				f.Blocked = now.Add(time.Minute)
			}
		}
		var wg sync.WaitGroup
		for i := range 40 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				if err := s.CountLoginFailure(noContext, keys, now, count); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var seen *fireline.LoginFailures
		if err := a.CountLoginFailure(noContext, []string{"account:x"}, now, func(_ string, f *fireline.LoginFailures) {
			c := *f
			seen = &c
		}); err != nil {
			t.Fatal(err)
		}
		if seen.Count != 40 || !seen.Last.Equal(now) {
			t.Fatalf("after 40 concurrent failures on two replicas: %+v", seen)
		}
		for _, s := range []*sqlstore.LoginThrottle{a, b} {
			until, err := s.LoginBlockedUntil(noContext, []string{"address:1", "device:none"})
			if err != nil || !until.Equal(now.Add(time.Minute)) {
				t.Fatalf("blocked until %v %v, want %v", until, err, now.Add(time.Minute))
			}
		}
		if err := b.ClearLoginFailures(noContext, []string{"address:1", "account:x"}); err != nil {
			t.Fatal(err)
		}
		if until, err := a.LoginBlockedUntil(noContext, keys); err != nil || !until.IsZero() {
			t.Fatalf("after clearing: %v %v", until, err)
		}
		// A day later, a failure on another key drops the old rows.
		if err := a.CountLoginFailure(noContext, []string{"address:2"}, now, count); err != nil {
			t.Fatal(err)
		}
		later := now.Add(fireline.LoginFailuresForgotten + time.Minute)
		if err := a.CountLoginFailure(noContext, []string{"address:3"}, later, count); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := raw(t, dsn).QueryRow("SELECT COUNT(*) FROM login_failures").Scan(&n); err != nil || n != 1 {
			t.Fatalf("rows after a day: %d %v, want 1", n, err)
		}
	})
}
