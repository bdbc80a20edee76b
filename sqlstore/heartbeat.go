package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/fireline-dev/fireline"
)

// heartbeatKey is the dedup key of a heartbeat integration's one alert.
const heartbeatKey = fireline.HeartbeatAlertKey

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Heartbeat records a ping from a heartbeat integration and resolves its
// missed-heartbeat alert, if one is open. EInvalid for an integration that
// is not a heartbeat.
func (s *IntakeService) Heartbeat(ctx context.Context, integ *fireline.Integration) error {
	if integ.Type != fireline.IntegrationHeartbeat {
		return fireline.Errorf(fireline.EInvalid, "integration %q is a %s integration, not a heartbeat", integ.Name, integ.Type)
	}
	return s.batcher.do(ctx, 1, func(ctx context.Context, b *intakeBatch) error {
		tx := b.tx
		if _, err := tx.exec(ctx, "UPDATE integrations SET last_ping_at = ? WHERE id = ?", micros(tx.now), integ.ID); err != nil {
			return err
		}
		return s.resolveIfOpen(ctx, b, integ, heartbeatKey)
	})
}

// resolveIfOpen resolves the integration's open alert of key, if any: the
// one alert a heartbeat or a probe raises itself.
func (s *IntakeService) resolveIfOpen(ctx context.Context, b *intakeBatch, integ *fireline.Integration, key string) error {
	open, err := b.openAlert(ctx, integ.ID, key)
	if err != nil || open == nil {
		return err
	}
	_, err = s.resolve(ctx, b, integ, open, fireline.AlertInput{Action: fireline.AlertResolve, DedupKey: key})
	return err
}

// HeartbeatIntegration returns the live heartbeat integration with id;
// nil when it has been deleted (its checks stop).
func (s *IntakeService) HeartbeatIntegration(ctx context.Context, id string) (*fireline.Integration, error) {
	return s.liveIntegration(ctx, id, fireline.IntegrationHeartbeat)
}

// RaiseMissedHeartbeat raises the integration's missed-heartbeat alert,
// through intake, unless one is open already; it says whether it did.
func (s *IntakeService) RaiseMissedHeartbeat(ctx context.Context, in *fireline.Integration) (bool, error) {
	var open bool
	err := s.db.readTx(ctx, "missed heartbeat", func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM alerts a JOIN integrations g ON a.integration_ref = g.ref
			WHERE g.id = ? AND a.dedup_key = ? AND a.resolved_at IS NULL)`, in.ID, heartbeatKey).Scan(&open)
	})
	if err != nil || open {
		return false, err
	}
	if _, err := s.Ingest(ctx, in, []fireline.AlertInput{in.MissedHeartbeat()}); err != nil {
		return false, err
	}
	return true, nil
}

// ScheduleHeartbeats makes sure every live heartbeat integration has its
// check pending (those created before checks were jobs have none); a key
// already pending is left as it is.
func (s *IntakeService) ScheduleHeartbeats(ctx context.Context) error {
	return s.db.writeTx(ctx, "schedule heartbeats", func(tx *Tx) error {
		rows, err := tx.query(ctx, "SELECT "+integrationColumns+" FROM integrations WHERE type = ? AND deleted_at IS NULL",
			string(fireline.IntegrationHeartbeat))
		if err != nil {
			return err
		}
		var checks []fireline.Job
		for rows.Next() {
			in, err := scanIntegration(rows)
			if err != nil {
				rows.Close()
				return err
			}
			checks = append(checks, fireline.HeartbeatJob(in.ID, in.HeartbeatDue()))
		}
		if err := rows.Close(); err != nil {
			return err
		}
		return tx.Enqueue(ctx, checks...)
	})
}
