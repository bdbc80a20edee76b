package engine

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/invite"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
)

// reviewClock records the review clock's marks that have come (at risk,
// overdue), each telling the review's owner, unless the review was
// approved meanwhile; then waits for the next mark or is done.
func (e *Engine) reviewClock(ctx context.Context, j *jobs.Job) error {
	var a fireline.ReviewClockJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, inc *fireline.Incident) error {
		now := tx.Now()
		for len(a.Marks) > 0 && !a.Marks[0].At.After(now) {
			c, work, ok := e.Policy.MarkReview(inc, inc.EventCount+1, a.Marks[0], now)
			if !ok {
				return tx.Complete(ctx, j)
			}
			if err := tx.Record(ctx, c); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, work...); err != nil {
				return err
			}
			a.Marks = a.Marks[1:]
		}
		if len(a.Marks) == 0 {
			return tx.Complete(ctx, j)
		}
		return tx.Reschedule(ctx, j, a.Marks[0].At, "", a, true)
	})
}

// actionItem runs an action item's marks that have come: reminders before
// its deadline, the overdue notice, the escalations after it (the
// policy's MarkItem), until the item is done or its deadline moves.
func (e *Engine) actionItem(ctx context.Context, j *jobs.Job) error {
	var a fireline.ActionItemJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, inc *fireline.Incident) error {
		now := tx.Now()
		for len(a.Marks) > 0 && !a.Marks[0].At.After(now) {
			overrides, err := tx.Overrides(ctx, now, now.Add(time.Microsecond))
			if err != nil {
				return err
			}
			c, work, ok := e.Policy.MarkItem(inc, a, a.Marks[0], inc.EventCount+1, now, overrides)
			if !ok {
				return tx.Complete(ctx, j)
			}
			if err := tx.Record(ctx, c); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, work...); err != nil {
				return err
			}
			a.Marks = a.Marks[1:]
		}
		if len(a.Marks) == 0 {
			return tx.Complete(ctx, j)
		}
		return tx.Reschedule(ctx, j, a.Marks[0].At, "", a, true)
	})
}

// renderReview writes a message about the review or an action item: what
// it is about (the step), the review's link, and for an invitation the
// meeting's iCalendar request. A restricted incident's title reaches only
// its members.
func (e *Engine) renderReview(a fireline.DeliveryJob, inc *fireline.Incident, m fireline.ContactMethod) *notify.Message {
	msg := &notify.Message{Type: notify.TypeReview, At: e.Now().UTC(), Step: a.StepName,
		ID: e.messageID(a.Incident, a.Epoch, a.Step, a.Recipient.Key(), a.Method)}
	msg.Incident, msg.Severity, msg.Status = inc.ID, string(inc.Severity), string(inc.Status)
	msg.Services, msg.Since = inc.Services, inc.DeclaredAt
	if !inc.Restricted || inc.HasMember(a.Recipient.Person) {
		msg.Title = inc.Title
	}
	msg.URL = e.BaseURL + "/incidents/" + inc.ID + "/review"
	switch {
	case a.Cancel != nil && m.Type == fireline.MethodEmail:
		msg.Calendar, msg.CalendarMethod = invite.Cancel(e.cancelRequest(inc, msg, a)), "CANCEL" // review_cancel.go
	case a.Invite && inc.Review != nil && inc.Review.Meeting != nil && m.Type == fireline.MethodEmail:
		msg.Calendar = invite.Build(e.inviteRequest(inc, msg))
	}
	return msg
}

func (e *Engine) inviteRequest(inc *fireline.Incident, msg *notify.Message) invite.Request {
	r := invite.Request{Incident: inc.ID, Title: msg.Title, Link: msg.URL, Meeting: *inc.Review.Meeting, Stamp: msg.At}
	if r.Title == "" {
		r.Title = "(restricted)"
	}
	r.Organizer = e.organizer(inc, inc.Review.Meeting.ScheduledBy)
	for _, id := range inc.Review.Participants {
		r.Attendees = append(r.Attendees, e.person(id))
	}
	return r
}

// organizer is the meeting's organizer: the review's owner, else whoever
// scheduled it.
func (e *Engine) organizer(inc *fireline.Incident, scheduledBy string) fireline.Person {
	if inc.Review.Owner == "" {
		return e.person(scheduledBy)
	}
	return e.person(inc.Review.Owner)
}

// person is a person of the directory, or one named by id alone.
func (e *Engine) person(id string) fireline.Person {
	if p, ok := e.Policy.Person(id); ok {
		return *p
	}
	return fireline.Person{ID: id, Name: id}
}
