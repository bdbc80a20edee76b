// Package invite writes the post-incident review meeting's invitation as
// an iCalendar request (RFC 5545 and iTIP, RFC 5546: METHOD:REQUEST, an
// ORGANIZER, ATTENDEEs asked to RSVP, a UID stable per review and a
// SEQUENCE bumped each time it is rescheduled), and its cancellation
// (cancel.go: METHOD:CANCEL), with golang-ical.
//
// It imports the fireline domain and golang-ical; the engine attaches its
// text to the invitation email (notify/email).
package invite

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/fireline-dev/fireline"
)

// Request is the invitation of one review meeting.
type Request struct {
	// Incident is the incident reviewed: its id and title.
	Incident, Title string
	// Link is the review document's URL.
	Link    string
	Meeting fireline.ReviewMeeting
	// Organizer is the review's owner; Attendees the participants.
	Organizer fireline.Person
	Attendees []fireline.Person
	// Stamp is when the invitation was made (DTSTAMP).
	Stamp time.Time
}

// UID is the invitation's UID: the same for every version of one
// review's meeting, so that calendars update it rather than add another,
// and told apart between installations by the server's host.
func UID(incident, link string) string {
	host := "fireline"
	if u, err := url.Parse(link); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "review-" + strings.ToLower(incident) + "@" + host
}

// Build writes the request as iCalendar text.
func Build(r Request) string {
	return build(r, ics.MethodRequest, ics.ObjectStatusConfirmed)
}

// build writes the meeting as a message of method (REQUEST or CANCEL)
// with status (CONFIRMED or CANCELLED).
func build(r Request, method ics.Method, status ics.ObjectStatus) string {
	cal := ics.NewCalendarFor("Fireline")
	cal.SetMethod(method)
	ev := cal.AddEvent(UID(r.Incident, r.Link))
	ev.SetDtStampTime(r.Stamp.UTC())
	ev.SetSequence(r.Meeting.Sequence)
	ev.SetStartAt(r.Meeting.Start.UTC())
	ev.SetEndAt(r.Meeting.End.UTC())
	ev.SetSummary(fmt.Sprintf("Post-incident review: %s %s", r.Incident, r.Title))
	ev.SetDescription(fmt.Sprintf("Review of %s (%s). The review document: %s\nFocus on learning, not blame.", r.Incident, r.Title, r.Link))
	ev.SetURL(r.Link)
	ev.SetLocation(r.Link)
	ev.SetStatus(status)
	ev.SetOrganizer("mailto:"+r.Organizer.Email, ics.WithCN(r.Organizer.Name))
	if method == ics.MethodCancel {
		ev.SetSummary(fmt.Sprintf("Cancelled: post-incident review: %s %s", r.Incident, r.Title))
		for _, a := range r.Attendees {
			ev.AddAttendee("mailto:"+a.Email, ics.WithCN(a.Name), ics.CalendarUserTypeIndividual, ics.ParticipationRoleReqParticipant)
		}
		return cal.Serialize()
	}
	for _, a := range r.Attendees {
		ev.AddAttendee("mailto:"+a.Email, ics.WithCN(a.Name), ics.CalendarUserTypeIndividual,
			ics.ParticipationRoleReqParticipant, ics.ParticipationStatusNeedsAction, &ics.KeyValues{Key: string(ics.ParameterRsvp), Value: []string{"TRUE"}})
	}
	return cal.Serialize()
}
