package engine

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// Store is what the engine needs of the database. sqlstore provides it
// (cmd wires it); tests of the engine's own give it a fake.
type Store interface {
	// IncidentTx runs fn in a write transaction with incident n loaded and
	// locked, and commits when fn returns nil. ENotFound when it is
	// missing.
	IncidentTx(ctx context.Context, n int64, fn func(tx IncidentTx, inc *fireline.Incident) error) error
	// Incident reads incident n without locking it.
	Incident(ctx context.Context, n int64) (*fireline.Incident, error)
	// JobTx runs fn in a write transaction of its own, for work that
	// belongs to no incident.
	JobTx(ctx context.Context, fn func(tx JobTx) error) error
	// Unwatched lists the open, unacknowledged incidents whose walk has
	// not ended and that have nothing pending: lost walks.
	Unwatched(ctx context.Context) ([]string, error)
	// Overrides returns the on-call overrides in force at some instant of
	// [from, to).
	Overrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error)
	// CreateOverride stores an override as the actor in ctx. EInvalid for
	// bad input.
	CreateOverride(ctx context.Context, in fireline.OverrideInput) (*fireline.Override, error)
	// DeleteOverride removes an override. ENotFound if there is none.
	DeleteOverride(ctx context.Context, id string) error
}

// JobTx is a write transaction that finishes the job being run and may
// enqueue others, so that a job's effect and its end commit together.
type JobTx interface {
	// Now is the transaction's frozen instant.
	Now() time.Time
	// Enqueue adds jobs; a key already pending or running is skipped.
	Enqueue(ctx context.Context, work ...fireline.Job) error
	// Complete marks j done (jobs.ErrLeaseLost when it is no longer this
	// runner's).
	Complete(ctx context.Context, j *jobs.Job) error
	// Reschedule puts j back to pending at at, with args replacing its
	// arguments when not nil and its attempts counted afresh with reset.
	Reschedule(ctx context.Context, j *jobs.Job, at time.Time, errText string, args any, reset bool) error
	// Fail marks j failed for good.
	Fail(ctx context.Context, j *jobs.Job, errText string) error
}

// IncidentTx is a JobTx over one locked incident, that records on its
// timeline and stores the work the domain decides for it.
type IncidentTx interface {
	JobTx
	// Record applies a change the engine makes (an escalation step, a
	// page attempt, a clock mark, ...) to the incident and appends it to
	// the timeline as the pager.
	Record(ctx context.Context, c fireline.Change) error
	// DoWork stores work the domain decided for the incident: its steps
	// run now (recorded), its jobs, its cancellations.
	DoWork(ctx context.Context, w fireline.Work) error
	// Timeline reads the incident's events, oldest first.
	Timeline(ctx context.Context) ([]*fireline.Event, error)
	// Overrides returns the on-call overrides in force at some instant of
	// [from, to).
	Overrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error)
}
