package sqlstore

import (
	"context"
	"fmt"

	"github.com/fireline-dev/fireline"
)

// probeKey is the dedup key of a probe integration's one alert.
const probeKey = "health-check-failed"

// ProbeIntegration returns the live probe integration with id; nil when
// it has been deleted (its checks stop).
func (s *IntakeService) ProbeIntegration(ctx context.Context, id string) (*fireline.Integration, error) {
	return s.liveIntegration(ctx, id, fireline.IntegrationProbe)
}

// liveIntegration returns the live integration of a type with id; nil
// when it has been deleted.
func (s *IntakeService) liveIntegration(ctx context.Context, id string, typ fireline.IntegrationType) (*fireline.Integration, error) {
	var in *fireline.Integration
	err := s.db.readTx(ctx, "live integration", func(tx *Tx) error {
		var err error
		in, err = scanIntegration(tx.queryRow(ctx, "SELECT "+integrationColumns+
			" FROM integrations WHERE id = ? AND type = ? AND deleted_at IS NULL", id, string(typ)))
		if isNoRows(err) {
			in, err = nil, nil
		}
		return err
	})
	return in, err
}

// RecordProbe stores a health check's result on its integration. A
// passing check resolves the probe's open alert, in the same commit; a
// failing one that makes fireline.ProbeFailuresToAlert or more in a row
// raises the alert (or repeats it, while it is open). It returns the
// failed checks in a row.
func (s *IntakeService) RecordProbe(ctx context.Context, integ *fireline.Integration, r fireline.ProbeResult) (int, error) {
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
