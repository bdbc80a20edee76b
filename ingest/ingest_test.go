package ingest

import (
	"errors"
	"strings"
	"testing"
)

// Nesting is limited to MaxDepth levels, whether or not the body has more
// brackets than that; brackets inside strings do not nest.
func TestDecodeJSONDepthLimit(t *testing.T) {
	nested := func(n int) string { return strings.Repeat(`{"a":`, n) + `1` + strings.Repeat(`}`, n) }
	wide := `[` + strings.Repeat(`[],`, 200) + `[]]`      // many brackets, two levels
	quoted := `{"a":"` + strings.Repeat(`{[`, 100) + `"}` // many brackets, all in a string
	for _, tc := range []struct {
		name, body string
		ok         bool
	}{
		{"at the limit", nested(MaxDepth), true},
		{"one past the limit", nested(MaxDepth + 1), false},
		{"far past the limit", strings.Repeat("[", 1000) + strings.Repeat("]", 1000), false},
		{"many shallow brackets", wide, true},
		{"brackets in a string", quoted, true},
	} {
		var v any
		err := DecodeJSON([]byte(tc.body), &v)
		var inv *Invalid
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !tc.ok && (!errors.As(err, &inv) || !strings.Contains(err.Error(), "nested deeper than 64")):
			t.Errorf("%s: got %v, want the nesting refused", tc.name, err)
		}
	}
}
