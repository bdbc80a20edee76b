package firelinetest_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

func TestEventuallyReturnsOnceTheCheckPasses(t *testing.T) {
	t.Parallel()
	calls := 0
	firelinetest.Eventually(t, 10*time.Second, func() error {
		if calls++; calls < 3 {
			return fmt.Errorf("call %d", calls)
		}
		return nil
	})
	if calls != 3 {
		t.Fatalf("checked %d times, want 3", calls)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// its goroutine, as the testing package's does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestEventuallyFailsWithTheLastError(t *testing.T) {
	t.Parallel()
	r := &fatalRecorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		firelinetest.EventuallyEvery(r, 20*time.Millisecond, time.Millisecond, func() error {
			return errors.New("no page for INC-1")
		})
	}()
	<-done
	if !strings.Contains(r.msg, "20ms") || !strings.Contains(r.msg, "no page for INC-1") {
		t.Fatalf("failure message %q, want the timeout and the check's error", r.msg)
	}
}
