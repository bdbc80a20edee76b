package fireline_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/fireline-dev/fireline"

// TestImportDirection enforces DESIGN.md's layout: imports point inward.
// The domain imports only the standard library; web never reaches the
// store; the engine and the store never reach each other (the domain
// decides the work, the store persists it, the engine runs it); nothing
// but cmd/ and tests wires packages together.
func TestImportDirection(t *testing.T) {
	forbidden := map[string][]string{
		".":            {module + "/"},
		"policy":       {module + "/sqlstore", module + "/web", module + "/cmd", module + "/playbook"},
		"playbook":     {module + "/sqlstore", module + "/web", module + "/cmd", module + "/engine", module + "/policy"},
		"sqlstore":     {module + "/web", module + "/cmd", module + "/policy", module + "/engine", module + "/notify"},
		"engine":       {module + "/sqlstore", module + "/web", module + "/cmd", module + "/policy", module + "/tracker"},
		"jobs":         {module + "/"},
		"web":          {module + "/sqlstore", module + "/engine", module + "/cmd", module + "/policy", module + "/playbook"},
		"firelinetest": {module + "/web", module + "/cmd"},
		// The invitation is a leaf: the domain's types in, iCalendar out.
		"invite": {module + "/sqlstore", module + "/web", module + "/cmd", module + "/engine", module + "/notify", module + "/policy"},
		// Slack: the app speaks the domain and slack-go; its fake, only
		// the standard library.
		"slackapp":           {module + "/sqlstore", module + "/web", module + "/cmd", module + "/engine", module + "/policy"},
		"slackapp/slacktest": {module + "/"},
		// The tracker's client: the domain's types in, GitHub's REST API
		// out; the engine declares what it needs of it (IssueTracker).
		"tracker/github": {module + "/sqlstore", module + "/web", module + "/cmd", module + "/engine", module + "/notify", module + "/policy"},
		// The benches start servers through the function cmd/ gives them.
		"bench": {module + "/cmd", module + "/engine"},
	}
	for dir, bad := range forbidden {
		for path, imp := range packageImports(t, dir) {
			for _, b := range bad {
				if strings.HasPrefix(imp, b) || (dir == "." && imp == module) {
					t.Errorf("%s imports %s", path, imp)
				}
			}
			if dir == "." && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				t.Errorf("%s imports %s; the domain uses the standard library only", path, imp)
			}
		}
	}
}

// packageImports returns each non-test Go file's imports in dir.
func packageImports(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	out := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[f+" -> "+p] = p
		}
	}
	return out
}
