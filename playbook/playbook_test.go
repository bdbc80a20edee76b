package playbook_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/playbook"
	"github.com/fireline-dev/fireline/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// render writes playbooks as the golden files hold them: one line a step.
func render(pbs []*fireline.Playbook) string {
	var b strings.Builder
	for _, pb := range pbs {
		fmt.Fprintf(&b, "%s %q owner=%s reviewed=%s digest-len=%d\n", pb.ID, pb.Title, pb.Owner, pb.LastReviewed, len(pb.Digest))
		for _, m := range pb.AppliesTo {
			fmt.Fprintf(&b, "  applies to: %s\n", m.String())
		}
		for _, s := range pb.Steps {
			fmt.Fprintf(&b, "  %-24s %-20s %q", s.Key, s.Stage, s.Text)
			if len(s.Severities) > 0 {
				fmt.Fprintf(&b, " severities=%v", s.Severities)
			}
			if s.Link != "" {
				fmt.Fprintf(&b, " link=%s", s.Link)
			}
			if s.Command != "" {
				fmt.Fprintf(&b, " command=%q", s.Command)
			}
			if s.Auto != "" {
				fmt.Fprintf(&b, " auto=%s", s.Auto)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./playbook -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./playbook -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// The guide's four playbooks and its workflow, step by step, verbatim.
func TestDefaultsGolden(t *testing.T) {
	pbs := playbook.Defaults()
	golden(t, "defaults.golden", render(pbs))
	var ids []string
	for _, pb := range pbs {
		ids = append(ids, pb.ID)
	}
	if got := strings.Join(ids, ","); got != "api-rate-limiting,database-performance,security-incident,service-outage,workflow" {
		t.Errorf("default ids = %s", got)
	}
	files, problems := playbook.ParseAll(playbook.DefaultFiles())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if ps := playbook.Check(files, policy.Default(), "default.yaml"); len(ps) > 0 {
		t.Errorf("the defaults against the default policy:\n%v", ps)
	}
}

func TestValidGolden(t *testing.T) {
	files, err := playbook.LoadDir("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "valid.golden", render(playbook.Playbooks(files)))
	p := policy.Default()
	p.PlaybookRules.Required = nil // the default policy requires the workflow, which this directory lacks
	if ps := playbook.Check(files, p, "default.yaml"); len(ps) > 0 {
		t.Errorf("Check: %v", ps)
	}
}

// Every problem of every invalid file, as file:line: message.
func TestInvalidGolden(t *testing.T) {
	paths, _ := filepath.Glob("testdata/invalid/*.md")
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, problems := playbook.Parse(p, data)
		if f != nil {
			problems = append(problems, playbook.Check([]*playbook.File{f}, policy.Default(), "default.yaml")...)
		}
		if len(problems) == 0 {
			t.Errorf("%s: no problems", p)
		}
		for _, pr := range problems {
			b.WriteString(pr.String() + "\n")
		}
	}
	golden(t, "invalid.golden", b.String())
}

// Check runs what needs the policy: owners, services and roles it knows,
// and the playbooks it requires.
func TestCheckAgainstPolicy(t *testing.T) {
	data := []byte("---\nid: x\ntitle: X\nowner: nobody\nlast_reviewed: 2026-10-01\napplies_to:\n  - services: [api-gateway, nope]\n---\n## Mitigation\n\n- [ ] Do it <!-- auto: role_assigned:janitor -->\n")
	f, problems := playbook.Parse("x.md", data)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	p := policy.Default()
	p.PlaybookRules.Required = append(p.PlaybookRules.Required[:0], fireline.RequiredPlaybooks{Severities: []fireline.Severity{fireline.P1}, Playbooks: []string{"missing"}})
	got := playbook.Check([]*playbook.File{f}, p, "fireline.yaml").Error()
	want := strings.Join([]string{
		`fireline.yaml: playbooks.required[0]: no playbook "missing" among the playbooks loaded`,
		`x.md:4: owner "nobody" is not a person of the policy's directory`,
		`x.md:7: applies_to[0]: unknown service "nope"`,
		`x.md:11: auto: unknown role "janitor"`,
	}, "\n")
	if got != want {
		t.Errorf("Check:\n%s\nwant\n%s", got, want)
	}
}

func TestLoadDirErrors(t *testing.T) {
	if _, err := playbook.LoadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no *.md files") {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := playbook.LoadDir(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing dir: no error")
	}
	dir := t.TempDir()
	for _, f := range playbook.DefaultFiles() {
		os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "zz-copy.md"), playbook.DefaultFiles()[0].Data, 0o644)
	_, err := playbook.LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), `zz-copy.md:2: duplicate id "api-rate-limiting"`) {
		t.Errorf("duplicate: %v", err)
	}
}
