package engine

import (
	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/invite"
	"github.com/fireline-dev/fireline/notify"
)

// cancelRequest is a meeting's cancellation for one person, as the job
// carries it (the meeting as cancelled, whatever it became since): the
// review's UID, the cancellation's sequence, the person as the attendee
// it is cancelled for.
func (e *Engine) cancelRequest(inc *fireline.Incident, msg *notify.Message, a fireline.DeliveryJob) invite.Request {
	r := invite.Request{Incident: inc.ID, Title: msg.Title, Link: msg.URL, Meeting: *a.Cancel, Stamp: msg.At}
	if r.Title == "" {
		r.Title = "(restricted)"
	}
	r.Organizer = e.organizer(inc, a.Cancel.ScheduledBy)
	r.Attendees = []fireline.Person{e.person(a.Recipient.Person)}
	return r
}
