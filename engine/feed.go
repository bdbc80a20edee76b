package engine

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
)

// Feeds implements fireline.FeedService: calendar feed URLs are signed
// links (purpose "feed", no expiry) naming a schedule or a person, so
// nothing per feed is stored (docs/adr/0024-calendar-feeds.md) but the
// audit log's entry of who was given one, when Audit is set.
type Feeds struct {
	*Engine
	Audit AuditRecorder
}

// AuditRecorder appends an act to the audit log in a transaction of its
// own, for acts that store nothing else. sqlstore.AuditService provides
// it.
type AuditRecorder interface {
	RecordAudit(ctx context.Context, r fireline.AuditRecord) error
}

var _ fireline.FeedService = Feeds{}

// FeedURL implements fireline.FeedService.
func (f Feeds) FeedURL(ctx context.Context, r fireline.FeedRef) (string, error) {
	if err := r.Validate(f.Policy); err != nil {
		return "", err
	}
	if f.Audit != nil {
		// The link never expires: who was given one is worth knowing.
		rec := fireline.AuditRecord{Action: fireline.AuditFeedURLIssued, Subject: "feed:" + r.Subject()}
		if err := f.Audit.RecordAudit(ctx, rec); err != nil {
			return "", err
		}
	}
	return f.BaseURL + "/feeds/" + f.Links.Sign(fireline.LinkFeed, r.Subject(), time.Time{}) + ".ics", nil
}

// Feed implements fireline.FeedService: the shifts from a week ago (whole
// UTC days, so that refreshes within a day keep their events) to 90 days
// ahead, overrides applied.
func (f Feeds) Feed(ctx context.Context, token string) (*fireline.ShiftFeed, error) {
	now := f.Now()
	subject, _, err := f.Links.Verify(fireline.LinkFeed, token, now)
	if err != nil {
		return nil, err
	}
	ref, ok := fireline.ParseFeedSubject(subject)
	if !ok {
		return nil, fireline.Errorf(fireline.ENotFound, "this link is not valid or has expired")
	}
	from := now.UTC().Truncate(24 * time.Hour).Add(-fireline.FeedPast)
	to := from.Add(fireline.FeedPast + fireline.FeedAhead)
	overrides, err := f.Store.Overrides(ctx, from, to)
	if err != nil {
		return nil, err
	}
	feed, err := f.Policy.FeedShifts(ref, from, to, overrides)
	if fireline.ErrorCode(err) == fireline.EInvalid {
		// The schedule or person left the policy since the link was made.
		return nil, fireline.Errorf(fireline.ENotFound, "this feed's %s no longer exists", ref.Kind)
	}
	return feed, err
}
