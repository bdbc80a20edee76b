package engine

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/notify"
)

// Readiness lists what would stop a page reaching anyone between now and
// now+horizon: the contact methods this server cannot deliver by, then
// the schedules' gaps, unreachable people on call and empty chain steps.
func (e *Engine) Readiness(ctx context.Context, now time.Time, horizon time.Duration) ([]fireline.ReadinessProblem, error) {
	overrides, err := e.Store.Overrides(ctx, now, now.Add(horizon))
	if err != nil {
		return nil, err
	}
	return e.Policy.Readiness(now, now.Add(horizon), overrides, e.DeliverySetup(ctx)), nil
}

// ReportReadiness checks the coming GapHorizon, logs each problem at warn
// level (its message names the fix) and a count, and sets
// fireline_oncall_gaps. fireline serve calls it at start, so that a
// server that cannot page says so before the first page fails; the daily
// gap report may be days away, and a restart does not move it.
func (e *Engine) ReportReadiness(ctx context.Context) ([]fireline.ReadinessProblem, error) {
	problems, err := e.Readiness(ctx, e.Now(), GapHorizon)
	if err != nil {
		return nil, err
	}
	if e.Metrics != nil {
		e.Metrics.gaps.Set(float64(len(problems)))
	}
	for _, p := range problems {
		attrs := []any{"kind", p.Kind}
		if p.Fix != "" {
			attrs = append(attrs, "fix", p.Fix)
		}
		e.log().Warn("paging readiness: "+p.Message, attrs...)
	}
	if len(problems) > 0 {
		e.log().Warn("paging readiness: pages may not reach everyone; fireline oncall check lists the problems",
			"problems", len(problems))
	} else {
		e.log().Info("paging readiness: no problems found for the coming week", "problems", 0)
	}
	return problems, nil
}

// DeliverySetup describes what this server can deliver with, from its
// channels and their optional capabilities (notify.SecretChecker,
// notify.Relayer, notify.Guarded). Names are resolved under ctx as the
// checks ask for them, each once per setup, so a setup serves one check
// and is not safe for concurrent use.
func (e *Engine) DeliverySetup(ctx context.Context) *fireline.DeliverySetup {
	d := &fireline.DeliverySetup{Env: e.Env}
	var guard *notify.Guard
	for t, ch := range e.Channels {
		if ch == nil {
			continue
		}
		d.Channels = append(d.Channels, t)
		if g, ok := ch.(notify.Guarded); ok && g.OutboundGuard() != nil {
			guard = g.OutboundGuard()
		}
	}
	if r, ok := e.Channels[fireline.MethodEmail].(notify.Relayer); ok {
		d.SMTPRelay = r.Relay()
	}
	if s, ok := e.Channels[fireline.MethodWebhook].(notify.SecretChecker); ok {
		d.WebhookSecret = s.CheckSecret
	}
	if guard != nil {
		d.Outbound = outboundCheck(ctx, guard)
	}
	return d
}

// outboundCheck answers whether the guard refuses a host (notify.Guard.Check),
// resolving each name once. A name that does not resolve now is not
// reported; the guard checks again when a page connects, and notify test
// shows the error.
func outboundCheck(ctx context.Context, g *notify.Guard) func(string) *fireline.OutboundRefusal {
	seen := map[string]*fireline.OutboundRefusal{}
	return func(host string) *fireline.OutboundRefusal {
		if r, ok := seen[host]; ok {
			return r
		}
		r := g.Check(ctx, host)
		seen[host] = r
		return r
	}
}
