package engine

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// regulatoryClock runs the regulatory notification clock's job
// (fireline.RegulatoryMark): at its at-risk mark, the event and the
// commander and the rule's contacts told, then the job again at the
// deadline; at the deadline, the breach. A clock met meanwhile (the
// regulator notified) ends the job with nothing recorded.
func (e *Engine) regulatoryClock(ctx context.Context, j *jobs.Job) error {
	var a fireline.RegulatoryJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, inc *fireline.Incident) error {
		now := tx.Now()
		overrides, err := tx.Overrides(ctx, now, now.Add(time.Microsecond))
		if err != nil {
			return err
		}
		c, work, next, ok := e.Policy.RegulatoryMark(inc, a, now, overrides)
		if !ok {
			return tx.Complete(ctx, j)
		}
		if c.Type != "" {
			if err := tx.Record(ctx, c); err != nil {
				return err
			}
			if err := tx.DoWork(ctx, work); err != nil {
				return err
			}
			e.Metrics.clockMarked(inc.Severity, fireline.ClockRegulatory, c.Type == fireline.EventClockBreached)
		}
		if next.IsZero() {
			return tx.Complete(ctx, j)
		}
		return tx.Reschedule(ctx, j, next, "", nil, true)
	})
}
