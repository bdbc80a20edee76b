package playbook

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/fireline-dev/fireline"
)

var markdown = goldmark.New(goldmark.WithExtensions(extension.TaskList))

// section is where the walk through the Markdown stands.
type section struct {
	stage      fireline.Stage
	heading    string
	severities []fireline.Severity
}

// body walks the Markdown's top-level blocks: ## headings open a stage's
// section, ### headings limit it to severities, lists hold the steps.
func (ps *parsing) body(src []byte, firstLine int, pb *fireline.Playbook) {
	doc := markdown.Parser().Parse(text.NewReader(src))
	lineOf := func(n ast.Node) int { return lineAt(src, n) + firstLine - 1 }
	var cur *section
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch b := n.(type) {
		case *ast.Heading:
			title := inlineText(b, src)
			switch b.Level {
			case 2:
				st, ok := stageOf(title)
				if !ok {
					ps.add(lineOf(b), "unknown section %q: want Detection, Initial response, Investigation (or Verification), Mitigation, Resolution or Post-incident review", title)
					cur = nil
					continue
				}
				cur = &section{stage: st, heading: title}
			case 3:
				if cur == nil {
					ps.add(lineOf(b), "### %s is outside a ## section", title)
					continue
				}
				cur.severities = severitiesIn(title)
				if len(cur.severities) == 0 {
					ps.add(lineOf(b), "### %s: a ### heading names the severities its steps are for, such as \"### For P1/P2 incidents\"", title)
				}
			}
		case *ast.List:
			for li := b.FirstChild(); li != nil; li = li.NextSibling() {
				ps.step(li, src, lineOf, cur, pb)
			}
		}
	}
	if len(pb.Steps) == 0 && len(ps.problems) == 0 {
		ps.add(firstLine, "no steps: a playbook lists its steps as \"- [ ] step\" under ## sections")
	}
}

// step parses one list item as a step of the current section.
func (ps *parsing) step(li ast.Node, src []byte, lineOf func(ast.Node) int, cur *section, pb *fireline.Playbook) {
	line := lineOf(li)
	block := li.FirstChild()
	if block == nil {
		ps.add(line, "an empty list item: write \"- [ ] step\"")
		return
	}
	line = lineOf(block)
	box, ok := block.FirstChild().(*extast.TaskCheckBox)
	switch {
	case !ok:
		ps.add(line, "not a step: write \"- [ ] %s\"", strings.TrimSpace(inlineText(block, src)))
		return
	case box.IsChecked:
		ps.add(line, "a playbook's steps start unchecked: write \"- [ ]\"")
	case cur == nil:
		ps.add(line, "a step belongs under a ## section named after a stage, such as ## Mitigation")
		return
	}
	if block.NextSibling() != nil {
		ps.add(lineOf(block.NextSibling()), "a step is one line: no nested lists or paragraphs under it")
	}
	s := fireline.PlaybookStep{Stage: cur.stage, Section: cur.heading, Severities: slices.Clone(cur.severities)}
	var words []string
	for n := box.NextSibling(); n != nil; n = n.NextSibling() {
		switch v := n.(type) {
		case *ast.CodeSpan:
			if s.Command != "" {
				ps.add(line, "a step carries one command at most")
			}
			s.Command = inlineText(v, src)
		case *ast.Link:
			if s.Link != "" {
				ps.add(line, "a step carries one link at most")
			}
			s.Link = string(v.Destination)
			if _, err := url.Parse(s.Link); err != nil || s.Link == "" {
				ps.add(line, "invalid link %q", s.Link)
			}
			words = append(words, inlineText(v, src))
		case *ast.AutoLink:
			if s.Link != "" {
				ps.add(line, "a step carries one link at most")
			}
			s.Link = string(v.URL(src))
		case *ast.RawHTML:
			ps.directive(line, rawText(v, src), &s)
		default:
			words = append(words, nodeText(n, src))
		}
	}
	s.Text = strings.TrimRight(strings.Join(strings.Fields(strings.Join(words, "")), " "), " :-–—,")
	if s.Text == "" {
		ps.add(line, "a step needs text")
	}
	s.Key = pb.ID + "/" + strconv.Itoa(len(pb.Steps)+1)
	if s.Auto != "" {
		ps.file.autoLines[s.Key] = line
	}
	pb.Steps = append(pb.Steps, s)
}

// directive reads a step's "<!-- auto: EVENT -->".
func (ps *parsing) directive(line int, raw string, s *fireline.PlaybookStep) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(raw), "<!--")
	if !ok {
		ps.add(line, "HTML in a step: only a comment <!-- auto: EVENT --> is understood")
		return
	}
	inner = strings.TrimSpace(strings.TrimSuffix(inner, "-->"))
	key, value, _ := strings.Cut(inner, ":")
	if strings.TrimSpace(key) != "auto" {
		ps.add(line, "unknown step key %q: want auto: EVENT", strings.TrimSpace(key))
		return
	}
	s.Auto = strings.TrimSpace(value)
	if msg := checkAuto(s.Auto); msg != "" {
		ps.add(line, "auto: %s", msg)
	}
}

// checkAuto checks an auto key: an event type the checklist can tick on,
// with the qualifier it takes.
func checkAuto(auto string) string {
	typ, qual, hasQual := strings.Cut(auto, ":")
	takes, ok := fireline.AutoEvents[fireline.EventType(typ)]
	var known []string
	for t := range fireline.AutoEvents {
		known = append(known, string(t))
	}
	slices.Sort(known)
	switch {
	case !ok:
		return "unknown event " + strconv.Quote(typ) + ": want one of " + strings.Join(known, ", ")
	case hasQual && takes == "":
		return typ + " takes no qualifier"
	case hasQual && typ == string(fireline.EventNote) && !slices.Contains(fireline.NoteKinds, fireline.NoteKind(qual)):
		return "unknown note kind " + strconv.Quote(qual) + ": want note, finding, decision or mitigation_step"
	}
	return ""
}

// stageOf maps a section heading to its stage: the workflow's stage names
// and the guide's playbook sections (Verification, Mitigation Steps,
// Resolution Steps), numbered or not.
func stageOf(heading string) (fireline.Stage, bool) {
	h := strings.ToLower(strings.TrimSpace(heading))
	h = strings.TrimLeft(h, "0123456789. ")
	h = strings.TrimSpace(strings.TrimSuffix(h, ":"))
	h = strings.TrimSpace(strings.TrimSuffix(h, " steps"))
	h = strings.NewReplacer("_", " ", "-", " ").Replace(h)
	switch h {
	case "detection":
		return fireline.StageDetection, true
	case "initial response":
		return fireline.StageInitialResponse, true
	case "investigation", "verification":
		return fireline.StageInvestigation, true
	case "mitigation":
		return fireline.StageMitigation, true
	case "resolution":
		return fireline.StageResolution, true
	case "post incident review", "post incident activities":
		return fireline.StagePostIncidentReview, true
	}
	return "", false
}

var severityWord = regexp.MustCompile(`\bP[1-4]\b`)

func severitiesIn(s string) []fireline.Severity {
	var out []fireline.Severity
	for _, m := range severityWord.FindAllString(s, -1) {
		if sev := fireline.Severity(m); !slices.Contains(out, sev) {
			out = append(out, sev)
		}
	}
	return out
}

// inlineText is the text of a node's inline children: links by their
// text, code by its content, comments left out.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		writeText(&b, c, src)
	}
	return strings.TrimSpace(b.String())
}

// nodeText is the text of one inline node, as inlineText reads it.
func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	writeText(&b, n, src)
	return b.String()
}

func writeText(b *strings.Builder, n ast.Node, src []byte) {
	switch v := n.(type) {
	case *ast.Text:
		b.Write(v.Value(src))
		if v.SoftLineBreak() || v.HardLineBreak() {
			b.WriteByte(' ')
		}
	case *ast.String:
		b.Write(v.Value)
	case *ast.RawHTML, *extast.TaskCheckBox:
	case *ast.AutoLink:
		b.Write(v.URL(src))
	default:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			writeText(b, c, src)
		}
	}
}

func rawText(n *ast.RawHTML, src []byte) string {
	var b bytes.Buffer
	for i := range n.Segments.Len() {
		seg := n.Segments.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// lineAt is the 1-based line of src where block n (or its first block
// with lines) starts.
func lineAt(src []byte, n ast.Node) int {
	for c := n; c != nil; c = c.FirstChild() {
		if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
			return bytes.Count(src[:c.Lines().At(0).Start], []byte("\n")) + 1
		}
		if c.Type() != ast.TypeBlock {
			break
		}
	}
	// A block without lines of its own (a list item): the first of its
	// descendants' text.
	if t, ok := firstText(n); ok {
		return bytes.Count(src[:t], []byte("\n")) + 1
	}
	return 1
}

func firstText(n ast.Node) (int, bool) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			return t.Segment.Start, true
		}
		if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
			return c.Lines().At(0).Start, true
		}
		if off, ok := firstText(c); ok {
			return off, true
		}
	}
	return 0, false
}
