package fireline

import (
	"context"
	"strings"
	"time"
)

// MaintenanceWindow silences a service for a while: alerts that arrive
// inside it are recorded and visible but open no incident and page no one.
type MaintenanceWindow struct {
	ID        string    `json:"id"`
	Service   string    `json:"service"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Reason    string    `json:"reason"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Public puts the window on the public status page as scheduled
	// maintenance, its reason as its name.
	Public bool `json:"public"`
}

// Covers reports whether the window is in force at t: starts <= t < ends.
func (w *MaintenanceWindow) Covers(t time.Time) bool {
	return !t.Before(w.StartsAt) && t.Before(w.EndsAt)
}

// MaxMaintenance is the longest window one may schedule.
const MaxMaintenance = 30 * 24 * time.Hour

// MaintenanceInput describes a window to schedule.
type MaintenanceInput struct {
	Service string `json:"service"`
	// StartsAt defaults to now.
	StartsAt time.Time `json:"starts_at,omitzero"`
	// EndsAt, or For: how long after StartsAt it ends.
	EndsAt time.Time `json:"ends_at,omitzero"`
	For    Interval  `json:"for,omitzero"`
	Reason string    `json:"reason"`
	// Public shows the window on the public status page.
	Public bool `json:"public,omitempty"`
}

// Validate checks the input against the policy at now and returns a
// normalised copy (UTC, whole microseconds), or an EInvalid error listing
// every problem.
func (in MaintenanceInput) Validate(p *Policy, now time.Time) (MaintenanceInput, error) {
	var fe []FieldError
	if _, ok := p.Service(in.Service); !ok {
		fe = append(fe, FieldError{"service", "unknown service " + quote(in.Service)})
	}
	in.Reason = strings.TrimSpace(in.Reason)
	fe = checkText(fe, "reason", in.Reason, 1, MaxReason)
	if in.StartsAt.IsZero() {
		in.StartsAt = now
	}
	if in.EndsAt.IsZero() && in.For > 0 {
		in.EndsAt = in.StartsAt.Add(time.Duration(in.For))
	}
	in.StartsAt = in.StartsAt.UTC().Truncate(time.Microsecond)
	in.EndsAt = in.EndsAt.UTC().Truncate(time.Microsecond)
	switch {
	case in.EndsAt.IsZero():
		fe = append(fe, FieldError{"ends_at", "is required (or for: a duration)"})
	case !in.EndsAt.After(in.StartsAt):
		fe = append(fe, FieldError{"ends_at", "must be after starts_at"})
	case !in.EndsAt.After(now):
		fe = append(fe, FieldError{"ends_at", "must be in the future"})
	case in.EndsAt.Sub(in.StartsAt) > MaxMaintenance:
		fe = append(fe, FieldError{"ends_at", "a window lasts at most 30 days"})
	}
	if len(fe) > 0 {
		return in, &Error{Code: EInvalid, Message: "invalid maintenance window", Fields: fe}
	}
	return in, nil
}

// MaintenanceService schedules maintenance windows.
type MaintenanceService interface {
	// CreateMaintenance schedules a window. EInvalid for bad input.
	CreateMaintenance(ctx context.Context, in MaintenanceInput) (*MaintenanceWindow, error)
	// ListMaintenance returns windows that have not ended, soonest first.
	ListMaintenance(ctx context.Context) ([]*MaintenanceWindow, error)
	// DeleteMaintenance cancels a window. ENotFound for no such window.
	DeleteMaintenance(ctx context.Context, id string) error
}
