package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a policy file, at a position in it.
type Problem struct {
	File    string
	Line    int // 1-based; 0 when the problem has no position
	Column  int // 1-based; 0 when unknown
	Message string
	// Level is "" for an error, which makes the policy invalid, or
	// Warning or Note for something valid that will probably not work as
	// meant (see Check).
	Level string
}

// Levels of problems that do not make a policy invalid.
const (
	Warning = "warning"
	Note    = "note"
)

// String formats the problem as "file:line: message" (a warning as
// "file:line: warning: message"), the form editors and CI logs link to.
func (p Problem) String() string {
	msg := p.Message
	if p.Level != "" {
		msg = p.Level + ": " + msg
	}
	if p.Line <= 0 {
		return fmt.Sprintf("%s: %s", p.File, msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, msg)
}

// Problems is every problem found in a policy file, in file order. It is
// the error Parse and Load return for an invalid policy.
type Problems []Problem

// Error lists the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders the problems by position, keeping the order of problems
// found at the same position.
func (ps Problems) sort() {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}
