package main

import (
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/sqlstore"
)

// heartbeatCheckEvery is how often the server looks for missed heartbeats.
const heartbeatCheckEvery = 5 * time.Second

// newIntake starts alert intake (its group-commit writer and the
// heartbeat watch) for serve; server.Close stops it before the database.
func newIntake(db *sqlstore.DB, pol *fireline.Policy, cfg serveConfig) *sqlstore.IntakeService {
	intake := sqlstore.NewIntakeService(db, pol, sqlstore.IntakeOptions{})
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	if !cfg.NoHeartbeatWatch {
		intake.WatchHeartbeats(heartbeatCheckEvery, now)
	}
	return intake
}
