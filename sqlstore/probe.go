package sqlstore

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// KindProbe is the job that runs one health check of a probe integration
// and schedules the next (docs/adr/0047).
const KindProbe = "probe.check"

// probeKey is the dedup key of a probe integration's one alert.
const probeKey = "health-check-failed"

// ProbeArgs are a probe job's arguments.
type ProbeArgs struct {
	Integration string `json:"integration"`
}

// ProbeJob is the job that checks probe integration id at runAt. Its key
// is the integration's, so that a probe has one check pending at a time.
// A check that cannot record its result (the database is down) is retried
// without end, at most five minutes apart: a probe must outlive an outage.
func ProbeJob(id string, runAt time.Time) jobs.Spec {
	return jobs.Spec{Kind: KindProbe, Key: "probe:" + id, Group: "probe:" + id, RunAt: runAt,
		Args: ProbeArgs{Integration: id}, MaxAttempts: math.MaxInt32}
}

// ProbeIntegration returns the live probe integration with id; nil when
// it has been deleted (its checks stop).
func (s *IntakeService) ProbeIntegration(ctx context.Context, id string) (*fireline.Integration, error) {
	var in *fireline.Integration
	err := s.db.readTx(ctx, "probe integration", func(tx *Tx) error {
		var err error
		in, err = scanIntegration(tx.queryRow(ctx, "SELECT "+integrationColumns+
			" FROM integrations WHERE id = ? AND type = ? AND deleted_at IS NULL", id, string(fireline.IntegrationProbe)))
		if isNoRows(err) {
			in, err = nil, nil
		}
		return err
	})
	return in, err
}

// ProbeResult is how one health check went.
type ProbeResult struct {
	OK bool
	// Result says what the check saw: "200 OK", or why it failed.
	Result string
}

// RecordProbe stores a health check's result on its integration. A
// passing check resolves the probe's open alert, in the same commit; a
// failing one that makes fireline.ProbeFailuresToAlert or more in a row
// raises the alert (or repeats it, while it is open). It returns the
// failed checks in a row.
func (s *IntakeService) RecordProbe(ctx context.Context, integ *fireline.Integration, r ProbeResult) (int, error) {
	if integ.Type != fireline.IntegrationProbe {
		return 0, fireline.Errorf(fireline.EInvalid, "integration %q is a %s integration, not a probe", integ.Name, integ.Type)
	}
	result := truncate(r.Result, 500)
	failing := 0
	err := s.batcher.do(ctx, 1, func(ctx context.Context, b *intakeBatch) error {
		tx := b.tx
		// Read in the batch: the count must follow the rows, not memory.
		if err := tx.queryRow(ctx, "SELECT probe_failing FROM integrations WHERE id = ?", integ.ID).Scan(&failing); err != nil {
			return err
		}
		if r.OK {
			failing = 0
		} else {
			failing++
		}
		if _, err := tx.exec(ctx, "UPDATE integrations SET probe_failing = ?, last_probe_at = ?, last_probe_result = ? WHERE id = ?",
			failing, micros(tx.now), result, integ.ID); err != nil {
			return err
		}
		if !r.OK {
			return nil
		}
		return s.resolveIfOpen(ctx, b, integ, probeKey)
	})
	if err != nil || r.OK || failing < fireline.ProbeFailuresToAlert {
		return failing, err
	}
	// Raised after the count is stored: if the server dies in between, the
	// next failing check raises it.
	_, err = s.Ingest(ctx, integ, []fireline.AlertInput{probeAlert(integ, s.policy, result)})
	return failing, err
}

// probeAlert is the alert of a failing probe. Its severity label says
// what the guide says of a service that fails: a core service's complete
// failure is a P1 ("critical"), another component's a P3 ("warning");
// the policy's rules can match alertname="HealthCheckFailed" to decide
// otherwise.
func probeAlert(integ *fireline.Integration, p *fireline.Policy, result string) fireline.AlertInput {
	severity := "warning"
	if svc, ok := p.Service(integ.Service); ok && svc.Critical {
		severity = "critical"
	}
	return fireline.AlertInput{
		Action: fireline.AlertTrigger, DedupKey: probeKey, Source: integ.Name, URL: integ.ProbeURL,
		Summary: truncate(fmt.Sprintf("Health check failing: %s: GET %s: %s", integ.Service, integ.ProbeURL, result), 1000),
		Labels: map[string]string{"alertname": "HealthCheckFailed", "integration": integ.Name, "service": integ.Service,
			"severity": severity},
	}
}
