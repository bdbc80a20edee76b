package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
)

// SubscriberStore is what customer email needs of the database.
type SubscriberStore interface {
	// Subscriber returns a subscription, nil when it is gone.
	Subscriber(ctx context.Context, id string) (*fireline.Subscriber, error)
	// Confirmed returns up to limit confirmed subscriptions after the id
	// after, in id order.
	Confirmed(ctx context.Context, after string, limit int) ([]*fireline.Subscriber, error)
}

// Customers sends customer email (fireline.SubscriberService's side):
// the confirmation a new subscriber asked for, and each public update of
// a P1/P2 to the subscribers of its components, in paced batches, each
// email with a one-click unsubscribe link. It shares the engine's policy,
// store, channels, link key and public URL.
type Customers struct {
	*Engine
	Subscribers SubscriberStore
	// PageName names the status page in subjects.
	PageName string
}

// Register installs the customer email handlers on the runner.
func (c *Customers) Register(r *jobs.Runner) {
	r.Handle(fireline.JobSubscriberConfirm, c.confirm)
	r.Handle(fireline.JobCustomerFanout, c.fanout)
	r.Handle(fireline.JobCustomerEmail, c.email)
}

func (c *Customers) send(ctx context.Context, msg *notify.Message, to string) error {
	ch := c.Channels[fireline.MethodEmail]
	if ch == nil {
		return jobs.Permanent(fmt.Errorf("customer email needs the SMTP relay (--smtp-host)"))
	}
	if err := ch.Send(ctx, msg, fireline.ContactMethod{Type: fireline.MethodEmail, To: to}); err != nil {
		if ok, _ := notify.Retryable(err); !ok {
			return jobs.Permanent(err)
		}
		return err
	}
	return nil
}

// confirm sends the link that confirms a subscription.
func (c *Customers) confirm(ctx context.Context, j *jobs.Job) error {
	var a fireline.SubscriberJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	sub, err := c.Subscribers.Subscriber(ctx, a.Subscriber)
	if err != nil || sub == nil || sub.ConfirmedAt != nil {
		return err
	}
	now := c.Now()
	link := c.BaseURL + "/status/subscribe/" + c.Links.Sign(fireline.LinkSubscribe, sub.ID, now.Add(fireline.ConfirmWithin).Truncate(time.Second))
	msg := &notify.Message{Type: notify.TypeSubscribe, At: now.UTC(), ID: c.messageID("subscribe", sub.ID, j.Key),
		Headline: "Confirm your subscription to " + c.PageName,
		Body: "Someone, we hope you, asked for email about incidents on " + c.PageName + " (" + followed(c.Policy, sub) + ").\n\n" +
			"Confirm within 48 hours: " + link + "\n\nIf it was not you, ignore this email: nothing will be sent."}
	return c.send(ctx, msg, sub.Email)
}

func followed(p *fireline.Policy, sub *fireline.Subscriber) string {
	if len(sub.Components) == 0 {
		return "every component"
	}
	var names []string
	for _, id := range sub.Components {
		if s, ok := p.Service(id); ok {
			names = append(names, s.Name)
		}
	}
	return strings.Join(names, ", ")
}

// fanout queues the update's email to the next batch of confirmed
// subscribers who follow its components, then waits CustomerBatchEvery
// before the next batch: a durable, paced walk over the subscribers in
// id order, resumed from its cursor after a crash.
func (c *Customers) fanout(ctx context.Context, j *jobs.Job) error {
	var a fireline.FanoutJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	inc, err := c.Store.Incident(ctx, a.Incident)
	if err != nil {
		return err
	}
	u, ok := inc.Comms.Update(a.Update)
	if !ok || inc.Restricted || u.State != fireline.UpdatePublished {
		return nil
	}
	subs, err := c.Subscribers.Confirmed(ctx, a.After, c.Policy.CustomerBatchSize())
	if err != nil {
		return err
	}
	services := c.Policy.CustomerServices(inc, u)
	if len(subs) < c.Policy.CustomerBatchSize() {
		// The last batch: queued with the count on the timeline, so that
		// the incident says how many customers were told.
		return c.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, _ *fireline.Incident) error {
			work := customerEmails(a, subs, services, tx.Now())
			if err := tx.Enqueue(ctx, work...); err != nil {
				return err
			}
			if err := tx.Record(ctx, fireline.Change{Type: fireline.EventUpdateEmailed,
				Data: &fireline.UpdateEmailedData{Number: a.Update, Recipients: a.Sent + len(work)}}); err != nil {
				return err
			}
			return tx.Complete(ctx, j)
		})
	}
	return c.Store.JobTx(ctx, func(tx JobTx) error {
		work := customerEmails(a, subs, services, tx.Now())
		if err := tx.Enqueue(ctx, work...); err != nil {
			return err
		}
		a.After, a.Sent = subs[len(subs)-1].ID, a.Sent+len(work)
		return tx.Reschedule(ctx, j, tx.Now().Add(fireline.CustomerBatchEvery), "", a, true)
	})
}

// customerEmails are the jobs that send the update to the subscribers
// of a batch who follow its services.
func customerEmails(a fireline.FanoutJob, subs []*fireline.Subscriber, services []string, now time.Time) []fireline.Job {
	var work []fireline.Job
	for _, s := range subs {
		if s.Follows(services) {
			work = append(work, fireline.Job{Kind: fireline.JobCustomerEmail, Group: "customers", RunAt: now, MaxAttempts: 8,
				Key:  fmt.Sprintf("customer:%d:%d:%s", a.Incident, a.Update, s.ID),
				Args: fireline.CustomerEmailJob{Incident: a.Incident, Update: a.Update, Subscriber: s.ID}})
		}
	}
	return work
}

// email sends one public update to one subscriber: the update's name,
// status, text and components, a link to the public incident page and
// the one-click unsubscribe link; nothing else of the incident.
func (c *Customers) email(ctx context.Context, j *jobs.Job) error {
	var a fireline.CustomerEmailJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	sub, err := c.Subscribers.Subscriber(ctx, a.Subscriber)
	if err != nil || sub == nil || sub.ConfirmedAt == nil {
		return err // unsubscribed meanwhile: nothing to send
	}
	inc, err := c.Store.Incident(ctx, a.Incident)
	if err != nil {
		return err
	}
	u, ok := inc.Comms.Update(a.Update)
	if !ok || inc.Restricted || u.State != fireline.UpdatePublished {
		return nil
	}
	now := c.Now()
	id := fireline.PublicID(c.Links.Key, "incident", fmt.Sprint(inc.Number))
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n%s\n", u.Name, statusWord(u.Status), u.Text)
	for _, ci := range u.Components {
		if s, ok := c.Policy.Service(ci.Service); ok {
			fmt.Fprintf(&b, "\n%s: %s", s.Name, strings.ReplaceAll(string(ci.State), "_", " "))
		}
	}
	fmt.Fprintf(&b, "\n\nFollow it: %s/status/incidents/%s\n", c.BaseURL, id)
	msg := &notify.Message{Type: notify.TypeCustomer, At: now.UTC(), ID: c.messageID("customer", a.Incident, a.Update, sub.ID),
		InReplyTo: c.threadOf(inc, a.Update, sub.ID),
		Headline:  "[" + c.PageName + "] " + u.Name + ": " + statusWord(u.Status), Body: b.String(),
		Unsubscribe: c.BaseURL + "/status/unsubscribe/" + c.Links.Sign(fireline.LinkUnsubscribe, sub.ID, now.Add(fireline.UnsubscribeFor).Truncate(time.Second))}
	return c.send(ctx, msg, sub.Email)
}

// threadOf is the Message-ID an update's email follows, so that mail
// clients thread an incident's updates: the incident's first published
// update to the same subscriber; none for that first one.
func (c *Customers) threadOf(inc *fireline.Incident, update int, sub string) string {
	for _, u := range inc.Comms.Updates {
		if u.State == fireline.UpdatePublished {
			if u.Number == update {
				return ""
			}
			return c.messageID("customer", inc.Number, u.Number, sub)
		}
	}
	return ""
}

func statusWord(s fireline.PublicStatus) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}
