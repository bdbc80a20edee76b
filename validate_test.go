package fireline

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDeclareInputValidate(t *testing.T) {
	p := testPolicy()
	tests := []struct {
		name       string
		in         DeclareInput
		fields     []string // nil for a valid input
		restricted bool
		check      func(t *testing.T, out DeclareInput)
	}{
		{name: "minimal", in: DeclareInput{Title: "  Gateway down  ", Severity: P2}, check: func(t *testing.T, out DeclareInput) {
			if out.Title != "Gateway down" || out.Source != SourceOnCall || out.Services == nil || len(out.Services) != 0 {
				t.Errorf("normalised %+v", out)
			}
		}},
		{name: "security defaults to restricted", in: DeclareInput{Title: "leak", Severity: P1, Source: SourceSecurity}, restricted: true},
		{name: "security, explicitly unrestricted", in: DeclareInput{Title: "leak", Severity: P1, Source: SourceSecurity, Restricted: ptr(false)}, restricted: false},
		{name: "monitoring defaults to unrestricted", in: DeclareInput{Title: "slow", Severity: P3, Source: SourceMonitoring}, restricted: false},
		{name: "monitoring, explicitly restricted", in: DeclareInput{Title: "slow", Severity: P3, Source: SourceMonitoring, Restricted: ptr(true)}, restricted: true},
		{name: "every source", in: DeclareInput{Title: "x", Severity: P4, Source: SourceSupportTicket}},
		{name: "services deduplicated and trimmed", in: DeclareInput{Title: "x", Severity: P4, Services: []string{" api-gateway", "web-console", "api-gateway "}}, check: func(t *testing.T, out DeclareInput) {
			if !slices.Equal(out.Services, []string{"api-gateway", "web-console"}) {
				t.Errorf("services %v", out.Services)
			}
		}},
		{name: "title at the cap in multibyte text", in: DeclareInput{Title: strings.Repeat("ü", MaxTitle), Severity: P4}},
		{name: "description at the cap", in: DeclareInput{Title: "x", Severity: P4, Description: strings.Repeat("d", MaxText)}},
		{name: "services at the cap", in: DeclareInput{Title: "x", Severity: P4, Services: slices.Repeat([]string{"api-gateway"}, MaxServices)}},
		{name: "title too long", in: DeclareInput{Title: strings.Repeat("x", MaxTitle+1), Severity: P4}, fields: []string{"title"}},
		{name: "title required", in: DeclareInput{Title: " \t ", Severity: P4}, fields: []string{"title"}},
		{name: "title invalid UTF-8", in: DeclareInput{Title: "\xff", Severity: P4}, fields: []string{"title"}},
		{name: "description too long", in: DeclareInput{Title: "x", Severity: P4, Description: strings.Repeat("d", MaxText+1)}, fields: []string{"description"}},
		{name: "severity required", in: DeclareInput{Title: "x"}, fields: []string{"severity"}},
		{name: "unknown severity", in: DeclareInput{Title: "x", Severity: "p1"}, fields: []string{"severity"}},
		{name: "unknown source", in: DeclareInput{Title: "x", Severity: P4, Source: "pager"}, fields: []string{"source"}},
		{name: "unknown service", in: DeclareInput{Title: "x", Severity: P4, Services: []string{"api-gateway", "mainframe"}}, fields: []string{"services"}},
		{name: "too many services", in: DeclareInput{Title: "x", Severity: P4, Services: slices.Repeat([]string{"api-gateway"}, MaxServices+1)}, fields: []string{"services"}},
		{name: "every field wrong at once", in: DeclareInput{Title: "", Description: strings.Repeat("d", MaxText+1), Severity: "P0", Source: "pager", Services: []string{"mainframe", "mars"}},
			fields: []string{"title", "description", "severity", "source", "services", "services"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.in.Validate(p)
			if tt.fields != nil {
				wantCode(t, err, EInvalid)
				if got := fieldNames(err); !slices.Equal(got, tt.fields) {
					t.Errorf("fields %v, want %v (%v)", got, tt.fields, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Restricted == nil || *out.Restricted != tt.restricted {
				t.Errorf("Restricted = %v, want %v", out.Restricted, tt.restricted)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
			// The normalised input declares an incident with the same values.
			inc, _, err := NewIncident(p, out, 1, Actor{PersonID: "alice"}, declaredAt)
			if err != nil || inc.Restricted != tt.restricted || inc.Title != out.Title {
				t.Errorf("NewIncident = %+v, %v", inc, err)
			}
		})
	}
	// Validate does not touch the caller's input.
	in := DeclareInput{Title: " x ", Severity: P4, Source: SourceSecurity}
	if _, err := in.Validate(p); err != nil || in.Restricted != nil || in.Title != " x " {
		t.Errorf("input changed: %+v, %v", in, err)
	}
}

func TestRoleIncludes(t *testing.T) {
	roles := []Role{RoleViewer, RoleResponder, RoleAdmin}
	for i, have := range roles {
		for j, need := range roles {
			if got, want := have.Includes(need), i >= j; got != want {
				t.Errorf("%s.Includes(%s) = %v, want %v", have, need, got, want)
			}
		}
	}
	for _, bad := range []Role{"", "owner", "Admin", "root"} {
		if bad.Valid() {
			t.Errorf("%q is valid", bad)
		}
		for _, r := range roles {
			if bad.Includes(r) {
				t.Errorf("%q.Includes(%s) = true", bad, r)
			}
			// A requirement nobody defined grants nothing: fail closed.
			if r.Includes(bad) {
				t.Errorf("%s.Includes(%q) = true", r, bad)
			}
		}
	}
}

func TestActorName(t *testing.T) {
	tests := []struct {
		a    Actor
		want string
	}{
		{Actor{PersonID: "alice"}, "alice"},
		{Actor{PersonID: "alice", Automation: "ci"}, "alice"},
		{Actor{Automation: "alertmanager"}, "automation:alertmanager"},
		{Actor{}, "system"},
	}
	for _, tt := range tests {
		if got := tt.a.Name(); got != tt.want {
			t.Errorf("%+v.Name() = %q, want %q", tt.a, got, tt.want)
		}
	}
}

func TestTokenInputValidate(t *testing.T) {
	p := testPolicy()
	now := utc(2026, 6, 10, 12, 0)
	tests := []struct {
		name     string
		in       TokenInput
		fields   []string
		wantName string
	}{
		{name: "person", in: TokenInput{Role: RoleResponder, PersonID: "alice"}, wantName: "alice"},
		{name: "automation", in: TokenInput{Role: RoleViewer, Automation: "status-bot"}, wantName: "automation:status-bot"},
		{name: "named, expiring", in: TokenInput{Name: "laptop", Role: RoleAdmin, PersonID: "bob", ExpiresAt: ptr(now.Add(time.Hour))}, wantName: "laptop"},
		{name: "slug characters", in: TokenInput{Role: RoleViewer, Automation: "a.b_c-9"}, wantName: "automation:a.b_c-9"},
		{name: "name at the cap", in: TokenInput{Name: strings.Repeat("n", 100), Role: RoleViewer, PersonID: "alice"}, wantName: strings.Repeat("n", 100)},
		{name: "no role", in: TokenInput{PersonID: "alice"}, fields: []string{"role"}},
		{name: "unknown role", in: TokenInput{Role: "owner", PersonID: "alice"}, fields: []string{"role"}},
		{name: "both person and automation", in: TokenInput{Role: RoleViewer, PersonID: "alice", Automation: "ci"}, fields: []string{"person"}},
		{name: "neither person nor automation", in: TokenInput{Role: RoleViewer}, fields: []string{"person"}},
		{name: "unknown person", in: TokenInput{Role: RoleViewer, PersonID: "zed"}, fields: []string{"person"}},
		{name: "bad automation name", in: TokenInput{Role: RoleViewer, Automation: "CI Bot"}, fields: []string{"automation"}},
		{name: "automation name too long", in: TokenInput{Role: RoleViewer, Automation: strings.Repeat("a", 65)}, fields: []string{"automation"}},
		{name: "name too long", in: TokenInput{Name: strings.Repeat("n", 101), Role: RoleViewer, PersonID: "alice"}, fields: []string{"name"}},
		{name: "expires now", in: TokenInput{Role: RoleViewer, PersonID: "alice", ExpiresAt: ptr(now)}, fields: []string{"expires_at"}},
		{name: "expired", in: TokenInput{Role: RoleViewer, PersonID: "alice", ExpiresAt: ptr(now.Add(-time.Second))}, fields: []string{"expires_at"}},
		{name: "everything wrong at once", in: TokenInput{Name: strings.Repeat("n", 101), Role: "root", Automation: "Bad!", ExpiresAt: ptr(now.Add(-time.Hour))},
			fields: []string{"role", "automation", "name", "expires_at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.in.Validate(p, now)
			if tt.fields != nil {
				wantCode(t, err, EInvalid)
				if got := fieldNames(err); !slices.Equal(got, tt.fields) {
					t.Errorf("fields %v, want %v (%v)", got, tt.fields, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Name != tt.wantName {
				t.Errorf("Name = %q, want %q", out.Name, tt.wantName)
			}
		})
	}
}

func TestTokenActive(t *testing.T) {
	now := utc(2026, 6, 10, 12, 0)
	tests := []struct {
		name string
		tok  Token
		want bool
	}{
		{"no expiry", Token{}, true},
		{"expires later", Token{ExpiresAt: ptr(now.Add(time.Second))}, true},
		{"expires now", Token{ExpiresAt: ptr(now)}, false},
		{"expired", Token{ExpiresAt: ptr(now.Add(-time.Second))}, false},
		{"revoked", Token{RevokedAt: ptr(now.Add(-time.Hour))}, false},
	}
	for _, tt := range tests {
		if got := tt.tok.Active(now); got != tt.want {
			t.Errorf("%s: Active = %v, want %v", tt.name, got, tt.want)
		}
	}
	tok := Token{ID: "t1", Role: RoleResponder, PersonID: "alice"}
	if a := tok.Actor(); a != (Actor{TokenID: "t1", Role: RoleResponder, PersonID: "alice"}) {
		t.Errorf("Actor = %+v", a)
	}
	if got := HashToken("fl_secret"); len(got) != 64 || got == HashToken("fl_secreT") {
		t.Errorf("HashToken = %q", got)
	}
}

func TestErrors(t *testing.T) {
	e := &Error{Code: EInvalid, Message: "invalid incident", Fields: []FieldError{{"title", "is required"}, {"severity", "unknown"}}}
	if got := e.Error(); got != "invalid incident (title: is required; severity: unknown)" {
		t.Errorf("Error() = %q", got)
	}
	tests := []struct {
		err     error
		code    string
		message string
	}{
		{nil, "", ""},
		{Errorf(ENotFound, "incident %q not found", "INC-9"), ENotFound, `incident "INC-9" not found`},
		{e, EInvalid, e.Error()},
		{wrapErr{Errorf(EConflict, "busy")}, EConflict, "busy"},
		{errString("disk on fire at /var/lib/x"), EInternal, "internal error"},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
		if got := ErrorMessage(tt.err); got != tt.message {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.message)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

type wrapErr struct{ err error }

func (w wrapErr) Error() string { return "wrapped: " + w.err.Error() }
func (w wrapErr) Unwrap() error { return w.err }

func TestParseIncidentID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"INC-42", 42, true},
		{"inc-42", 42, true},
		{" INC-7 ", 7, true},
		{"42", 42, true},
		{"INC-0", 0, false},
		{"INC--1", 0, false},
		{"INC-", 0, false},
		{"INC-x", 0, false},
		{"", 0, false},
		{"-3", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseIncidentID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseIncidentID(%q) = %d, %v", tt.in, got, err)
		}
		if err != nil && ErrorCode(err) != ENotFound {
			t.Errorf("ParseIncidentID(%q) code %q", tt.in, ErrorCode(err))
		}
		if tt.ok && IncidentID(got) != "INC-"+strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(tt.in)), "INC-") {
			t.Errorf("IncidentID(%d) = %q", got, IncidentID(got))
		}
	}
}
