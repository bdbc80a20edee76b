package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
)

// deliver sends one page and records the attempt on the incident's
// timeline in the transaction that finishes or reschedules the job. A page
// whose incident was resolved (or acknowledged, for a page asking for
// that) since it was planned is not sent.
func (e *Engine) deliver(ctx context.Context, j *jobs.Job) error {
	var a fireline.DeliveryJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	// A delivery started from the commit that enqueued it carries the
	// incident as that commit left it: no read (three round trips on
	// PostgreSQL) between the alert and its page. A retry, or a job
	// rescued from another runner, reads it.
	inc, ok := j.Local.(*fireline.Incident)
	if !ok || inc.Number != a.Incident || j.Attempts != 1 {
		var err error
		if inc, err = e.Store.Incident(ctx, a.Incident); err != nil {
			return err
		}
	}
	if a.Stale(inc) {
		return nil // the runner finishes the job, nothing is sent
	}
	methods := e.methodsFor(a)
	if a.Method >= len(methods) {
		return e.record(ctx, j, a, inc, nil, fmt.Errorf("%s has no working contact method", a.Recipient), true)
	}
	m := methods[a.Method]
	msg := e.render(a, inc, m)
	ch := e.Channels[m.Type]
	var sendErr error
	if ch == nil {
		sendErr = &notify.Error{Err: fmt.Errorf("no %s channel is configured", m.Type)}
	} else {
		sendErr = ch.Send(ctx, msg, m)
	}
	return e.record(ctx, j, a, inc, msg, sendErr, false)
}

// methodsFor returns the contact methods a delivery tries in order: an
// invitation goes by email to the person's address (a calendar needs
// the mail), everything else by the recipient's methods.
func (e *Engine) methodsFor(a fireline.DeliveryJob) []fireline.ContactMethod {
	if !a.Invite {
		return e.methods(a.Recipient)
	}
	if p, ok := e.Policy.Person(a.Recipient.Person); ok && p.Email != "" {
		return []fireline.ContactMethod{{Type: fireline.MethodEmail, To: p.Email}}
	}
	return nil
}

// methods returns the recipient's contact methods in order.
func (e *Engine) methods(r fireline.Recipient) []fireline.ContactMethod {
	if r.Person != "" {
		if p, ok := e.Policy.Person(r.Person); ok {
			return p.Methods()
		}
		return nil
	}
	if c, ok := e.Policy.Contact(r.Contact); ok && c.Email != "" {
		return []fireline.ContactMethod{{Type: fireline.MethodEmail, To: c.Email}}
	}
	return nil
}

// render writes the page. A restricted incident's title reaches only its
// members (the people paged became members when their step ran); everyone
// else gets the id and a link. The link opens the console's incident page;
// the acknowledge link is there while nobody has acknowledged.
func (e *Engine) render(a fireline.DeliveryJob, inc *fireline.Incident, m fireline.ContactMethod) *notify.Message {
	if a.Review {
		return e.renderReview(a, inc, m) // review.go
	}
	now := e.Now()
	msg := &notify.Message{Type: notify.TypePage, At: now.UTC(), Step: a.StepName,
		ID: e.messageID(a.Incident, a.Epoch, a.Step, a.Recipient.Key(), a.Method)}
	if a.Notify {
		msg.Type = notify.TypeNotify
	}
	msg.Incident, msg.Severity, msg.Status = inc.ID, string(inc.Severity), string(inc.Status)
	msg.Services, msg.Since = inc.Services, inc.DeclaredAt
	if !inc.Restricted || inc.HasMember(a.Recipient.Person) {
		msg.Title = inc.Title
	}
	msg.URL = e.BaseURL + "/incidents/" + inc.ID
	if a.Notice != "" {
		e.notice(msg, a, inc)
		return msg
	}
	if a.Recipient.Person != "" && len(e.Links.Key) > 0 && inc.AcknowledgedAt == nil {
		msg.AckExpiry = now.Add(AckLinkTTL).UTC().Truncate(time.Second)
		msg.AckURL = e.BaseURL + "/ack/" + e.Links.Sign(fireline.LinkAcknowledge, fireline.AckSubject(inc.ID, a.Recipient.Person), msg.AckExpiry)
	}
	return msg
}

// retryDecision is what follows a delivery attempt.
type retryDecision struct {
	final, gaveUp bool
	at            time.Time             // when the next attempt runs
	next          *fireline.DeliveryJob // the arguments of the next attempt, when they change
}

// decideRetry decides what follows a failed attempt: the same method
// again with backoff (honouring Retry-After) while it has attempts left
// this round; else the next method at once; else, after the last method,
// a new round over them all after a longer wait, for as long as the page
// may be retried (until its walk's next step, or the policy's retry
// time); else give up.
func (e *Engine) decideRetry(j *jobs.Job, a fireline.DeliveryJob, sendErr error, noMethod bool) retryDecision {
	now := e.Now()
	retryable, after := notify.Retryable(sendErr)
	perMethod := AttemptsPerMethod
	if a.Round > 0 {
		perMethod = 1
	}
	methods := len(e.methodsFor(a))
	switch {
	case noMethod || methods == 0:
		return retryDecision{final: true, gaveUp: true}
	case retryable && j.Attempts < perMethod:
		return retryDecision{at: now.Add(jobs.Backoff(j.Attempts, after))}
	case a.Method+1 < methods:
		a.Method++
		return retryDecision{final: true, at: now, next: &a}
	}
	// A round of every method failed: wait 1, 2, 4, then 5 minutes.
	at := now.Add(jobs.Backoff(a.Round+7, after))
	if a.Until.IsZero() || at.After(a.Until) {
		return retryDecision{final: true, gaveUp: true}
	}
	a.Method, a.Round = 0, a.Round+1
	return retryDecision{final: true, at: at, next: &a}
}

// record writes the attempt and what comes next, in one transaction that
// finishes or reschedules the job. An attempt is recorded even when the
// job was cancelled meanwhile: it happened.
func (e *Engine) record(ctx context.Context, j *jobs.Job, a fireline.DeliveryJob, inc *fireline.Incident, msg *notify.Message, sendErr error, noMethod bool) error {
	d := &fireline.PageAttemptData{Recipient: a.Recipient, Attempt: j.Attempts}
	if a.Notice != "" || a.Regulatory {
		d.What = a.StepName
	}
	if msg != nil {
		d.MessageID = msg.ID
		d.Method = e.methodsFor(a)[a.Method].Type
	}
	var next func(tx JobTx) error
	if sendErr == nil {
		e.Metrics.delivered(string(d.Method))
		next = func(tx JobTx) error { return tx.Complete(ctx, j) }
	} else {
		r := e.decideRetry(j, a, sendErr, noMethod)
		d.Error, d.Final, d.GaveUp = sendErr.Error(), r.final, r.gaveUp
		switch {
		case r.gaveUp:
			e.Metrics.failed()
			e.log().Error("page failed for good", "incident", a.Incident, "recipient", a.Recipient.String(), "err", sendErr)
			next = func(tx JobTx) error { return tx.Fail(ctx, j, sendErr.Error()) }
		case r.next != nil:
			next = func(tx JobTx) error { return tx.Reschedule(ctx, j, r.at, sendErr.Error(), *r.next, true) }
		default:
			next = func(tx JobTx) error { return tx.Reschedule(ctx, j, r.at, sendErr.Error(), nil, false) }
		}
	}
	typ := fireline.EventPageSent
	if sendErr != nil {
		typ = fireline.EventPageFailed
	}
	err := e.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, _ *fireline.Incident) error {
		if err := tx.Record(ctx, fireline.Change{Type: typ, Data: d}); err != nil {
			return err
		}
		if err := next(tx); err != nil && !errors.Is(err, jobs.ErrLeaseLost) {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return jobs.ErrFinished
}
