package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSoakRefusesAnUnknownScenario: `fireline soak --only` with a name
// that is not a scenario runs nothing, says which names there are, and
// exits non-zero; help lists every scenario.
func TestSoakRefusesAnUnknownScenario(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"soak", "--only", "canary,kill-everything"}, Env{Stdout: &out, Stderr: &errOut})
	if code == 0 || !strings.Contains(errOut.String(), `unknown scenario "kill-everything"`) || !strings.Contains(errOut.String(), "kill-intake") || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := Main(context.Background(), []string{"soak", "--help"}, Env{Stdout: &out, Stderr: &errOut}); code != 0 {
		t.Fatalf("soak --help: exit %d", code)
	}
	for _, name := range []string{"kill-intake", "db-outage", "replicas", "sink-faults", "canary", "--short", "--postgres"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("soak --help does not mention %s:\n%s", name, out.String())
		}
	}
}
