package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
)

// heartbeatKey is the dedup key of a heartbeat integration's one alert.
const heartbeatKey = "heartbeat-missed"

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

// RunDue raises a missed-heartbeat alert for every heartbeat integration
// whose last ping (or creation) is more than its interval before now and
// has none open yet. It returns how many it raised.
func (s *IntakeService) RunDue(ctx context.Context, now time.Time) (int, error) {
	var due []*fireline.Integration
	err := s.db.readTx(ctx, "due heartbeats", func(tx *Tx) error {
		rows, err := tx.query(ctx, "SELECT "+integrationColumns+` FROM integrations g
			WHERE type = ? AND deleted_at IS NULL AND COALESCE(last_ping_at, created_at) + heartbeat_interval < ?
			AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.dedup_key = ? AND a.integration_ref = g.ref AND a.resolved_at IS NULL)`,
			string(fireline.IntegrationHeartbeat), micros(now), heartbeatKey)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			in, err := scanIntegration(rows)
			if err != nil {
				return err
			}
			due = append(due, in)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	for _, in := range due {
		last := "none has come since it was created at " + in.CreatedAt.UTC().Format(time.RFC3339)
		if in.LastPingAt != nil {
			last = "the last came at " + in.LastPingAt.UTC().Format(time.RFC3339)
		}
		alert := fireline.AlertInput{
			Action: fireline.AlertTrigger, DedupKey: heartbeatKey, Source: in.Name,
			Summary: fmt.Sprintf("Missed heartbeat: %s expects a ping every %s; %s",
				in.Name, fireline.FormatDuration(time.Duration(in.HeartbeatInterval)), last),
			Labels: map[string]string{"alertname": "HeartbeatMissed", "integration": in.Name},
		}
		if _, err := s.Ingest(ctx, in, []fireline.AlertInput{alert}); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// WatchHeartbeats runs RunDue every interval, reading the time from now,
// until Close. Failures are logged and retried on the next tick.
func (s *IntakeService) WatchHeartbeats(every time.Duration, now func() time.Time) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopWatch = cancel
	s.watching.Add(1)
	go func() {
		defer s.watching.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := s.RunDue(ctx, now()); err != nil && ctx.Err() == nil {
					s.db.logger.Warn("heartbeat check", "err", err)
				}
			}
		}
	}()
}
