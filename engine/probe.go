package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// ProbeStore is what the prober needs of the database.
type ProbeStore interface {
	// ProbeIntegration returns the live probe integration with id; nil
	// when it has been deleted (its checks stop).
	ProbeIntegration(ctx context.Context, id string) (*fireline.Integration, error)
	// RecordProbe stores a check's result, raising or resolving the
	// probe's alert, and returns how many checks in a row have failed.
	RecordProbe(ctx context.Context, integ *fireline.Integration, r fireline.ProbeResult) (int, error)
	// JobTx runs fn in a write transaction of its own.
	JobTx(ctx context.Context, fn func(tx JobTx) error) error
}

// Prober runs the health checks of probe integrations (docs/adr/0047):
// each is a job that GETs the integration's URL, records the result
// through intake (raising or resolving the probe's alert) and schedules
// the next check one interval later. Jobs are claimed with a lease, so
// among replicas one runs each check.
type Prober struct {
	Store ProbeStore
	// Client makes the checks; it must dial through the outbound guard
	// (notify.Guard), as probe URLs are user-configured.
	Client *http.Client
	Logger *slog.Logger
	// Metrics, optional: fireline_probe_checks_total.
	Metrics *Metrics
}

// Register installs the probe job's handler on r.
func (p *Prober) Register(r *jobs.Runner) { r.Handle(fireline.JobProbe, p.check) }

func (p *Prober) check(ctx context.Context, j *jobs.Job) error {
	var a fireline.ProbeArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	integ, err := p.Store.ProbeIntegration(ctx, a.Integration)
	if err != nil {
		return err
	}
	if integ == nil {
		return nil // deleted: its checks end here
	}
	r := p.get(ctx, integ)
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the check did not fail, it was cut short
	}
	p.Metrics.probeChecked(r.OK)
	failing, err := p.Store.RecordProbe(ctx, integ, r)
	if err != nil {
		return err
	}
	if !r.OK && p.Logger != nil {
		p.Logger.Warn("health check failed", "integration", integ.Name, "url", integ.ProbeURL, "result", r.Result, "in_a_row", failing)
	}
	err = p.Store.JobTx(ctx, func(tx JobTx) error {
		if err := tx.Complete(ctx, j); err != nil {
			return err
		}
		// Keep the cadence of the schedule, not of the checks' ends; a
		// check that ran a whole interval late (no replica was running)
		// counts as the one due now.
		every := time.Duration(integ.ProbeInterval)
		next := j.RunAt.Add(every)
		if !next.After(tx.Now()) {
			next = tx.Now().Add(every)
		}
		return tx.Enqueue(ctx, fireline.ProbeJob(integ.ID, next))
	})
	if err != nil {
		return err
	}
	return jobs.ErrFinished
}

// maxProbeBody bounds what a check reads of a health endpoint's answer.
const maxProbeBody = 64 << 10

// get runs one health check: a GET answered 2xx within the probe's
// timeout passes; anything else fails, and Result says why.
func (p *Prober) get(ctx context.Context, integ *fireline.Integration) fireline.ProbeResult {
	timeout := integ.ProbeTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, integ.ProbeURL, nil)
	if err != nil {
		return fireline.ProbeResult{Result: err.Error()}
	}
	req.Header.Set("User-Agent", "Fireline-Probe/1 (+health check of "+integ.Service+")")
	resp, err := p.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fireline.ProbeResult{Result: fmt.Sprintf("no answer within %s", fireline.FormatDuration(timeout))}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the alert already
		}
		return fireline.ProbeResult{Result: err.Error()}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxProbeBody))
	resp.Body.Close()
	status := resp.Status
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return fireline.ProbeResult{OK: true, Result: status}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		status += " to " + resp.Header.Get("Location") + " (redirects are not followed: point the probe at the final URL)"
	}
	return fireline.ProbeResult{Result: status}
}
