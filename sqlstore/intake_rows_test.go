package sqlstore_test

import (
	"encoding/json"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// New alert rows, written together at their batch's flush, are stored
// with every column as their batch left them: repeated and resolved
// within the batch, restricted, suppressed, or plain, with and without
// details.
func TestNewAlertRowsKeepEveryColumn(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newIntakeEnv(t, dsn, fireline.IntegrationGeneric)
		resolve := func(key string) fireline.AlertInput {
			return fireline.AlertInput{Action: fireline.AlertResolve, DedupKey: key}
		}
		withDetails := trigger("detailed")
		withDetails.Details = json.RawMessage(`{"disk":"/var","free":"2%"}`)
		// One request: one batch.
		if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{
			trigger("plain"), trigger("repeated"), trigger("repeated"), trigger("repeated"),
			trigger("gone"), resolve("gone"), withDetails,
		}); err != nil {
			t.Fatal(err)
		}
		p := policy.Default()
		sec, err := sqlstore.NewIntegrationService(e.db, p).CreateIntegration(as(admin),
			fireline.IntegrationInput{Type: fireline.IntegrationGeneric, Service: "api-gateway", Name: "siem", Source: fireline.SourceSecurity})
		if err != nil {
			t.Fatal(err)
		}
		secInteg, err := e.intake.IntegrationByKey(noContext, sec.Key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.intake.Ingest(noContext, secInteg, []fireline.AlertInput{trigger("canary")}); err != nil {
			t.Fatal(err)
		}
		if _, err := sqlstore.NewMaintenanceService(e.db, p).CreateMaintenance(as(admin), fireline.MaintenanceInput{
			Service: "api-gateway", For: fireline.Interval(3600e9), Reason: "upgrade"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.intake.Ingest(noContext, e.integ, []fireline.AlertInput{trigger("quiet")}); err != nil {
			t.Fatal(err)
		}

		type row struct {
			status                 string
			restricted, suppressed bool
			count                  int64
			resolved, incident     bool
			details                string
		}
		want := map[string]row{
			"plain":    {status: "firing", count: 1, incident: true},
			"repeated": {status: "firing", count: 3, incident: true},
			"gone":     {status: "resolved", count: 1, resolved: true, incident: true},
			"detailed": {status: "firing", count: 1, incident: true, details: `{"disk":"/var","free":"2%"}`},
			"canary":   {status: "firing", restricted: true, count: 1, incident: true},
			"quiet":    {status: "firing", suppressed: true, count: 1},
		}
		rows, err := e.db.Writer().Query(`SELECT dedup_key, status, restricted, suppressed, count,
			resolved_at IS NOT NULL, incident_number IS NOT NULL, details, first_seen_at = last_seen_at FROM alerts`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := 0
		for rows.Next() {
			var key string
			var r row
			var sameTimes bool
			if err := rows.Scan(&key, &r.status, &r.restricted, &r.suppressed, &r.count, &r.resolved, &r.incident, &r.details, &sameTimes); err != nil {
				t.Fatal(err)
			}
			if w, ok := want[key]; !ok || r != w {
				t.Errorf("alert %q stored as %+v, want %+v", key, r, w)
			}
			if !sameTimes {
				t.Errorf("alert %q: first and last seen differ, though the clock did not move", key)
			}
			seen++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if seen != len(want) {
			t.Errorf("%d alert rows, want %d", seen, len(want))
		}
	})
}
