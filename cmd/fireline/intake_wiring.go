package main

import (
	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/sqlstore"
)

// newIntake starts alert intake (its group-commit writer) for serve;
// server.Close stops it before the database. Heartbeat and probe checks
// are jobs (paging.runIntegrationChecks).
func newIntake(db *sqlstore.DB, pol *fireline.Policy, cfg serveConfig) *sqlstore.IntakeService {
	return sqlstore.NewIntakeService(db, pol, sqlstore.IntakeOptions{})
}
