package fireline

import (
	"strings"
	"testing"
	"time"
)

func TestAlertInputNormalise(t *testing.T) {
	tests := []struct {
		name    string
		in      AlertInput
		wantKey string
		wantErr string
	}{
		{"trigger keeps its key", AlertInput{Action: AlertTrigger, DedupKey: " k1 ", Summary: "s"}, "k1", ""},
		{"trigger without key hashes labels", AlertInput{Action: AlertTrigger, Summary: "s", Labels: map[string]string{"a": "1"}},
			LabelsFingerprint(map[string]string{"a": "1"}), ""},
		{"summary from alertname", AlertInput{Action: AlertTrigger, Labels: map[string]string{"alertname": "Up"}},
			LabelsFingerprint(map[string]string{"alertname": "Up"}), ""},
		{"trigger needs a summary", AlertInput{Action: AlertTrigger, DedupKey: "k"}, "", "summary: is required"},
		{"resolve needs a key", AlertInput{Action: AlertResolve}, "", "dedup_key: is required to resolve"},
		{"unknown action", AlertInput{Action: "explode", DedupKey: "k"}, "", "action: must be"},
		{"key too long", AlertInput{Action: AlertTrigger, Summary: "s", DedupKey: strings.Repeat("k", 256)}, "", "dedup_key: must be at most 255"},
		{"summary too long", AlertInput{Action: AlertTrigger, DedupKey: "k", Summary: strings.Repeat("s", 1025)}, "", "summary: must be at most 1024"},
		{"bad UTF-8", AlertInput{Action: AlertTrigger, DedupKey: "k", Summary: "\xff"}, "", "valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normalise()
			if tt.wantErr != "" {
				if err == nil || ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.DedupKey != tt.wantKey {
				t.Fatalf("got %+v %v, want key %q", got, err, tt.wantKey)
			}
		})
	}
	if LabelsFingerprint(map[string]string{"a": "1", "b": "2"}) != LabelsFingerprint(map[string]string{"b": "2", "a": "1"}) {
		t.Error("fingerprint depends on map order")
	}
	if LabelsFingerprint(map[string]string{"a": "1b"}) == LabelsFingerprint(map[string]string{"a1": "b"}) {
		t.Error("fingerprint confuses key and value boundaries")
	}
}

func mustMatchers(t *testing.T, ss ...string) []LabelMatcher {
	t.Helper()
	var out []LabelMatcher
	for _, s := range ss {
		m, err := ParseLabelMatcher(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestLabelMatcher(t *testing.T) {
	tests := []struct {
		matcher, value string
		want           bool
	}{
		{`severity="critical"`, "critical", true},
		{`severity=critical`, "warning", false},
		{`severity!="critical"`, "warning", true},
		{`team=~"db|database"`, "database", true},
		{`team=~"db"`, "dbx", false}, // anchored
		{`team!~"db.*"`, "web", true},
		{`team!~"db.*"`, "dba", false},
		{`missing=""`, "", true},
	}
	for _, tt := range tests {
		m := mustMatchers(t, tt.matcher)[0]
		if got := m.Matches(tt.value); got != tt.want {
			t.Errorf("%s on %q: %v, want %v", tt.matcher, tt.value, got, tt.want)
		}
	}
	for _, bad := range []string{"", "=x", "severity", `a=~"("`, "a~x"} {
		if _, err := ParseLabelMatcher(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestClassify(t *testing.T) {
	ap := &AlertPolicy{
		DefaultSeverity: P3,
		SeverityMap:     []SeverityMapping{{"critical", P1}, {"error", P2}, {"warning", P3}, {"info", P4}},
		Rules: []AlertRule{
			{Match: mustMatchers(t, `team="database"`, `severity=~"critical|page"`), Severity: P1, Service: "postgres-database"},
			{Match: mustMatchers(t, `service="auth-service"`), Service: "auth-service", GroupBy: []string{"alertname"}},
		},
		GroupBy: []string{"cluster"},
	}
	tests := []struct {
		name string
		in   AlertInput
		want Classification
	}{
		{"rule sets severity and service", AlertInput{Labels: map[string]string{"team": "database", "severity": "page"}},
			Classification{P1, "postgres-database", "cluster="}},
		{"rule sets service and grouping", AlertInput{Severity: "warning", Labels: map[string]string{"service": "auth-service", "alertname": "Down"}},
			Classification{P3, "auth-service", "alertname=Down"}},
		{"severity word", AlertInput{Severity: "ERROR", Labels: map[string]string{"cluster": "eu"}}, Classification{P2, "api", "cluster=eu"}},
		{"severity level as is", AlertInput{Severity: "p4"}, Classification{P4, "api", "cluster="}},
		{"default", AlertInput{Severity: "whatever"}, Classification{P3, "api", "cluster="}},
		{"severity label", AlertInput{Labels: map[string]string{"severity": "critical"}}, Classification{P1, "api", "cluster="}},
	}
	for _, tt := range tests {
		if got := ap.Classify(tt.in, "api"); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if !ap.AutoResolves(P3) && (ap.AutoResolves(P1)) {
		t.Error("auto-resolve")
	}
	if (&AlertPolicy{}).Window() != DefaultGroupWindow {
		t.Error("default window")
	}
}

func TestAlertEventsReplay(t *testing.T) {
	p := testPolicy()
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	in, err := DeclareInput{Title: "Alerts", Severity: P3, Source: SourceMonitoring}.Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	inc, c, err := NewIncident(p, in, 1, Actor{Automation: "integration.am"}, now)
	if err != nil {
		t.Fatal(err)
	}
	changes := []Change{c}
	a := &Alert{ID: 7, Integration: "i", DedupKey: "k", Summary: "s", Severity: P3}
	changes = append(changes, inc.AttachAlert(a, now), inc.RecordChangeEvent(ChangeEventData{Summary: "deploy"}, now), inc.ResolveAlert(a, now))
	more, err := inc.Do(p, Action{Kind: ActResolve, Text: "All alerts resolved."}, now)
	if err != nil {
		t.Fatal(err)
	}
	changes = append(changes, more...)
	var events []*Event
	prev := ""
	for i, c := range changes {
		e, err := NewEvent(inc.ID, int64(i+1), prev, now, "automation:integration.am", c)
		if err != nil {
			t.Fatal(err)
		}
		events, prev = append(events, e), e.Hash
	}
	got, err := Replay(events)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusResolved || got.EventCount != 5 {
		t.Fatalf("replayed %+v", got)
	}
}

func TestIntegrationAndMaintenanceInput(t *testing.T) {
	p := testPolicy()
	svc := p.Services[0].ID
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   IntegrationInput
		want string
	}{
		{IntegrationInput{Type: "nagios", Service: svc}, "type: must be"},
		{IntegrationInput{Type: IntegrationAlertmanager, Service: "nope"}, "unknown service"},
		{IntegrationInput{Type: IntegrationAlertmanager, Service: svc, Name: "Bad Name"}, "name: must be"},
		{IntegrationInput{Type: IntegrationHeartbeat, Service: svc, HeartbeatInterval: Interval(time.Second)}, "at least 10s"},
		{IntegrationInput{Type: IntegrationPagerDuty, Service: svc, Sign: true}, "only grafana and generic"},
		{IntegrationInput{Type: IntegrationGrafana, Service: svc, TimestampHeader: "X-T"}, "needs a signature header"},
		{IntegrationInput{Type: IntegrationGrafana, Service: svc, Source: "rumour"}, "unknown source"},
		{IntegrationInput{Type: IntegrationProbe, Service: svc}, "probe_url: required: service " + quote(svc) + " has no health_url"},
		{IntegrationInput{Type: IntegrationProbe, Service: svc, ProbeURL: "ftp://x/health"}, "probe_url: must be an absolute http or https URL"},
		{IntegrationInput{Type: IntegrationProbe, Service: svc, ProbeURL: "https://user:pw@x/health"}, "without credentials"},
		{IntegrationInput{Type: IntegrationProbe, Service: svc, ProbeURL: "/health"}, "probe_url: must be an absolute"},
		{IntegrationInput{Type: IntegrationProbe, Service: svc, ProbeURL: "https://x/", ProbeInterval: Interval(time.Second)}, "probe_interval: must be at least 10s"},
		{IntegrationInput{Type: IntegrationAlertmanager, Service: svc, ProbeURL: "https://x/"}, "only probe integrations take a URL"},
	} {
		if _, err := tt.in.Validate(p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.in, err, tt.want)
		}
	}
	v, err := IntegrationInput{Type: IntegrationHeartbeat, Service: svc}.Validate(p)
	if err != nil || v.Name != "heartbeat-"+svc || time.Duration(v.HeartbeatInterval) != DefaultHeartbeatInterval || v.Source != SourceMonitoring {
		t.Errorf("defaults: %+v %v", v, err)
	}
	p.Services[0].HealthURL = "https://api.example.com/healthz"
	v, err = IntegrationInput{Type: IntegrationProbe, Service: svc}.Validate(p)
	if err != nil || v.ProbeURL != "https://api.example.com/healthz" || time.Duration(v.ProbeInterval) != DefaultProbeInterval {
		t.Errorf("probe defaults: %+v %v", v, err)
	}
	probe := Integration{ProbeInterval: v.ProbeInterval}
	if probe.ProbeTimeout() != MaxProbeTimeout {
		t.Errorf("timeout at 1m: %s", probe.ProbeTimeout())
	}
	if probe.ProbeInterval = Interval(10 * time.Second); probe.ProbeTimeout() != 5*time.Second {
		t.Errorf("timeout at 10s: %s", probe.ProbeTimeout())
	}
	for _, tt := range []struct {
		in   MaintenanceInput
		want string
	}{
		{MaintenanceInput{Service: svc, Reason: "r"}, "ends_at: is required"},
		{MaintenanceInput{Service: svc, Reason: "r", StartsAt: now, EndsAt: now.Add(-time.Hour)}, "after starts_at"},
		{MaintenanceInput{Service: svc, Reason: "r", StartsAt: now.Add(-3 * time.Hour), For: Interval(time.Hour)}, "in the future"},
		{MaintenanceInput{Service: svc, Reason: "r", For: Interval(31 * 24 * time.Hour)}, "at most 30 days"},
		{MaintenanceInput{Service: "x", For: Interval(time.Hour)}, "reason: is required"},
	} {
		if _, err := tt.in.Validate(p, now); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.in, err, tt.want)
		}
	}
	w, err := MaintenanceInput{Service: svc, Reason: "upgrade", For: Interval(2 * time.Hour)}.Validate(p, now)
	if err != nil || !w.StartsAt.Equal(now) || !w.EndsAt.Equal(now.Add(2*time.Hour)) {
		t.Errorf("for: %+v %v", w, err)
	}
	mw := MaintenanceWindow{StartsAt: now, EndsAt: now.Add(time.Hour)}
	if !mw.Covers(now) || mw.Covers(now.Add(time.Hour)) || mw.Covers(now.Add(-time.Second)) {
		t.Error("Covers")
	}
	if iv, err := ParseInterval("1d"); err != nil || time.Duration(iv) != 24*time.Hour {
		t.Errorf("ParseInterval: %v %v", iv, err)
	}
	if b, _ := Interval(90 * time.Minute).MarshalText(); string(b) != "1h30m" {
		t.Errorf("MarshalText %s", b)
	}
}
