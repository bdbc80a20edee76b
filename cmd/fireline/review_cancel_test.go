package main

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// sentCalendar is one iCalendar message mailed: to whom, its method (the
// part's Content-Type and the calendar's METHOD agree) and its event.
type sentCalendar struct {
	To, Method string
	Event      *ics.VEvent
}

// calendarsSent parses every review mail's iCalendar part with
// golang-ical, in the order sent.
func calendarsSent(t *testing.T, p *pagingServer) []sentCalendar {
	t.Helper()
	var out []sentCalendar
	for _, m := range p.smtp.Mail() {
		if m.Header.Get("X-Fireline-Type") != "incident.review" {
			continue
		}
		method, text := calendarOf(t, m)
		if text == "" {
			continue
		}
		cal, err := ics.ParseCalendar(strings.NewReader(text))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, text)
		}
		if !slices.ContainsFunc(cal.CalendarProperties, func(p ics.CalendarProperty) bool {
			return p.IANAToken == string(ics.PropertyMethod) && p.Value == method
		}) {
			t.Errorf("to %v: the part says method=%s, the calendar does not:\n%s", m.To, method, text)
		}
		if evs := cal.Events(); len(evs) == 1 {
			out = append(out, sentCalendar{To: strings.Join(m.To, ","), Method: method, Event: evs[0]})
		} else {
			t.Errorf("to %v: %d events", m.To, len(evs))
		}
	}
	return out
}

// calendarOf returns a mail's text/calendar part and its method.
func calendarOf(t *testing.T, m firelinetest.Mail) (method, text string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return "", ""
	}
	mr := multipart.NewReader(strings.NewReader(m.Body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", ""
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if ct != "text/calendar" {
			continue
		}
		b, _ := io.ReadAll(part)
		if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
			if b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err != nil {
				t.Fatal(err)
			}
		}
		return cp["method"], string(b)
	}
}

func (c sentCalendar) prop(p ics.ComponentProperty) string {
	if v := c.Event.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// summary words a message as METHOD to SEQUENCE STATUS DTSTART.
func (c sentCalendar) summary() string {
	return c.Method + " " + c.To + " " + c.prop(ics.ComponentPropertySequence) + " " + c.prop(ics.ComponentPropertyStatus) + " " + c.prop(ics.ComponentPropertyDtStart)
}

// TestReviewMeetingCancelled: rescheduling with --drop sends the dropped
// participant a CANCEL (RFC 5546: METHOD:CANCEL, STATUS:CANCELLED, the
// same UID, the new SEQUENCE) and the others a REQUEST with that
// SEQUENCE; `review unschedule` sends everyone a CANCEL with the next;
// scheduling again continues the sequence. Over real SMTP, parsed back
// with golang-ical, on both databases.
func TestReviewMeetingCancelled(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		_, casey := reviewedIncident(t, p)
		p.mustCLI(t, casey, "review", "schedule", "INC-1", "--at", "2026-12-08T15:00:00-05:00", "--participant", "devon")
		p.advance(t, 0)
		sent := len(calendarsSent(t, p))

		out := p.mustCLI(t, casey, "review", "schedule", "INC-1", "--at", "2026-12-08T16:00:00-05:00", "--participant", "devon", "--drop", "alex")
		if !strings.Contains(out, "with casey, devon") {
			t.Errorf("review schedule --drop printed:\n%s", out)
		}
		p.advance(t, 0)
		wantCalendars(t, calendarsSent(t, p)[sent:], []string{
			"CANCEL alex@berrys.ai 1 CANCELLED 20261208T210000Z",
			"REQUEST casey@berrys.ai 1 CONFIRMED 20261208T210000Z",
			"REQUEST devon@berrys.ai 1 CONFIRMED 20261208T210000Z",
		})
		sent = len(calendarsSent(t, p))

		out = p.mustCLI(t, casey, "review", "unschedule", "INC-1")
		if !strings.Contains(out, "meeting not scheduled") || !strings.Contains(out, "cancelled (sequence 2)") {
			t.Errorf("review unschedule printed:\n%s", out)
		}
		p.advance(t, 0)
		wantCalendars(t, calendarsSent(t, p)[sent:], []string{
			"CANCEL casey@berrys.ai 2 CANCELLED 20261208T210000Z",
			"CANCEL devon@berrys.ai 2 CANCELLED 20261208T210000Z",
		})
		if res := p.cli(t, casey, "review", "unschedule", "INC-1"); res.code == 0 || !strings.Contains(res.stderr, "not scheduled") {
			t.Errorf("unscheduling twice: exit %d, %s", res.code, res.stderr)
		}
		sent = len(calendarsSent(t, p))

		// Over the API: scheduled again, alex still left out until named.
		code, _, body := p.request(t, "POST", "/api/v1/incidents/INC-1/review/schedule", casey, `{"start":"2026-12-09T15:00:00-05:00","drop":["nobody"]}`)
		if code != 400 || !strings.Contains(string(body), "drop") {
			t.Errorf("dropping nobody: %d %s", code, body)
		}
		if code, _, body = p.request(t, "POST", "/api/v1/incidents/INC-1/review/schedule", casey, `{"start":"2026-12-09T15:00:00-05:00"}`); code != 200 {
			t.Fatalf("schedule again: %d %s", code, body)
		}
		p.advance(t, 0)
		wantCalendars(t, calendarsSent(t, p)[sent:], []string{"REQUEST casey@berrys.ai 3 CONFIRMED 20261209T200000Z"})
		for _, c := range calendarsSent(t, p) {
			if uid := c.prop(ics.ComponentPropertyUniqueId); uid != "review-inc-1@127.0.0.1" {
				t.Errorf("%s: UID %q", c.summary(), uid)
			}
		}
		var r web.ReviewView
		p.cliJSON(t, casey, &r, "review", "show", "INC-1")
		if strings.Join(r.Review.Dropped, ",") != "alex" {
			t.Errorf("dropped %v", r.Review.Dropped)
		}
		types := p.timelineTypes(t, "INC-1")
		if types[fireline.EventReviewUnscheduled] != 1 || types[fireline.EventReviewScheduled] != 3 {
			t.Errorf("timeline: %v", types)
		}
		p.mustCLI(t, adminSecret, "incident", "verify", "--stored", "INC-1")
	})
}

// wantCalendars compares messages sent, in any order, with want.
func wantCalendars(t *testing.T, got []sentCalendar, want []string) {
	t.Helper()
	var words []string
	for _, c := range got {
		words = append(words, c.summary())
		if c.Method == "CANCEL" {
			if n := len(c.Event.Attendees()); n != 1 || c.Event.Attendees()[0].Email() != c.To {
				t.Errorf("%s: a CANCEL names the attendee it cancels for, got %d attendees", c.summary(), n)
			}
		}
	}
	slices.Sort(words)
	if strings.Join(words, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent:\n%s\nwant:\n%s", strings.Join(words, "\n"), strings.Join(want, "\n"))
	}
}
