package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
	"github.com/fireline-dev/fireline/sqlstore"
)

// deliverArgs are a delivery job's arguments: one page to one recipient,
// on its Method-th contact method.
type deliverArgs struct {
	Incident  int64              `json:"incident,omitempty"`
	Epoch     int64              `json:"epoch,omitempty"`
	Step      int                `json:"step"`
	StepName  string             `json:"step_name,omitempty"`
	Immediate bool               `json:"immediate,omitempty"`
	Recipient fireline.Recipient `json:"recipient"`
	Method    int                `json:"method"`
	// Test pages have no incident; Nonce tells them apart.
	Test  bool   `json:"test,omitempty"`
	Nonce string `json:"nonce,omitempty"`
}

// deliver sends one page and records the attempt on the incident's
// timeline in the transaction that finishes or reschedules the job. A page
// whose incident was resolved (or acknowledged, for an escalation) since
// it was planned is not sent.
func (e *Engine) deliver(ctx context.Context, j *jobs.Job) error {
	var a deliverArgs
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	var inc *fireline.Incident
	if !a.Test {
		// A delivery started from the commit that enqueued it carries the
		// incident as that commit left it: no read (three round trips on
		// PostgreSQL) between the alert and its page. A retry, or a job
		// rescued from another runner, reads it.
		if l, ok := j.Local.(*fireline.Incident); ok && l.Number == a.Incident && j.Attempts == 1 {
			inc = l
		} else {
			var err error
			if inc, err = e.Store.Incident(ctx, a.Incident); err != nil {
				return err
			}
		}
		if !inc.Status.Open() || (!a.Immediate && inc.AcknowledgedAt != nil) {
			return nil // stale: the runner finishes the job, nothing is sent
		}
	}
	methods := e.methods(a.Recipient)
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
// members; everyone else gets the id and a link.
func (e *Engine) render(a deliverArgs, inc *fireline.Incident, m fireline.ContactMethod) *notify.Message {
	now := e.Now()
	msg := &notify.Message{Type: notify.TypePage, At: now.UTC(), Step: a.StepName,
		ID: messageID(a.Incident, a.Epoch, a.Step, a.Recipient.Key(), a.Method, a.Nonce)}
	if a.Test {
		msg.Type = notify.TypeTest
		return msg
	}
	msg.Incident, msg.Severity, msg.Status = inc.ID, string(inc.Severity), string(inc.Status)
	msg.Services, msg.Since = inc.Services, inc.DeclaredAt
	if !inc.Restricted || inc.HasMember(a.Recipient.Person) {
		msg.Title = inc.Title
	}
	msg.URL = e.BaseURL + "/api/v1/incidents/" + inc.ID
	if a.Recipient.Person != "" && len(e.Links.Key) > 0 {
		msg.AckExpiry = now.Add(AckLinkTTL).UTC().Truncate(time.Second)
		msg.AckURL = e.BaseURL + "/ack/" + e.Links.Sign(fireline.LinkAcknowledge, fireline.AckSubject(inc.ID, a.Recipient.Person), msg.AckExpiry)
	}
	return msg
}

// record writes the attempt and decides what comes next: done on success;
// on failure a retry with backoff (honouring Retry-After), a fallback to
// the next contact method after AttemptsPerMethod failures or a permanent
// one, or, on the last method, giving up. An attempt is recorded even when
// the job was cancelled meanwhile: it happened.
func (e *Engine) record(ctx context.Context, j *jobs.Job, a deliverArgs, inc *fireline.Incident, msg *notify.Message, sendErr error, noMethod bool) error {
	d := &fireline.PageAttemptData{Recipient: a.Recipient, Attempt: j.Attempts, Test: a.Test}
	if msg != nil {
		d.MessageID = msg.ID
		d.Method = e.methods(a.Recipient)[a.Method].Type
	}
	var next func(tx *sqlstore.Tx) error
	retryable, after := notify.Retryable(sendErr)
	switch {
	case sendErr == nil:
		e.Metrics.delivered(string(d.Method))
		next = func(tx *sqlstore.Tx) error { return tx.Complete(ctx, j) }
	case !noMethod && retryable && j.Attempts < AttemptsPerMethod:
		d.Error = sendErr.Error()
		at := e.Now().Add(jobs.Backoff(j.Attempts, after))
		next = func(tx *sqlstore.Tx) error { return tx.Reschedule(ctx, j, at, sendErr.Error(), nil, false) }
	case !noMethod && a.Method+1 < len(e.methods(a.Recipient)):
		d.Error, d.Final = sendErr.Error(), true
		a.Method++
		at := e.Now() // the next method at once: a Retry-After was the last endpoint's
		next = func(tx *sqlstore.Tx) error { return tx.Reschedule(ctx, j, at, sendErr.Error(), a, true) }
	default:
		d.Error, d.Final = sendErr.Error(), true
		e.Metrics.failed()
		e.log().Error("page failed for good", "incident", a.Incident, "recipient", a.Recipient.String(), "err", sendErr)
		next = func(tx *sqlstore.Tx) error { return tx.Fail(ctx, j, sendErr.Error()) }
	}
	typ := fireline.EventPageSent
	if sendErr != nil {
		typ = fireline.EventPageFailed
	}
	if a.Test {
		return e.finishTest(ctx, j, next)
	}
	err := e.Store.IncidentTx(ctx, a.Incident, func(tx *sqlstore.PageTx, _ *fireline.Incident) error {
		if err := tx.Record(ctx, fireline.Change{Type: typ, Data: d}); err != nil {
			return err
		}
		if err := next(tx.Tx); err != nil && !errors.Is(err, jobs.ErrLeaseLost) {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return jobs.ErrLeaseLost // finished above; the runner leaves the job alone
}
