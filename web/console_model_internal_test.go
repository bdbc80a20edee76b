package web

import (
	"encoding/json"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
)

// TestDescribeGatheredAlerts: an alert event that lists more alerts says
// how many; one that does not reads as before.
func TestDescribeGatheredAlerts(t *testing.T) {
	p := policy.Default()
	for _, c := range []struct {
		typ  fireline.EventType
		data any
		want string
	}{
		{fireline.EventAlertAttached, fireline.AlertAttachedData{Alert: 12, Severity: fireline.P3}, "attached P3 alert #12"},
		{fireline.EventAlertAttached, fireline.AlertAttachedData{Alert: 12, Severity: fireline.P3, MoreAlerts: []int64{13, 14}}, "attached P3 alert #12 and 2 more"},
		{fireline.EventAlertResolved, fireline.AlertResolvedData{Alert: 12, MoreAlerts: []int64{13}}, "recorded alert #12 and 1 more as resolved"},
	} {
		data, err := json.Marshal(c.data)
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(&fireline.Event{Type: c.typ, Data: data}, p).What; got != c.want {
			t.Errorf("%s: %q, want %q", data, got, c.want)
		}
	}
}
