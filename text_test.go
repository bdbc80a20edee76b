package fireline

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTextProblem(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"Checkout fails for EU users ✓", ""},
		{"tab\tand\nnewline", ""},
		{"\uFFFD", ""}, // the replacement character itself is fine
		{"a\x00b", "must not contain NUL (U+0000)"},
		{"\xff", "must be valid UTF-8"},
		{"\xc3", "must be valid UTF-8"},         // a truncated sequence
		{"\xed\xa0\x80", "must be valid UTF-8"}, // a surrogate
		{"\xff\x00", "must be valid UTF-8"},     // the first problem
	} {
		if got := TextProblem(tt.in); got != tt.want {
			t.Errorf("TextProblem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every text field of the JSON API refuses a NUL and invalid UTF-8 with
// an error naming it, through the one checkText.
func TestTextFieldsRefuseNULAndInvalidUTF8(t *testing.T) {
	p := testPolicy()
	inc := declare(t, p, P2, declaredAt).inc
	for _, bad := range []string{"x\x00", "x\xff"} {
		for _, tt := range []struct {
			field string
			err   func() error
		}{
			{"title", func() error { _, err := (DeclareInput{Title: bad, Severity: P3}).Validate(p); return err }},
			{"description", func() error {
				_, err := (DeclareInput{Title: "t", Description: bad, Severity: P3}).Validate(p)
				return err
			}},
			{"text", func() error { _, err := inc.Do(p, Action{Kind: ActAddNote, Text: bad}, declaredAt); return err }},
			{"reason", func() error {
				_, err := inc.Do(p, Action{Kind: ActChangeSeverity, Severity: P1, Reason: bad}, declaredAt)
				return err
			}},
			{"impact", func() error {
				_, err := inc.Do(p, Action{Kind: ActUpdate, Update: UpdatedData{Impact: &bad}}, declaredAt)
				return err
			}},
			{"title", func() error {
				_, err := inc.Do(p, Action{Kind: ActUpdate, Update: UpdatedData{Title: &bad}}, declaredAt)
				return err
			}},
			{"reason", func() error {
				_, err := (MaintenanceInput{Service: "api-gateway", For: Interval(time.Hour), Reason: bad}).Validate(p, declaredAt)
				return err
			}},
			{"name", func() error {
				_, err := (TokenInput{Name: bad, Role: RoleViewer, Automation: "bot"}).Validate(p, declaredAt)
				return err
			}},
			{"name", func() error {
				_, err := (UserInput{Email: "a@example.com", Name: bad, Role: RoleViewer, PersonID: "alice"}).Validate(p)
				return err
			}},
			{"email", func() error {
				_, err := (UserInput{Email: bad + "@example.com", Name: "A", Role: RoleViewer, PersonID: "alice"}).Validate(p)
				return err
			}},
			{"signature_header", func() error {
				_, err := (IntegrationInput{Type: IntegrationGrafana, Service: "api-gateway", SignatureHeader: "X-" + bad}).Validate(p)
				return err
			}},
		} {
			err := tt.err()
			if ErrorCode(err) != EInvalid || !slices.Contains(fieldNames(err), tt.field) {
				t.Errorf("%s = %q: %v, want EInvalid naming %s", tt.field, bad, err, tt.field)
			}
		}
	}
}

// A NUL in an alert's descriptive text becomes U+FFFD; in its dedup key it
// is refused. The key made up for an alert without one hashes the text
// as sent, so that alerts that differ only there stay apart.
func TestAlertInputNormaliseNUL(t *testing.T) {
	labels := map[string]string{"alertname": "Disk\x00Full", "instance\x00": "db-1"}
	in := AlertInput{Action: AlertTrigger, Summary: "disk\x00 full", Source: "db\x00", Severity: "crit\x00", URL: "https://x/\x00",
		Labels: labels, Annotations: map[string]string{"description": "95%\x00"}}
	got, err := in.Normalise()
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels["instance\uFFFD"] != "db-1" {
		t.Errorf("labels %q, want the NUL in a name as U+FFFD", got.Labels)
	}
	for _, s := range []string{got.Summary, got.Source, got.Severity, got.URL, got.Labels["alertname"], got.Annotations["description"]} {
		if strings.ContainsRune(s, 0) || !strings.ContainsRune(s, '\uFFFD') {
			t.Errorf("normalised text %q, want each NUL as U+FFFD (%+v)", s, got)
		}
	}
	if labels["alertname"] != "Disk\x00Full" {
		t.Error("Normalise wrote to the caller's labels")
	}
	if got.DedupKey != LabelsFingerprint(labels) {
		t.Errorf("dedup key %q, want the fingerprint of the labels as sent", got.DedupKey)
	}
	other, _ := AlertInput{Action: AlertTrigger, Summary: "s", Labels: map[string]string{"alertname": "Disk\uFFFDFull", "instance\uFFFD": "db-1"}}.Normalise()
	if other.DedupKey == got.DedupKey {
		t.Error("labels that differ only by NUL and U+FFFD got one dedup key")
	}
	for _, key := range []string{"k\x00", "k\xff"} {
		if _, err := (AlertInput{Action: AlertTrigger, Summary: "s", DedupKey: key}).Normalise(); ErrorCode(err) != EInvalid || fieldNames(err)[0] != "dedup_key" {
			t.Errorf("dedup key %q: %v, want EInvalid naming dedup_key", key, err)
		}
	}
	for _, l := range []map[string]string{{"a\xff": "v"}, {"a": "v\xff"}} {
		if _, err := (AlertInput{Action: AlertTrigger, Summary: "s", Labels: l}).Normalise(); ErrorCode(err) != EInvalid {
			t.Errorf("labels %q: %v, want EInvalid", l, err)
		}
	}
}

func TestChangeInputNormalise(t *testing.T) {
	links := []ChangeLink{{Href: "https://ci/1", Text: "build\x00"}}
	got, err := ChangeInput{Summary: "  Deploy\x00 4711 ", Source: "ci\x00", Links: links}.Normalise()
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary != "Deploy\uFFFD 4711" || got.Source != "ci\uFFFD" || got.Links[0].Text != "build\uFFFD" || links[0].Text != "build\x00" {
		t.Errorf("normalised %+v (caller's links %+v)", got, links)
	}
	for _, tt := range []struct {
		in    ChangeInput
		field string
	}{
		{ChangeInput{Summary: " "}, "summary"},
		{ChangeInput{Summary: strings.Repeat("s", MaxAlertSummary+1)}, "summary"},
		{ChangeInput{Summary: "s\xff"}, "summary"},
		{ChangeInput{Summary: "s", Source: "\xff"}, "source"},
		{ChangeInput{Summary: "s", Links: []ChangeLink{{Href: ""}}}, "links[0].href"},
		{ChangeInput{Summary: "s", Links: []ChangeLink{{Href: "h", Text: "\xff"}}}, "links[0].text"},
	} {
		if _, err := tt.in.Normalise(); ErrorCode(err) != EInvalid || !slices.Contains(fieldNames(err), tt.field) {
			t.Errorf("%+v: %v, want EInvalid naming %s", tt.in, err, tt.field)
		}
	}
}
