package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
)

// TestPolicyDiff: `policy diff OLD NEW` names, in the guide's terms, a
// severity's new resolve target, a chain step's new delay, a person who
// joined and one whose teams changed; with no change it says so; a
// broken file fails as policy check does.
func TestPolicyDiff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	oldFile, newFile := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
	run := func(args ...string) cliResult {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
			Getenv: func(string) string { return "" }, Now: func() time.Time { return businessHours }})
		return cliResult{stdout.String(), stderr.String(), code}
	}
	if r := run("policy", "init", oldFile); r.code != 0 {
		t.Fatal(r.stderr)
	}
	b, _ := os.ReadFile(oldFile)
	y := string(b)
	for _, r := range [][2]string{
		{"    resolve: 4h\n", "    resolve: 2h\n"},
		{"        titles: [Engineering Lead]\n        delay: 30m\n", "        titles: [Engineering Lead]\n        delay: 20m\n"},
		{"    email: casey@berrys.ai\n    teams: [engineering]\n", "    email: casey@berrys.ai\n    teams: [engineering, platform]\n"},
		{"people:\n", "people:\n  - id: robin\n    name: Robin Park\n    title: On-Call Engineer\n    email: robin@berrys.ai\n"},
	} {
		if !strings.Contains(y, r[0]) {
			t.Fatalf("the default policy lacks %q", r[0])
		}
		y = strings.Replace(y, r[0], r[1], 1)
	}
	if err := os.WriteFile(newFile, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run("policy", "diff", oldFile, newFile)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContainLines(t, "policy diff", r.stdout,
		"severity P1: resolve: 4h → 2h\n",
		"chain technical step 2: delay: 30m → 20m\n",
		"person robin: added\n",
		"person casey: teams: [engineering] → [engineering platform]\n")
	var changes []fireline.PolicyChange
	if r := run("policy", "diff", "--json", oldFile, newFile); json.Unmarshal([]byte(r.stdout), &changes) != nil || len(changes) != 4 {
		t.Errorf("--json: %d changes %s", len(changes), r.stdout)
	}
	if r := run("policy", "diff", oldFile, oldFile); r.code != 0 || !strings.Contains(r.stdout, ": 0 change(s)") {
		t.Errorf("no change: exit %d %q", r.code, r.stdout)
	}
	os.WriteFile(newFile, []byte(strings.Replace(y, "    resolve: 2h\n", "    resolve: soon\n", 1)), 0o600)
	if r := run("policy", "diff", oldFile, newFile); r.code == 0 || !strings.Contains(r.stderr, newFile+":") {
		t.Errorf("a broken file: exit %d %q", r.code, r.stderr)
	}
}
