package playbook

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

//go:embed defaults/*.md
var defaults embed.FS

// NamedFile is a playbook file's name and content.
type NamedFile struct {
	Name string
	Data []byte
}

// DefaultFiles returns the embedded default playbooks' files, in name
// order: the guide's four playbooks and its workflow (fireline playbook
// init writes them out).
func DefaultFiles() []NamedFile {
	entries, _ := defaults.ReadDir("defaults")
	var out []NamedFile
	for _, e := range entries {
		data, _ := defaults.ReadFile("defaults/" + e.Name())
		out = append(out, NamedFile{Name: e.Name(), Data: data})
	}
	return out
}

// Defaults returns the default playbooks, freshly parsed. It panics if
// one is invalid, which a test rules out.
func Defaults() []*fireline.Playbook {
	files, problems := ParseAll(DefaultFiles())
	if len(problems) > 0 {
		panic("playbook: embedded default playbooks are invalid:\n" + problems.Error())
	}
	return Playbooks(files)
}

// ParseAll parses files, and reports ids used twice.
func ParseAll(named []NamedFile) ([]*File, Problems) {
	var files []*File
	var problems Problems
	first := map[string]string{}
	for _, nf := range named {
		f, ps := Parse(nf.Name, nf.Data)
		problems = append(problems, ps...)
		if f == nil {
			continue
		}
		if other, dup := first[f.Playbook.ID]; dup {
			problems = append(problems, Problem{File: f.Name, Line: f.line("id"), Message: fmt.Sprintf("duplicate id %q: %s has it too", f.Playbook.ID, other)})
			continue
		}
		first[f.Playbook.ID] = f.Name
		files = append(files, f)
	}
	problems.sort()
	return files, problems
}

// LoadDir reads and parses every *.md file of dir, in name order. A dir
// that cannot be read, or holds no playbook, is an error; invalid files
// give Problems.
func LoadDir(dir string) ([]*File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("read playbooks: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("read playbooks: no *.md files in %s", dir)
	}
	slices.Sort(paths)
	var named []NamedFile
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read playbooks: %w", err)
		}
		named = append(named, NamedFile{Name: p, Data: data})
	}
	files, problems := ParseAll(named)
	if len(problems) > 0 {
		return nil, problems
	}
	return files, nil
}

// Playbooks returns the files' playbooks.
func Playbooks(files []*File) []*fireline.Playbook {
	out := make([]*fireline.Playbook, len(files))
	for i, f := range files {
		out[i] = f.Playbook
	}
	return out
}

// Check reports what the files get wrong about the policy: owners not in
// its directory, services it does not have, roles an auto key names that
// it does not define, and playbooks its playbooks section requires that
// none of the files is (reported against policyFile).
func Check(files []*File, p *fireline.Policy, policyFile string) Problems {
	var problems Problems
	add := func(file string, line int, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	ids := map[string]bool{}
	for _, f := range files {
		pb := f.Playbook
		ids[pb.ID] = true
		if _, ok := p.Person(pb.Owner); !ok {
			add(f.Name, f.line("owner"), "owner %q is not a person of the policy's directory", pb.Owner)
		}
		for i, m := range pb.AppliesTo {
			for j, s := range m.Services {
				if _, ok := p.Service(s); !ok {
					add(f.Name, f.line(fmt.Sprintf("applies_to[%d].services[%d]", i, j)), "applies_to[%d]: unknown service %q", i, s)
				}
			}
		}
		for _, s := range pb.Steps {
			typ, role, ok := strings.Cut(s.Auto, ":")
			if !ok || typ != string(fireline.EventRoleAssigned) {
				continue
			}
			if _, known := p.Role(fireline.IncidentRole(role)); !known {
				add(f.Name, f.autoLines[s.Key], "auto: unknown role %q", role)
			}
		}
	}
	for i, r := range p.PlaybookRules.Required {
		for _, id := range r.Playbooks {
			if id != fireline.AttachedPlaybooks && !ids[id] {
				add(policyFile, 0, "playbooks.required[%d]: no playbook %q among the playbooks loaded", i, id)
			}
		}
	}
	problems.sort()
	return problems
}

// ReviewWarnings are the playbooks whose last review is older than the
// policy's interval (playbooks.review_every, 90 days by default: the
// guide's quarterly review), each at its last_reviewed line.
func ReviewWarnings(files []*File, p *fireline.Policy, now time.Time) Problems {
	var out Problems
	for _, f := range files {
		if overdue, age := p.ReviewOverdue(f.Playbook, now); overdue {
			out = append(out, Problem{File: f.Name, Line: f.line("last_reviewed"),
				Message: fmt.Sprintf("warning: last_reviewed %s is %d days ago, more than the policy's %d-day review interval: review the playbook and update last_reviewed",
					f.Playbook.LastReviewed, age, int(p.PlaybookReviewEvery()/(24*time.Hour)))})
		}
	}
	return out
}
