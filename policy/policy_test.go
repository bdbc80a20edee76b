package policy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/goccy/go-yaml"
)

func TestDefaultIsValid(t *testing.T) {
	p, err := Parse("default.yaml", DefaultYAML())
	if err != nil {
		t.Fatalf("embedded default policy:\n%v", err)
	}
	if p.Calendar.Location == nil || p.Calendar.Location.String() != "America/New_York" {
		t.Errorf("Calendar.Location = %v, want America/New_York loaded", p.Calendar.Location)
	}
	if len(p.Digest) != 64 {
		t.Errorf("Digest = %q, want 64 hex digits", p.Digest)
	}
	if got := Default(); !reflect.DeepEqual(got, p) {
		t.Error("Default() differs from parsing DefaultYAML()")
	}
}

func TestDefaultYAMLIsACopy(t *testing.T) {
	b := DefaultYAML()
	clear(b)
	if p := Default(); p.Version != "1" {
		t.Fatalf("Default().Version = %q after clearing a DefaultYAML() result", p.Version)
	}
}

func TestDefaultsAreIndependent(t *testing.T) {
	a, b := Default(), Default()
	a.Severities[0].Name = "changed"
	if b.Severities[0].Name != "Critical" {
		t.Error("changing one Default() changed another")
	}
}

// TestDefaultRoundTrips marshals the default policy back to YAML and parses
// it again: the policy types say everything the file says.
func TestDefaultRoundTrips(t *testing.T) {
	want := Default()
	out, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("marshaled.yaml", out)
	if err != nil {
		t.Fatalf("parse marshaled default:\n%v\n%s", err, out)
	}
	for _, p := range []*fireline.Policy{got, want} {
		p.Digest, p.Calendar.Location = "", nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the policy:\n%s", out)
	}
}

func d(s string) fireline.Deadline {
	v, err := fireline.ParseDeadline(s)
	if err != nil {
		panic(err)
	}
	return v
}

// TestDefaultSeverities checks the default against the guide's
// Incident Classification.
func TestDefaultSeverities(t *testing.T) {
	tests := []struct {
		level             fireline.Severity
		name, description string
		firstExample      string
		business, outside string
		resolve, within   string
		summary, chain    string
		throughStep       int
		contacts, notify  []string
		examples          int
	}{
		{fireline.P1, "Critical", "Severe impact on critical services affecting all users",
			"Production system is completely down or unavailable",
			"immediate", "immediate", "4h", "immediate",
			"Immediate to senior engineering and management", "technical", 4,
			[]string{"management"}, []string{"business"}, 3},
		{fireline.P2, "High", "Significant impact on important services affecting many users",
			"Partial system outage",
			"1h", "4h", "8h", "2h",
			"Engineering leads within 2 hours", "technical", 2, nil, nil, 3},
		{fireline.P3, "Medium", "Moderate impact on non-critical services affecting some users",
			"Minor feature not functioning",
			"4h", "next_business_day", "24h", "8h",
			"Engineering team within 8 hours", "technical", 1, nil, nil, 3},
		{fireline.P4, "Low", "Minimal impact on services affecting few users",
			"Cosmetic issues",
			"next_business_day", "next_business_day", "1w", "none",
			"Regular support channels", "", 0, nil, nil, 3},
	}
	p := Default()
	if len(p.Severities) != 4 {
		t.Fatalf("%d severities, want 4", len(p.Severities))
	}
	for _, tt := range tests {
		t.Run(string(tt.level), func(t *testing.T) {
			sp, ok := p.Severity(tt.level)
			if !ok {
				t.Fatal("missing")
			}
			want := fireline.SeverityPolicy{
				Level: tt.level, Name: tt.name, Description: tt.description,
				Examples: sp.Examples,
				Respond:  fireline.ResponseTarget{BusinessHours: d(tt.business), OutsideBusinessHours: d(tt.outside)},
				Resolve:  d(tt.resolve),
				Escalation: fireline.EscalationRule{
					Within: d(tt.within), Summary: tt.summary, Chain: tt.chain,
					ThroughStep: tt.throughStep, Contacts: tt.contacts, NotifyChains: tt.notify,
				},
				Paging: sp.Paging, // checked below
			}
			// What happens after an acknowledgement, on a breach and when
			// nobody answers (issue: paging a team can trust).
			switch tt.level {
			case fireline.P1:
				want.Repeat = fireline.RepeatRule{Every: d("15m"), Times: 4, Steps: fireline.RepeatWalk}
			case fireline.P2:
				want.Repeat = fireline.RepeatRule{Every: d("30m"), Times: 1, Steps: fireline.RepeatWalk}
				want.Escalation.AfterAck, want.Escalation.OnBreach = fireline.AfterAckNotify, fireline.BreachNextStep
			}
			if wantPaging := map[bool]fireline.PagingHours{true: "", false: fireline.PageBusinessHours}[tt.level <= fireline.P2]; sp.Paging != wantPaging {
				t.Errorf("paging = %q, want %q", sp.Paging, wantPaging)
			}
			if !reflect.DeepEqual(*sp, want) {
				t.Errorf("got  %+v\nwant %+v", *sp, want)
			}
			if len(sp.Examples) != tt.examples || sp.Examples[0] != tt.firstExample {
				t.Errorf("examples = %q, want %d starting %q", sp.Examples, tt.examples, tt.firstExample)
			}
		})
	}
}

func TestDefaultDirectory(t *testing.T) {
	p := Default()
	ids := func(n int, id func(int) string) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = id(i)
		}
		return s
	}
	tests := []struct {
		what string
		got  []string
		want []string
	}{
		{"roles", ids(len(p.Roles), func(i int) string { return string(p.Roles[i].ID) }),
			[]string{"primary_on_call", "secondary_on_call", "incident_commander", "sme", "communications_liaison"}},
		{"people", ids(len(p.People), func(i int) string { return p.People[i].ID }),
			[]string{"alex", "blake", "casey", "devon", "emery", "finley", "gray", "harper", "indigo", "jordan", "kai"}},
		{"contacts", ids(len(p.Contacts), func(i int) string { return p.Contacts[i].ID }),
			[]string{"engineering-on-call", "security", "management", "communications"}},
		{"chains", ids(len(p.EscalationChains), func(i int) string { return p.EscalationChains[i].ID }),
			[]string{"technical", "business"}},
		{"technical chain", stepTitles(p, "technical"), []string{"On-Call Engineer", "Engineering Lead", "Director of Engineering", "CTO"}},
		{"business chain", stepTitles(p, "business"), []string{"Product Manager", "Director of Product", "VP of Product", "CEO"}},
		{"system access", ids(len(p.SystemAccess), func(i int) string { return p.SystemAccess[i].URL }),
			[]string{"https://k8s-dashboard.berrys.ai", "https://monitoring.berrys.ai", "https://logs.berrys.ai", "https://status-admin.berrys.ai"}},
		{"documents", ids(len(p.Documents), func(i int) string { return p.Documents[i].URL }),
			[]string{"./production-deployment-runbook.md", "../architecture/system-overview.md", "../reference/database-schema.md", "../reference/api.md"}},
		{"contact emails", ids(len(p.Contacts), func(i int) string { return p.Contacts[i].Email }),
			[]string{"oncall@berrys.ai", "security@berrys.ai", "management@berrys.ai", "comms@berrys.ai"}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	if sme, _ := p.Role(fireline.RoleSME); !sme.Multiple {
		t.Error("sme role does not allow several holders")
	}
	if c, _ := p.Contact("engineering-on-call"); c.Phone != "+1-555-123-4567" {
		t.Errorf("on-call phone = %q", c.Phone)
	}
	if ch, _ := p.Chain("technical"); !slices.Equal(ch.Steps[0].OnCall, []string{"primary", "secondary"}) ||
		!slices.Equal(ch.Steps[0].Contacts, []string{"engineering-on-call"}) {
		t.Errorf("technical step 1 = %+v", ch.Steps[0])
	}
	for _, id := range []string{"api-gateway", "agent-orchestrator", "model-orchestration"} {
		if s, ok := p.Service(id); !ok || !s.Critical {
			t.Errorf("service %s missing or not critical", id)
		}
	}
	want := fireline.GuideReview{Owner: "devon", EveryMonths: 3,
		LastReviewed: fireline.Date{Year: 2026, Month: 10, Day: 1}, NextDue: fireline.Date{Year: 2027, Month: 1, Day: 1}}
	if p.Review != want {
		t.Errorf("review = %+v, want %+v", p.Review, want)
	}
}

func stepTitles(p *fireline.Policy, chain string) []string {
	ch, ok := p.Chain(chain)
	if !ok {
		return nil
	}
	var s []string
	for _, st := range ch.Steps {
		s = append(s, st.Title)
	}
	return s
}

func TestDefaultCalendar(t *testing.T) {
	cal := Default().Calendar
	days := []fireline.Weekday{1, 2, 3, 4, 5}
	if !slices.Equal(cal.WorkingDays, days) || cal.Opens.String() != "09:00" || cal.Closes.String() != "17:00" ||
		cal.NextBusinessDayBy.String() != "17:00" || cal.TimeZone != "America/New_York" {
		t.Errorf("calendar = %+v", cal)
	}
	if len(cal.Holidays) < 22 {
		t.Errorf("%d holidays, want the federal holidays of 2026 and 2027", len(cal.Holidays))
	}
	for _, h := range cal.Holidays {
		if wd := h.Date.Weekday(); wd == time.Saturday || wd == time.Sunday || h.Date.Year < 2026 || h.Date.Year > 2027 {
			t.Errorf("holiday %s %q falls on %s; list the observed weekday in 2026-2027", h.Date, h.Name, wd)
		}
	}
}

// TestDefaultComments checks the worked examples in default.yaml's
// comments against the clocks the policy computes.
func TestDefaultComments(t *testing.T) {
	p := Default()
	ny := p.Calendar.Location
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		level       fireline.Severity
		start, want string
		explanation string
	}{
		{fireline.P2, "2026-11-06 16:30", "2026-11-06 17:30", "inside business hours: 1h"},
		{fireline.P2, "2026-11-06 18:00", "2026-11-06 22:00", "outside business hours: 4h on the wall clock"},
		{fireline.P3, "2026-11-10 07:30", "2026-11-10 17:00", "before opening on a business day: due that day"},
		{fireline.P3, "2026-11-10 18:00", "2026-11-12 17:00", "after closing; the next day is Veterans Day"},
		{fireline.P4, "2026-11-10 10:00", "2026-11-12 17:00", "inside business hours: the next business day"},
		{fireline.P4, "2026-11-07 10:00", "2026-11-09 17:00", "on a Saturday: Monday"},
	}
	for _, tt := range tests {
		c, err := p.Clocks(tt.level, at(tt.start))
		if err != nil {
			t.Fatal(err)
		}
		if !c.RespondBy.Equal(at(tt.want)) {
			t.Errorf("%s from %s: respond by %s, want %s (%s)", tt.level, tt.start, c.RespondBy.In(ny), tt.want, tt.explanation)
		}
	}
}

func TestDigest(t *testing.T) {
	src := minimal(t)
	a, err := Parse("a.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("b.yaml", []byte(src+"# a comment changes the file\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	const want = "e98540815540" // sha256sum testdata/minimal.yaml
	if !strings.HasPrefix(a.Digest, want) || a.VersionID() != "test+"+want {
		t.Errorf("Digest = %s, VersionID = %s, want sha256 %s...", a.Digest, a.VersionID(), want)
	}
	if a.Digest == b.Digest {
		t.Error("different files have the same digest")
	}
	if a.Digest != c.Digest {
		t.Error("the same file has different digests")
	}
}

func TestLoad(t *testing.T) {
	p, err := Load("testdata/minimal.yaml")
	if err != nil || p.Version != "test" {
		t.Fatalf("Load = %v, %v", p, err)
	}

	path := filepath.Join(t.TempDir(), "fireline.yaml")
	if err := os.WriteFile(path, []byte("version: 1\nseverity: P1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	var ps Problems
	if !errors.As(err, &ps) || ps[0].File != path || !strings.Contains(err.Error(), path+":2: unknown field \"severity\"") {
		t.Errorf("Load(invalid) = %v, want problems naming %s", err, path)
	}

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

// TestAnchorsAndMergeKeys checks that YAML's own reuse works in policies.
func TestAnchorsAndMergeKeys(t *testing.T) {
	src := apply(t, minimal(t), []edit{
		{"    respond: {business_hours: 4h, outside_business_hours: next_business_day}\n",
			"    respond: &p3 {business_hours: 4h, outside_business_hours: next_business_day}\n"},
		{"    respond: {business_hours: next_business_day, outside_business_hours: next_business_day}\n",
			"    respond:\n      <<: *p3\n      business_hours: next_business_day\n"},
		{"people: [ann], contacts: [oncall]}", "people: &leads [ann], contacts: [oncall]}"},
		{"{title: Lead, people: [bob]}", "{title: Lead, people: *leads}"},
	})
	p, err := Parse("anchors.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p4, _ := p.Severity(fireline.P4)
	want := fireline.ResponseTarget{BusinessHours: d("next_business_day"), OutsideBusinessHours: d("next_business_day")}
	if p4.Respond != want {
		t.Errorf("P4 respond = %+v, want %+v", p4.Respond, want)
	}
	if ch, _ := p.Chain("tech"); !slices.Equal(ch.Steps[1].People, []string{"ann"}) {
		t.Errorf("step 2 people = %q, want the aliased [ann]", ch.Steps[1].People)
	}
}

// TestScalarsAsWritten checks that text fields keep what the author wrote.
func TestScalarsAsWritten(t *testing.T) {
	src := apply(t, minimal(t), []edit{
		{`version: "test"`, "version: 1.10"},
		{"    description: Much is broken\n", "    description: |\n      Much is\n      broken\n"},
		{"name: Bob}", "name: true}"},
	})
	p, err := Parse("scalars.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{p.Version, p.Severities[1].Description, p.People[1].Name}
	want := []string{"1.10", "Much is\nbroken\n", "true"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
