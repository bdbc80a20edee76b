package firelinetest

import (
	"testing"
	"time"
)

// PollInterval is how often Eventually checks: often enough that a test
// goes on soon after its condition holds, seldom enough that checks which
// query a database leave the machine to the code under test.
const PollInterval = 5 * time.Millisecond

// Eventually waits for something to happen instead of sleeping for a
// guessed while: it calls check every PollInterval until check returns
// nil, and fails the test with check's last error when timeout passes
// first. check says what it is still waiting for in its error, so that a
// failure reads as what was missing, not only that time ran out.
//
// Call it from the test's goroutine (it may call t.Fatal).
func Eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	EventuallyEvery(t, timeout, PollInterval, check)
}

// EventuallyEvery is Eventually checking every interval: shorter to time
// a latency, longer when a check is heavy (a page load in a browser).
func EventuallyEvery(t testing.TB, timeout, interval time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after %s: %v", timeout, err)
		}
		time.Sleep(interval)
	}
}
