package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/policy"
)

// TestGroupsSpreadAlerts: with --groups N every request is an
// Alertmanager message of one alert group, the groups taken in turn (a
// batch's hundred alerts in the group of its first), and the bench policy
// groups by alertname, so each group is an incident of its own; with one
// group every alert is BenchLoad's, as before.
func TestGroupsSpreadAlerts(t *testing.T) {
	for groups, want := range map[int][]string{
		1: {"BenchLoad", "BenchLoad", "BenchLoad", "BenchLoad"},
		3: {"BenchLoad-1", "BenchLoad-2", "BenchLoad-0", "BenchLoad-1"}, // host 1, 2, 3, then a batch from host 4
	} {
		b := &sender{cfg: IngestConfig{Groups: groups}}
		bodies := [][]byte{b.distinct(0), b.distinct(0), b.distinct(0), b.batch(0)}
		for i, body := range bodies {
			var msg struct {
				GroupLabels map[string]string `json:"groupLabels"`
				Alerts      []struct {
					Labels map[string]string `json:"labels"`
				} `json:"alerts"`
			}
			if err := json.Unmarshal(body, &msg); err != nil {
				t.Fatalf("groups %d: %v\n%s", groups, err, body)
			}
			for _, a := range msg.Alerts {
				if a.Labels["alertname"] != want[i] || msg.GroupLabels["alertname"] != want[i] {
					t.Fatalf("groups %d, request %d: alert of %q in a message of %q, want %q", groups, i, a.Labels["alertname"], msg.GroupLabels["alertname"], want[i])
				}
			}
		}
	}
	for groups, want := range map[int][]string{1: nil, 64: {"alertname"}} {
		pol, err := policy.Parse("bench.yaml", []byte(ingestPolicy(groups)))
		if err != nil {
			t.Fatal(err)
		}
		if got := pol.Alerts.GroupBy; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("groups %d: group_by %q, want %q", groups, got, want)
		}
	}
}

// TestReplicaRatios: several replicas' peaks are compared with one
// replica's on the same database, scenario by scenario.
func TestReplicaRatios(t *testing.T) {
	var out bytes.Buffer
	err := printReplicaRatios(&out, []peak{
		{db: "postgres", scenario: distinctScenario, rate: 1000},
		{db: "postgres x2", scenario: distinctScenario, rate: 1500},
		{db: "sqlite", scenario: distinctScenario, rate: 4000},
	})
	if err != nil || !strings.Contains(out.String(), "postgres x2  distinct alerts  1.50x postgres's 1000/s") || strings.Contains(out.String(), "sqlite") {
		t.Errorf("err %v, ratios:\n%s", err, out.String())
	}
}
