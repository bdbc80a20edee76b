package fireline

import (
	"context"
	"strings"
	"time"
)

// Calendar feeds: a schedule's or a person's upcoming shifts, served as
// iCalendar (RFC 5545) at a secret URL calendar apps subscribe to
// (docs/adr/0024-calendar-feeds.md).

// FeedKind says whose shifts a feed holds.
type FeedKind string

// Feed kinds.
const (
	FeedSchedule FeedKind = "schedule"
	FeedPerson   FeedKind = "person"
)

// Feed horizon: a feed holds shifts from FeedPast ago to FeedAhead ahead.
const (
	FeedPast  = 7 * 24 * time.Hour
	FeedAhead = 90 * 24 * time.Hour
)

// FeedRef names a feed: a schedule's (every role's shifts and gaps) or a
// person's (their shifts on every schedule).
type FeedRef struct {
	Kind FeedKind `json:"kind"`
	ID   string   `json:"id"`
}

// Subject is the feed's subject in a signed link.
func (r FeedRef) Subject() string { return string(r.Kind) + ":" + r.ID }

// ParseFeedSubject reads a signed link's subject back.
func ParseFeedSubject(s string) (FeedRef, bool) {
	k, id, ok := strings.Cut(s, ":")
	r := FeedRef{Kind: FeedKind(k), ID: id}
	return r, ok && (r.Kind == FeedSchedule || r.Kind == FeedPerson) && id != ""
}

// Validate checks that the feed's schedule or person exists. EInvalid
// otherwise.
func (r FeedRef) Validate(p *Policy) error {
	switch r.Kind {
	case FeedSchedule:
		if _, ok := p.Schedule(r.ID); ok {
			return nil
		}
		return &Error{Code: EInvalid, Message: "invalid feed", Fields: []FieldError{{"schedule", "unknown schedule " + quote(r.ID)}}}
	case FeedPerson:
		if _, ok := p.Person(r.ID); ok {
			return nil
		}
		return &Error{Code: EInvalid, Message: "invalid feed", Fields: []FieldError{{"person", "no person " + quote(r.ID) + " in the policy's directory"}}}
	}
	return &Error{Code: EInvalid, Message: "invalid feed", Fields: []FieldError{{"schedule", "give a schedule or a person"}}}
}

// ShiftFeed is a feed's content: its title and shifts, in start order.
type ShiftFeed struct {
	Ref    FeedRef
	Title  string
	From   time.Time
	To     time.Time
	Shifts []Shift
}

// FeedShifts returns the feed's shifts between from and to, overrides
// applied: a schedule's primary and secondary shifts, gaps included; a
// person's shifts on every schedule.
func (p *Policy) FeedShifts(r FeedRef, from, to time.Time, overrides []Override) (*ShiftFeed, error) {
	if err := r.Validate(p); err != nil {
		return nil, err
	}
	f := &ShiftFeed{Ref: r, From: from.UTC(), To: to.UTC(), Shifts: []Shift{}}
	for i := range p.Schedules {
		s := &p.Schedules[i]
		if r.Kind == FeedSchedule && s.ID != r.ID {
			continue
		}
		if r.Kind == FeedSchedule {
			f.Title = "On call: " + s.Name
		}
		for _, role := range []OnCallRole{OnCallPrimary, OnCallSecondary} {
			for _, sh := range s.Shifts(role, from, to, p.Calendar, overrides) {
				if r.Kind == FeedPerson && sh.Person != r.ID {
					continue
				}
				f.Shifts = append(f.Shifts, sh)
			}
		}
	}
	if r.Kind == FeedPerson {
		per, _ := p.Person(r.ID)
		f.Title = "On call: " + per.Name
	}
	sortShifts(f.Shifts)
	return f, nil
}

func sortShifts(s []Shift) {
	// Insertion sort keeps equal starts in role order; feeds are small.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Start.Before(s[j-1].Start); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// FeedService serves calendar feeds.
type FeedService interface {
	// FeedURL returns the secret URL of a feed. EInvalid for an unknown
	// schedule or person.
	FeedURL(ctx context.Context, r FeedRef) (string, error)
	// Feed returns the shifts of the feed a signed token names, around
	// now. ENotFound for a bad or forged token.
	Feed(ctx context.Context, token string) (*ShiftFeed, error)
}
