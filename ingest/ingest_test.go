package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
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

// Invalid UTF-8 is refused with the field that holds it, never rewritten:
// two different bad keys would otherwise become one.
func TestCheckUTF8(t *testing.T) {
	for _, tc := range []struct{ name, body, field string }{
		{"valid", `{"a":"ü\u0000"}`, ""},
		{"in a value", `{"alerts":[{"labels":{"instance":"db-` + "\xff" + `"}}]}`, "alerts[0].labels.instance"},
		{"in a name", `{"alerts":[{"labels":{"inst` + "\xff" + `":"db"}}]}`, "alerts[0].labels"},
		{"in an array", `[{"summary":"a"},{"summary":"` + "\xc3" + `"}]`, "[1].summary"},
		{"a top-level string", `"` + "\xff" + `"`, "body"},
		{"after a syntax error", `{"a":,"b":"` + "\xff" + `"}`, "body"},
		{"outside a string", `{"a":1` + "\xff" + `}`, "body"},
		{"a pointer escape", `{"a/b":{"c~d":"` + "\xff" + `"}}`, "a/b.c~d"},
	} {
		err := CheckUTF8([]byte(tc.body))
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var fe *fireline.Error
		if !errors.As(err, &fe) || fe.Code != fireline.EInvalid || len(fe.Fields) != 1 || fe.Fields[0].Field != tc.field || fe.Fields[0].Message != "must be valid UTF-8" {
			t.Errorf("%s: %#v, want EInvalid naming %q", tc.name, err, tc.field)
		}
		var v any
		if err := DecodeJSON([]byte(tc.body), &v); !errors.As(err, &fe) {
			t.Errorf("%s: DecodeJSON: %v, want the UTF-8 error", tc.name, err)
		}
	}
}
