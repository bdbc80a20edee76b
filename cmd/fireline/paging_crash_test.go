package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// TestKillDuringDelivery builds the real binary, serves on SQLite with a
// 2 s job lease, stalls the webhook sink, and kill -9s the server while
// pages are in flight; after a restart every incident's page arrives at
// least once, and any repeat carries the same message id.
func TestKillDuringDelivery(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildFireline(t)
	sink := firelinetest.NewWebhookSink(t)
	release := make(chan struct{})
	stalled := make(chan string, 100)
	var once sync.Once
	sink.Respond(func(path string) (int, string) {
		select {
		case stalled <- path:
		default:
		}
		<-release // hold the page until the server is dead
		return 0, ""
	})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	env := append(os.Environ(), "FIRELINE_DB="+filepath.Join(dir, "fireline.db"), "FIRELINE_POLICY="+pagingPolicy(t, sink.URL, false),
		"FIRELINE_BOOTSTRAP_TOKEN="+adminSecret, "FIRELINE_WEBHOOK_SECRET="+firelinetest.WebhookSecret,
		"FIRELINE_ALLOW_OUTBOUND=127.0.0.0/8", "FIRELINE_JOB_LEASE=2s", "FIRELINE_SMTP_HOST=")
	start := func() (*exec.Cmd, string) { return serveBinary(t, bin, dir, env) }

	srv, url := start()
	const n = 4
	ids := map[string]bool{}
	for i := range n {
		inc, err := web.NewClient(url, adminSecret).DeclareIncident(context.Background(), fireline.DeclareInput{
			Title: fmt.Sprintf("crash test %d", i), Severity: fireline.P2, Services: []string{"api-gateway"}})
		if err != nil {
			t.Fatal(err)
		}
		ids[inc.ID] = true
	}
	select {
	case <-stalled: // a page is in flight
	case <-time.After(20 * time.Second):
		t.Fatal("no page reached the sink")
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	once.Do(func() { close(release) }) // the held pages land now; the sender never heard back
	sink.Respond(nil)

	start()
	firelinetest.EventuallyEvery(t, 30*time.Second, 50*time.Millisecond, func() error {
		got := map[string]bool{}
		for _, h := range sink.Hooks() {
			got[fmt.Sprint(h.Data["incident"])] = true
		}
		if len(got) < n {
			return fmt.Errorf("after the restart, pages arrived for %v, want %v", got, ids)
		}
		return nil
	})
	byPage := map[string]map[string]bool{}
	for _, h := range sink.Hooks() {
		k := fmt.Sprintf("%v|%v|%s", h.Data["incident"], h.Data["step"], h.Path)
		if byPage[k] == nil {
			byPage[k] = map[string]bool{}
		}
		byPage[k][h.ID] = true
	}
	for k, set := range byPage {
		if len(set) != 1 {
			t.Errorf("%s arrived under %d message ids: %v", k, len(set), set)
		}
	}
	t.Logf("%d webhooks received for %d pages", len(sink.Hooks()), len(byPage))
}
