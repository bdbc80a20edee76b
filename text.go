package fireline

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The rules for text that reaches the database, which every door applies
// through the functions below (docs/adr/0050).

// TextProblem says what is wrong with s as text to store, or "" when
// nothing is. Text must be valid UTF-8: JSON cannot carry anything else,
// and a decoder that rewrites bad bytes as U+FFFD turns different values
// into one (two invalid dedup keys would be the same alert). It must not
// contain NUL (U+0000), which PostgreSQL's text cannot hold: SQLite would
// store what PostgreSQL refuses, and a refusal there looks like a
// database failure (5xx) to the sender.
func TextProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain NUL (U+0000)"
	}
	return ""
}

// checkText adds an error for field when s is not storable text
// (TextProblem) or has fewer than min or more than max characters.
func checkText(fe []FieldError, field, s string, min, max int) []FieldError {
	if p := TextProblem(s); p != "" {
		return append(fe, FieldError{field, p})
	}
	n := utf8.RuneCountInString(s)
	switch {
	case min > 0 && n < min:
		return append(fe, FieldError{field, "is required"})
	case n > max:
		return append(fe, FieldError{field, "must be at most " + strconv.Itoa(max) + " characters"})
	}
	return fe
}

// replaceNUL returns s with each NUL replaced by U+FFFD, the character
// that stands for one that could not be kept. Alert text from monitoring
// gets this instead of a refusal: an exporter's stray NUL in one label
// must not lose the whole group it arrives in.
func replaceNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// replaceNULs is replaceNUL on a map's names and values. It returns m
// itself when it holds no NUL, and never changes m.
func replaceNULs(m map[string]string) map[string]string {
	clean := true
	for k, v := range m {
		if strings.IndexByte(k, 0) >= 0 || strings.IndexByte(v, 0) >= 0 {
			clean = false
			break
		}
	}
	if clean {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[replaceNUL(k)] = replaceNUL(v)
	}
	return out
}
