package engine

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
)

// OnCall implements fireline.OnCallService over the engine and its store.
type OnCall struct{ *Engine }

var _ fireline.OnCallService = OnCall{}

// WhoIsOnCall implements fireline.OnCallService.
func (o OnCall) WhoIsOnCall(ctx context.Context, at time.Time) ([]fireline.OnCallNow, error) {
	overrides, err := o.Store.Overrides(ctx, at, at.Add(time.Microsecond))
	if err != nil {
		return nil, err
	}
	return o.Policy.WhoIsOnCall(at, overrides), nil
}

// CreateOverride implements fireline.OnCallService.
func (o OnCall) CreateOverride(ctx context.Context, in fireline.OverrideInput) (*fireline.Override, error) {
	return o.Store.CreateOverride(ctx, in)
}

// ListOverrides implements fireline.OnCallService.
func (o OnCall) ListOverrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error) {
	return o.Store.Overrides(ctx, from, to)
}

// DeleteOverride implements fireline.OnCallService.
func (o OnCall) DeleteOverride(ctx context.Context, id string) error {
	return o.Store.DeleteOverride(ctx, id)
}

// Readiness implements fireline.OnCallService.
func (o OnCall) Readiness(ctx context.Context, from time.Time, horizon time.Duration) ([]fireline.ReadinessProblem, error) {
	return o.Engine.Readiness(ctx, from, horizon)
}

// TestPage implements fireline.OnCallService.
func (o OnCall) TestPage(ctx context.Context, person string) ([]fireline.TestResult, error) {
	return o.Engine.SendTest(ctx, person)
}
