package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
)

// alertsSection is appended to minimal.yaml, whose last line is 64, so
// the section starts at line 65.
const alertsSection = `alerts:
  default_severity: P3
  severity_map:
    - {from: critical, to: P1}
    - {from: warning, to: P3}
  rules:
    - match: ['team="db"', 'severity=~"critical|page"']
      severity: P1
      service: api
  group_by: [cluster]
  group_window: 30m
  auto_resolve: [P3, P4]
  rate_limit: {per_second: 10, burst: 20}
`

func TestAlertsSection(t *testing.T) {
	src := minimal(t) + alertsSection
	p, err := Parse("minimal.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a := p.Alerts
	if a.DefaultSeverity != fireline.P3 || len(a.Rules) != 1 || len(a.Rules[0].Match) != 2 || a.Window().Minutes() != 30 ||
		!slices.Equal(a.AutoResolve, []fireline.Severity{"P3", "P4"}) || a.RateLimit.Burst != 20 {
		t.Fatalf("alerts %+v", a)
	}
	if !a.Rules[0].Matches(map[string]string{"team": "db", "severity": "page"}) {
		t.Error("rule does not match")
	}
	d := Default().Alerts
	if d.AutoResolves(fireline.P1) || d.AutoResolves(fireline.P2) || !d.AutoResolves(fireline.P4) || d.SeverityFor("error") != fireline.P2 {
		t.Errorf("default alerts policy %+v", d)
	}
}

func TestAlertsProblems(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"unknown severity", "default_severity: P3", "default_severity: P9", []string{
			`minimal.yaml:66: alerts.default_severity: unknown severity "P9": want P1, P2, P3 or P4`}},
		{"bad mapping target", "{from: warning, to: P3}", "{from: warning, to: high}", []string{
			`minimal.yaml:69: alerts.severity_map[1].to: unknown severity "high": want P1, P2, P3 or P4`}},
		{"duplicate word", "{from: warning, to: P3}", "{from: critical, to: P3}", []string{
			`minimal.yaml:69: alerts.severity_map[1].from: duplicate severity word "critical": alerts.severity_map[0] has it too`}},
		{"bad matcher", `'team="db"'`, `'team'`, []string{
			`minimal.yaml:71: alerts.rules[0].match[0]: invalid matcher "team": want name="value", name!="value", name=~"regex" or name!~"regex"`}},
		{"bad regex", `'severity=~"critical|page"'`, `'severity=~"("'`, []string{
			`minimal.yaml:71: alerts.rules[0].match[1]: invalid matcher "severity=~\"(\"": bad regex: error parsing regexp: missing closing ): ` + "`^(?:()$`"}},
		{"unknown service", "      service: api\n", "      service: billing\n", []string{
			`minimal.yaml:73: alerts.rules[0].service: unknown service "billing"`}},
		{"rule without effect", "      severity: P1\n      service: api\n", "", []string{
			`minimal.yaml:71: alerts.rules[0]: a rule sets a severity, a service or group_by`}},
		{"bad window", "group_window: 30m", "group_window: soon", []string{
			`minimal.yaml:75: alerts.group_window: invalid duration "soon": want a duration such as 90s, 5m, 2h or 1d`}},
		{"bad auto-resolve", "auto_resolve: [P3, P4]", "auto_resolve: [P3, P5]", []string{
			`minimal.yaml:76: alerts.auto_resolve[1]: unknown severity "P5": want P1, P2, P3 or P4`}},
		{"burst missing", "{per_second: 10, burst: 20}", "{per_second: 10}", []string{
			`minimal.yaml:77: alerts.rate_limit.burst: must be at least 1 when per_second is set`}},
		{"unknown field", "  group_window: 30m\n", "  group_window: 30m\n  storm_mode: true\n", []string{
			`minimal.yaml:76: alerts: unknown field "storm_mode"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			section := alertsSection
			if strings.Count(section, tt.old) != 1 {
				t.Fatalf("%q occurs %d times", tt.old, strings.Count(section, tt.old))
			}
			got := problemLines(t, minimal(t)+strings.Replace(section, tt.old, tt.new, 1))
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
