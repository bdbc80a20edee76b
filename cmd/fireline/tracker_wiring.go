package main

import (
	"time"

	"github.com/fireline-dev/fireline/engine"
	"github.com/fireline-dev/fireline/tracker/github"
)

// connectTracker registers the tracker jobs (docs/reviews.md, ADR 0065):
// with the policy's tracker and its token in the environment they call
// GitHub through the outbound guard; without the token they fail saying
// which variable is empty (the readiness check says so at start). It
// returns the webhook's secret, "" when none is set.
func connectTracker(pg *paging, now func() time.Time) string {
	getenv := pg.cfg.Getenv
	pg.engine.Env = getenv
	job := &engine.Tracker{Engine: pg.engine}
	tp := pg.engine.Policy.Reviews.ActionItems.Tracker
	if tp == nil {
		job.Register(pg.runner) // finishes the jobs an earlier policy left
		return ""
	}
	job.TokenEnv = tp.Token()
	if token := getenv(tp.Token()); token != "" {
		job.API = &github.Client{BaseURL: tp.API(), Token: token, HTTP: pg.guard.HTTPClient(20 * time.Second), Now: now}
	}
	job.Register(pg.runner)
	return getenv(tp.SecretEnv())
}
