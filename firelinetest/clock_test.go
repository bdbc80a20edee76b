package firelinetest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := firelinetest.NewClock(t0)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Advance(time.Minute); _ = c.Now() })
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("now %v", got)
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("set: %v", c.Now())
	}
}

func TestSQLiteDSN(t *testing.T) {
	if a, b := firelinetest.SQLiteDSN(t), firelinetest.SQLiteDSN(t); a == b {
		t.Fatalf("the same path twice: %s", a)
	}
}
