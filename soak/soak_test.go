package soak

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShortSoakPasses builds the real binary once and runs `fireline
// soak --short`'s scenarios against it: kill -9 under intake load on
// SQLite and PostgreSQL, a PostgreSQL outage, two replicas killed during
// walks, receiver faults and the canary hunt. Each must run (none
// skipped: this machine has PostgreSQL's programs) and pass. Its
// PostgreSQL is the soak's own private server, as in CI's
// `fireline soak --short`: the outage scenario stops it, so it cannot be
// the shared test server.
func TestShortSoakPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs real servers for about a minute")
	}
	bin := filepath.Join(t.TempDir(), "fireline")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/fireline-dev/fireline/cmd/fireline").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var log bytes.Buffer
	start := time.Now()
	results, err := Run(context.Background(), Config{Binary: bin, Short: true, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	WriteTable(&table, results)
	t.Logf("soak --short in %s:\n%s", time.Since(start).Round(time.Second), table.String())
	if len(results) != len(scenarios) {
		t.Fatalf("%d results for %d scenarios", len(results), len(scenarios))
	}
	for _, r := range results {
		if !r.Passed() || r.Skipped != "" {
			t.Errorf("%s: failures %v, skipped %q\n%s", r.Scenario, r.Failures, r.Skipped, log.String())
		}
	}
}

// TestUnknownScenarioIsRefused: --only with a name that is not a
// scenario runs nothing and names the ones there are.
func TestUnknownScenarioIsRefused(t *testing.T) {
	_, err := Run(context.Background(), Config{Binary: "/nonexistent", Only: []string{"canary", "kill-everything"}})
	if err == nil || !strings.Contains(err.Error(), `unknown scenario "kill-everything"`) || !strings.Contains(err.Error(), "sink-faults") {
		t.Fatalf("err = %v", err)
	}
}

// TestCheckersCatchFailures feeds the checkers what a broken server
// would produce: an acknowledged alert missing, a page delivered twice
// under one id, a retry before Retry-After. The run must fail on each.
func TestCheckersCatchFailures(t *testing.T) {
	var res Result
	setCheck{acked: 10, stored: 9, lost: 1}.judge(&res, "")
	if res.Passed() || !strings.Contains(strings.Join(res.Failures, "\n"), "1 acknowledged alerts are not stored") {
		t.Errorf("a lost alert: %v", res.Failures)
	}

	id := idWithScript(t, []fault{throttle, accept})
	at := time.Now()
	tries := []attempt{
		{ID: id, Type: "incident.page", Path: "/p/alex", At: at, Fault: throttle},
		{ID: id, Type: "incident.page", Path: "/p/alex", At: at.Add(time.Second), Fault: accept},
		{ID: id, Type: "incident.page", Path: "/p/alex", At: at.Add(2 * time.Second), Fault: accept},
	}
	res = Result{}
	judgeAttempts(&res, tries)
	got := strings.Join(res.Failures, "\n")
	for _, want := range []string{"succeeded 2 times, want once", "3 attempts, want 2", "tried again 1s after a 429"} {
		if !strings.Contains(got, want) {
			t.Errorf("failures %q lack %q", got, want)
		}
	}

	var buf bytes.Buffer
	WriteTable(&buf, []Result{res, {Scenario: "db-outage", Skipped: "no initdb"}})
	if Passed([]Result{res}) || !strings.Contains(buf.String(), "FAIL") || !strings.Contains(buf.String(), "skip db-outage: no initdb") {
		t.Errorf("table:\n%s", buf.String())
	}
}

// idWithScript finds a message id whose script is want.
func idWithScript(t *testing.T, want []fault) string {
	for i := range 1000 {
		id := "msg_" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if s := scriptFor(id); len(s) == len(want) && s[0] == want[0] && s[len(s)-1] == want[len(want)-1] {
			return id
		}
	}
	t.Fatal("no id with that script")
	return ""
}
