package fireline

import (
	"context"
	"time"
)

// OnCallService answers who is on call, manages overrides, checks
// readiness and sends test pages.
type OnCallService interface {
	// WhoIsOnCall returns the primary and secondary of every schedule at at.
	WhoIsOnCall(ctx context.Context, at time.Time) ([]OnCallNow, error)
	// CreateOverride puts a person on call for a while. EInvalid for bad
	// input.
	CreateOverride(ctx context.Context, in OverrideInput) (*Override, error)
	// ListOverrides returns the overrides in force at some instant of
	// [from, to).
	ListOverrides(ctx context.Context, from, to time.Time) ([]Override, error)
	// DeleteOverride removes one. ENotFound if there is none.
	DeleteOverride(ctx context.Context, id string) error
	// Readiness lists contact methods the server cannot deliver by, gaps,
	// unreachable people on call and chain steps that resolve to no one,
	// from from for horizon.
	Readiness(ctx context.Context, from time.Time, horizon time.Duration) ([]ReadinessProblem, error)
	// TestPage sends a test page to a person on each of their contact
	// methods in turn, and returns each outcome once all are tried (within
	// TestPageTimeout); a failed delivery is a result, not an error.
	// EInvalid for an unknown person; EConflict when they have no contact
	// method.
	TestPage(ctx context.Context, person string) ([]TestResult, error)
}
