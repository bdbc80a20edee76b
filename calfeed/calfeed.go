// Package calfeed renders a schedule's or a person's on-call shifts as an
// iCalendar (RFC 5545) feed that calendar apps subscribe to: one VEVENT
// per shift (gaps too, on a schedule's feed), in UTC, with a UID stable
// across refreshes so that apps update events rather than duplicate them.
//
// It imports the fireline domain and github.com/arran4/golang-ical.
package calfeed

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/fireline-dev/fireline"
)

// ContentType is the feed's media type.
const ContentType = "text/calendar; charset=utf-8"

// Refresh is how often calendar apps are asked to fetch the feed again.
const Refresh = "PT1H"

// Render writes the feed; now is its DTSTAMP.
func Render(f *fireline.ShiftFeed, now time.Time) string {
	cal := ics.NewCalendarFor("Fireline")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(f.Title)
	cal.SetXWRCalName(f.Title)
	cal.SetDescription(description(f))
	cal.SetRefreshInterval(Refresh)
	cal.SetXPublishedTTL(Refresh)
	for _, sh := range f.Shifts {
		e := cal.AddEvent(UID(sh))
		e.SetDtStampTime(now.UTC())
		e.SetStartAt(sh.Start.UTC())
		e.SetEndAt(sh.End.UTC())
		e.SetSummary(Summary(f.Ref, sh))
		e.SetDescription(fmt.Sprintf("%s on call on schedule %s (Fireline). Overrides are included; the feed refreshes hourly.", sh.Role, sh.Schedule))
		if sh.Person == "" {
			e.SetStatus(ics.ObjectStatusTentative)
		}
	}
	return cal.Serialize()
}

// UID is a shift's stable identifier: its schedule, role, person and start.
func UID(sh fireline.Shift) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%d", sh.Schedule, sh.Role, sh.Person, sh.Start.Unix())))
	return hex.EncodeToString(h[:12]) + "@fireline"
}

// Summary is a shift's event title: whose shift it is on a schedule's
// feed, which schedule and role on a person's feed.
func Summary(r fireline.FeedRef, sh fireline.Shift) string {
	switch {
	case sh.Person == "":
		return fmt.Sprintf("GAP: no %s on call (%s)", sh.Role, sh.Schedule)
	case r.Kind == fireline.FeedPerson:
		return fmt.Sprintf("On call: %s, %s", sh.Schedule, sh.Role)
	}
	return fmt.Sprintf("%s: %s", sh.Role, sh.Person)
}

func description(f *fireline.ShiftFeed) string {
	return fmt.Sprintf("Fireline on-call shifts of %s %s, %s to %s.", f.Ref.Kind, f.Ref.ID,
		f.From.Format("2006-01-02"), f.To.Format("2006-01-02"))
}
