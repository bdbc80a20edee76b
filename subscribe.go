package fireline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Customer email (the guide's "Email Communication: send to affected
// customers for P1/P2 incidents"): people subscribe on the public page to
// some or all public components, confirm by a signed link (double
// opt-in), and then get each public update of a P1 or P2 incident that
// affects what they chose, with a one-click unsubscribe (RFC 8058). The
// fan-out is a durable job that sends in rate-limited batches.

// Job kinds of customer email.
const (
	// JobSubscriberConfirm sends a new subscriber the link that confirms.
	JobSubscriberConfirm = "comms.subscriber.confirm"
	// JobCustomerFanout sends a published update to the subscribers of
	// its components, a batch at a time.
	JobCustomerFanout = "comms.customers"
	// JobCustomerEmail sends one update to one subscriber.
	JobCustomerEmail = "comms.customer.email"
)

// Link purposes of customer email.
const (
	LinkSubscribe   = "subscribe"
	LinkUnsubscribe = "unsubscribe"
)

// Fan-out pacing: CustomerBatch emails a batch, one batch every
// CustomerBatchEvery (50 a second), so that a relay's limits hold.
const (
	CustomerBatch      = 50
	CustomerBatchEvery = time.Second
	// ConfirmWithin is how long a confirmation link works.
	ConfirmWithin = 48 * time.Hour
	// UnsubscribeFor is how long an unsubscribe link works: as long as a
	// mail may be kept.
	UnsubscribeFor = 10 * 365 * 24 * time.Hour
	// MaxSubscriberEmail caps an address.
	MaxSubscriberEmail = 254
)

// Subscriber is a customer who asked for email about public components.
type Subscriber struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	// Components are the public services they follow; empty: all.
	Components  []string   `json:"components"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
}

// Follows reports whether the subscriber follows any of services.
func (s *Subscriber) Follows(services []string) bool {
	if len(s.Components) == 0 {
		return true
	}
	return slices.ContainsFunc(services, func(svc string) bool { return slices.Contains(s.Components, svc) })
}

// SubscribeInput is a subscription request from the public page.
type SubscribeInput struct {
	Email      string   `json:"email"`
	Components []string `json:"components,omitempty"`
}

// Validate returns a normalised copy (the bare address, lower-cased
// domain, components known and public, each once) or an EInvalid error.
func (in SubscribeInput) Validate(p *Policy) (SubscribeInput, error) {
	var fe []FieldError
	addr, err := mail.ParseAddress(strings.TrimSpace(in.Email))
	if err != nil || len(addr.Address) > MaxSubscriberEmail || addr.Name != "" {
		fe = append(fe, FieldError{"email", "want an email address such as ana@example.com"})
	} else {
		local, domain, _ := strings.Cut(addr.Address, "@")
		in.Email = local + "@" + strings.ToLower(domain)
	}
	var comps []string
	for _, c := range in.Components {
		if s, ok := p.Service(c); !ok || !s.Public {
			fe = append(fe, FieldError{"components", "no public component " + quote(c)})
		} else if !slices.Contains(comps, c) {
			comps = append(comps, c)
		}
	}
	in.Components = comps
	if len(fe) > 0 {
		return in, &Error{Code: EInvalid, Message: "invalid subscription", Fields: fe}
	}
	return in, nil
}

// SubscriberService keeps customer subscriptions. It needs no actor: the
// public page calls it; its links are signed.
type SubscriberService interface {
	// Subscribe records a pending subscription (or refreshes one for the
	// same address) and queues the confirmation email. EInvalid for bad
	// input. It answers the same whether the address was known or not.
	Subscribe(ctx context.Context, in SubscribeInput) error
	// ConfirmSubscriber confirms a subscription. ENotFound when there is
	// none.
	ConfirmSubscriber(ctx context.Context, id string) (*Subscriber, error)
	// Unsubscribe removes a subscription; removing one that is gone is
	// not an error.
	Unsubscribe(ctx context.Context, id string) error
}

// SubscriberJob is the confirmation email's arguments.
type SubscriberJob struct {
	Subscriber string `json:"subscriber"`
}

// FanoutJob is a fan-out's arguments: the update, and the last
// subscriber id already sent to.
type FanoutJob struct {
	Incident int64  `json:"incident"`
	Update   int    `json:"update"`
	After    string `json:"after,omitempty"`
	Sent     int    `json:"sent,omitempty"`
}

// CustomerEmailJob is one update to one subscriber.
type CustomerEmailJob struct {
	Incident   int64  `json:"incident"`
	Update     int    `json:"update"`
	Subscriber string `json:"subscriber"`
}

// customerFanout is the fan-out a published update asks for: updates of
// P1 and P2 incidents (the guide's customer email), never of a restricted
// one (it has none).
func (p *Policy) customerFanout(inc *Incident, c Change, now time.Time) []Job {
	d, ok := c.Data.(*UpdatePublishedData)
	if !ok || inc.Restricted || (inc.Severity != P1 && inc.Severity != P2) {
		return nil
	}
	// A group of its own: resolving the incident (which cancels its
	// group) must not stop the fan-out of its last update.
	return []Job{{Kind: JobCustomerFanout, Group: "customers", RunAt: now, MaxAttempts: 100,
		Key:  fmt.Sprintf("customers:%d:%d", inc.Number, d.Number),
		Args: FanoutJob{Incident: inc.Number, Update: d.Number}}}
}

// PublicID is a Statuspage-style id (12 characters of a-z0-9) of a thing
// of a kind, keyed by a server secret: stable, and no incident number
// shows through.
func PublicID(key []byte, kind, v string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("status:" + kind + ":" + v))
	sum := m.Sum(nil)
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 12)
	for i := range out {
		out[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(out)
}

// CustomerServices are the public services an update is about: those it
// names, and the incident's public services.
func (p *Policy) CustomerServices(inc *Incident, u PublicUpdate) []string {
	out := p.PublicServicesOf(inc.Services)
	for _, c := range u.Components {
		if !slices.Contains(out, c.Service) {
			out = append(out, c.Service)
		}
	}
	return out
}
