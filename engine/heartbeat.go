package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// HeartbeatStore is what the heartbeat checks need of the database.
type HeartbeatStore interface {
	// HeartbeatIntegration returns the live heartbeat integration with
	// id; nil when it has been deleted (its checks stop).
	HeartbeatIntegration(ctx context.Context, id string) (*fireline.Integration, error)
	// RaiseMissedHeartbeat raises the integration's missed-heartbeat
	// alert through intake, unless one is open; it says whether it did.
	RaiseMissedHeartbeat(ctx context.Context, in *fireline.Integration) (bool, error)
	// JobTx runs fn in a write transaction of its own.
	JobTx(ctx context.Context, fn func(tx JobTx) error) error
}

// Heartbeats checks heartbeat integrations for missed pings: each has one
// job, due when its next ping is. A check that finds a newer ping waits
// for that one's due time; one that finds the ping overdue raises the
// integration's alert (the next ping resolves it, in intake) and looks
// again an interval later. Jobs are claimed with a lease, so among
// replicas one runs each check, and a check is on time to the runner's
// precision, not a ticker's.
type Heartbeats struct {
	Store  HeartbeatStore
	Logger *slog.Logger
}

// Register installs the heartbeat check's handler on r.
func (h *Heartbeats) Register(r *jobs.Runner) { r.Handle(fireline.JobHeartbeat, h.check) }

func (h *Heartbeats) check(ctx context.Context, j *jobs.Job) error {
	var a fireline.HeartbeatArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	in, err := h.Store.HeartbeatIntegration(ctx, a.Integration)
	if err != nil {
		return err
	}
	if in == nil {
		return nil // deleted: its checks end here
	}
	// The alert goes through intake, a transaction of its own, before the
	// job's: should the second fail, the check runs again, and raising is
	// idempotent (not while one is open).
	next, overdue := in.HeartbeatDue(), false
	if !next.After(j.RunAt) {
		overdue = true
		raised, err := h.Store.RaiseMissedHeartbeat(ctx, in)
		if err != nil {
			return err
		}
		if raised && h.Logger != nil {
			h.Logger.Warn("missed heartbeat", "integration", in.Name, "due", next)
		}
	}
	err = h.Store.JobTx(ctx, func(tx JobTx) error {
		if overdue {
			next = tx.Now().Add(time.Duration(in.HeartbeatInterval))
		}
		return tx.Reschedule(ctx, j, next, "", nil, true)
	})
	if err != nil {
		return err
	}
	return jobs.ErrFinished
}
