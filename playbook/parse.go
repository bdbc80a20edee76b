package playbook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	yast "github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/fireline-dev/fireline"
)

// Problem is one thing wrong with a playbook file, at a line of it.
type Problem struct {
	File    string
	Line    int // 1-based; 0 when the problem has no position
	Message string
}

// String formats the problem as "file:line: message".
func (p Problem) String() string {
	if p.Line == 0 {
		return p.File + ": " + p.Message
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
}

// Problems is every problem found, in file and line order; it is an error.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) sort() {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
}

// File is a parsed playbook file: its playbook, and the lines of its front
// matter's fields for the problems Check finds.
type File struct {
	Name     string
	Playbook *fireline.Playbook
	lines    map[string]int // front matter path ("owner", "applies_to[0].services[1]") -> line
	// autoLines are the lines of the steps' auto keys, by step key.
	autoLines map[string]int
}

// line returns the line of a front matter path, or of its nearest
// ancestor that has one.
func (f *File) line(path string) int {
	for {
		if l, ok := f.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return f.lines[""]
		}
		path = path[:i]
	}
}

// frontMatter is the YAML between the file's --- lines.
type frontMatter struct {
	ID           string      `yaml:"id"`
	Title        string      `yaml:"title"`
	Owner        string      `yaml:"owner"`
	LastReviewed string      `yaml:"last_reviewed"`
	AppliesTo    []matchYAML `yaml:"applies_to"`
}

type matchYAML struct {
	Sources    []string `yaml:"sources"`
	Services   []string `yaml:"services"`
	Severities []string `yaml:"severities"`
	Alerts     []string `yaml:"alerts"`
	Keywords   []string `yaml:"keywords"`
}

// parsing holds one file's parse: its name and problems.
type parsing struct {
	file     *File
	problems Problems
}

func (ps *parsing) add(line int, format string, args ...any) {
	ps.problems = append(ps.problems, Problem{File: ps.file.Name, Line: line, Message: fmt.Sprintf(format, args...)})
}

// Parse parses one playbook file; name is used in problems. It reports
// every problem at once: front matter syntax and fields, and each section
// and step that is not as the format says.
func Parse(name string, data []byte) (*File, Problems) {
	ps := &parsing{file: &File{Name: name, lines: map[string]int{}, autoLines: map[string]int{}}}
	fm, body, bodyLine, ok := splitFrontMatter(data)
	if !ok {
		ps.add(1, "a playbook starts with a YAML front matter between --- lines (id, title, owner, last_reviewed, applies_to)")
		return nil, ps.problems
	}
	pb := &fireline.Playbook{}
	ps.file.Playbook = pb
	ps.frontMatter(fm, pb)
	ps.body(body, bodyLine, pb)
	sum := sha256.Sum256(data)
	pb.Digest = hex.EncodeToString(sum[:])[:12]
	if len(ps.problems) > 0 {
		ps.problems.sort()
		return nil, ps.problems
	}
	return ps.file, nil
}

// splitFrontMatter cuts the file at its front matter's closing ---: the
// YAML, the Markdown after it, and the line the Markdown starts on.
func splitFrontMatter(data []byte) (fm, body []byte, bodyLine int, ok bool) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) == 0 || strings.TrimSpace(string(lines[0])) != "---" {
		return nil, nil, 0, false
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(string(lines[i])) == "---" {
			return bytes.Join(lines[1:i], nil), bytes.Join(lines[i+1:], nil), i + 2, true
		}
	}
	return nil, nil, 0, false
}

// yamlErrorWithToken is the shape of go-yaml's positioned errors.
type yamlErrorWithToken interface {
	GetToken() *token.Token
	GetMessage() string
}

// frontMatter decodes and checks the front matter, which starts on line 2.
func (ps *parsing) frontMatter(src []byte, pb *fireline.Playbook) {
	const first = 2
	yamlErr := func(err error) {
		var ye yamlErrorWithToken
		if errors.As(err, &ye) && ye.GetToken() != nil {
			ps.add(ye.GetToken().Position.Line+first-1, "front matter: %s", ye.GetMessage())
			return
		}
		ps.add(first, "front matter: %v", err)
	}
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		yamlErr(err)
		return
	}
	var fm frontMatter
	if err := yaml.UnmarshalWithOptions(src, &fm, yaml.Strict()); err != nil {
		yamlErr(err)
		return
	}
	at := func(path string) int {
		ps.file.lines[path] = first
		p, err := yaml.PathString("$." + path)
		if err != nil {
			return first
		}
		n, err := p.FilterFile(file)
		if err != nil || n == nil || n.GetToken() == nil {
			return first
		}
		l := keyLine(file, n) + first - 1
		ps.file.lines[path] = l
		return l
	}
	pb.ID, pb.Title, pb.Owner = fm.ID, strings.TrimSpace(fm.Title), fm.Owner
	switch {
	case fm.ID == "":
		ps.add(at(""), "front matter: id is required")
	case !fireline.ValidSlug(fm.ID):
		ps.add(at("id"), "id %q: want 1-64 characters of a-z, 0-9, '-', '_' or '.'", fm.ID)
	default:
		at("id")
	}
	if pb.Title == "" {
		ps.add(at(""), "front matter: title is required")
	}
	if fm.Owner == "" {
		ps.add(at(""), "front matter: owner is required (a person id of the policy's directory)")
	} else {
		at("owner")
	}
	if fm.LastReviewed == "" {
		ps.add(at(""), "front matter: last_reviewed is required (a date such as 2026-10-01)")
	} else if d, err := fireline.ParseDate(fm.LastReviewed); err != nil {
		ps.add(at("last_reviewed"), "last_reviewed %q: want a date such as 2026-10-01", fm.LastReviewed)
	} else {
		pb.LastReviewed = d
		at("last_reviewed")
	}
	for i, m := range fm.AppliesTo {
		pb.AppliesTo = append(pb.AppliesTo, ps.match(fmt.Sprintf("applies_to[%d]", i), m, at))
	}
}

// keyLine is the line of the key whose value n is, or n's own line.
func keyLine(file *yast.File, n yast.Node) int {
	line := n.GetToken().Position.Line
	if m, ok := n.(*yast.MappingNode); ok && len(m.Values) > 0 {
		return m.Values[0].Key.GetToken().Position.Line
	}
	if m, ok := n.(*yast.MappingValueNode); ok {
		return m.Key.GetToken().Position.Line
	}
	return line
}

func (ps *parsing) match(path string, m matchYAML, at func(string) int) fireline.PlaybookMatch {
	var out fireline.PlaybookMatch
	if len(m.Sources)+len(m.Services)+len(m.Severities)+len(m.Alerts)+len(m.Keywords) == 0 {
		ps.add(at(path), "%s: a rule sets at least one of sources, services, severities, alerts, keywords", path)
	}
	for i, s := range m.Sources {
		if !slices.Contains(fireline.Sources, fireline.Source(s)) {
			ps.add(at(fmt.Sprintf("%s.sources[%d]", path, i)), "%s: unknown source %q: want monitoring, user_report, support_ticket, on_call or security", path, s)
		}
		out.Sources = append(out.Sources, fireline.Source(s))
	}
	for i, s := range m.Severities {
		if !slices.Contains(fireline.Severities, fireline.Severity(s)) {
			ps.add(at(fmt.Sprintf("%s.severities[%d]", path, i)), "%s: unknown severity %q: want P1, P2, P3 or P4", path, s)
		}
		out.Severities = append(out.Severities, fireline.Severity(s))
	}
	for i, s := range m.Alerts {
		lm, err := fireline.ParseLabelMatcher(s)
		if err != nil {
			ps.add(at(fmt.Sprintf("%s.alerts[%d]", path, i)), "%s: %v", path, err)
			continue
		}
		out.Alerts = append(out.Alerts, lm)
	}
	for i, k := range m.Keywords {
		if strings.TrimSpace(k) == "" {
			ps.add(at(fmt.Sprintf("%s.keywords[%d]", path, i)), "%s: an empty keyword matches every title", path)
		}
		out.Keywords = append(out.Keywords, strings.TrimSpace(k))
	}
	for i := range m.Services {
		at(fmt.Sprintf("%s.services[%d]", path, i)) // Check looks them up in the policy
	}
	out.Services = m.Services
	return out
}
