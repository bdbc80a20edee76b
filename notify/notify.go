// Package notify holds the contract of outbound channels (a Channel turns a
// rendered Message into a delivery and says whether a failure is worth
// retrying), the rendering of pages, Retry-After parsing, and the guarded
// dialer that every request to a user-configured URL goes through.
//
// It imports the fireline domain and the standard library; the channels
// live in notify/email and notify/webhook.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// Message is a rendered page. ID is stable across retries of one delivery
// (the webhook-id, the email's Message-ID), so receivers can drop repeats.
type Message struct {
	ID   string `json:"id"`
	Type string `json:"type"` // incident.page, incident.notification or incident.test
	// Incident is the incident's id; Title is empty when the recipient may
	// not see a restricted incident's details.
	Incident  string    `json:"incident"`
	Title     string    `json:"title,omitempty"`
	Severity  string    `json:"severity,omitempty"`
	Status    string    `json:"status,omitempty"`
	Services  []string  `json:"services,omitempty"`
	Since     time.Time `json:"since"`
	Step      string    `json:"step,omitempty"`
	URL       string    `json:"url,omitempty"`
	AckURL    string    `json:"ack_url,omitempty"`
	AckExpiry time.Time `json:"ack_expires_at,omitzero"`
	// At is when the message was made (the event time).
	At time.Time `json:"timestamp"`
	// Calendar is an iCalendar request sent with the message (a review
	// meeting's invitation; email only).
	Calendar string `json:"-"`
	// CalendarMethod is the iTIP method of Calendar: REQUEST when empty,
	// CANCEL for a cancellation.
	CalendarMethod string `json:"-"`
	// Notice is a stakeholder notice's kind (initial or resolution), with
	// the incident's impact and ETA as far as the recipient may see them;
	// InReplyTo is the id of the message it follows (the initial notice),
	// which email threads it under.
	Notice    string     `json:"notice,omitempty"`
	Stage     string     `json:"stage,omitempty"`
	Impact    string     `json:"impact,omitempty"`
	ETA       *time.Time `json:"eta,omitempty"`
	InReplyTo string     `json:"in_reply_to,omitempty"`
	// Headline and Body are a customer email's subject and text (a
	// subscription to confirm, a public update); Unsubscribe its
	// one-click unsubscribe link (RFC 8058).
	Headline    string `json:"headline,omitempty"`
	Body        string `json:"body,omitempty"`
	Unsubscribe string `json:"unsubscribe_url,omitempty"`
}

// Subject is the one-line summary of the page.
func (m *Message) Subject() string {
	if m.Type == TypeTest {
		return "[Fireline] Test page"
	}
	if m.Type == TypeReview {
		return fmt.Sprintf("[%s] %s: %s", m.Severity, m.Incident, m.Step)
	}
	if m.Type == TypeCustomer || m.Type == TypeSubscribe || m.Type == TypeGuideReview {
		return m.Headline
	}
	what := m.Title
	if what == "" {
		what = "restricted incident (open the link for details)"
	}
	switch {
	case m.Type == TypeStakeholder:
		return fmt.Sprintf("[%s] %s %s: %s", m.Severity, m.Incident, noticeVerb(m), what)
	case m.Type == TypeNotify:
		return fmt.Sprintf("[%s] %s (%s): %s", m.Severity, m.Incident, m.Status, what)
	}
	return fmt.Sprintf("[%s] %s: %s", m.Severity, m.Incident, what)
}

// Text is the page's plain-text body: what, how bad, since when, which
// service, and how to acknowledge.
func (m *Message) Text() string {
	var b strings.Builder
	if m.Type == TypeCustomer || m.Type == TypeSubscribe || m.Type == TypeGuideReview {
		b.WriteString(m.Body)
		if m.Unsubscribe != "" {
			fmt.Fprintf(&b, "\n\nUnsubscribe: %s\n", m.Unsubscribe)
		}
		return b.String()
	}
	if m.Type == TypeTest {
		fmt.Fprintf(&b, "This is a test page from Fireline, sent at %s. No incident is open.\n", m.At.UTC().Format(time.RFC1123))
		return b.String()
	}
	fmt.Fprintf(&b, "%s\n\n", m.Subject())
	if m.Type == TypeReview {
		if m.Title != "" {
			fmt.Fprintf(&b, "Incident: %s %s\n", m.Incident, m.Title)
		}
		fmt.Fprintf(&b, "Review:   %s\n", m.URL)
		return b.String()
	}
	if m.Type == TypeStakeholder {
		m.noticeText(&b)
		return b.String()
	}
	fmt.Fprintf(&b, "Severity: %s\nStatus:   %s\nSince:    %s\n", m.Severity, m.Status, m.Since.UTC().Format(time.RFC1123))
	if len(m.Services) > 0 {
		fmt.Fprintf(&b, "Service:  %s\n", strings.Join(m.Services, ", "))
	}
	if m.Step != "" && m.Type == TypeNotify {
		fmt.Fprintf(&b, "Told as:  %s\n", m.Step)
	} else if m.Step != "" {
		fmt.Fprintf(&b, "Paged as: %s\n", m.Step)
	}
	if m.URL != "" {
		fmt.Fprintf(&b, "\nIncident: %s\n", m.URL)
	}
	if m.AckURL != "" {
		fmt.Fprintf(&b, "Acknowledge (no login needed, until %s): %s\n", m.AckExpiry.UTC().Format(time.RFC1123), m.AckURL)
	}
	return b.String()
}

// Message types: a page wakes its recipient and asks for an
// acknowledgement; a notification tells them (the incident is already
// acknowledged, a role was given to them, a clock is at risk).
const (
	TypePage   = "incident.page"
	TypeNotify = "incident.notification"
	TypeTest   = "incident.test"
	// TypeReview tells about a post-incident review or an action item:
	// an invitation, a reminder, a deadline at risk or passed.
	TypeReview = "incident.review"
	// TypeStakeholder is a stakeholder notice: the initial notification
	// of a P1/P2 and its resolution notification.
	TypeStakeholder = "incident.stakeholder_notice"
	// TypeCustomer is a public update emailed to a subscriber;
	// TypeSubscribe asks a new subscriber to confirm.
	TypeCustomer  = "status.update"
	TypeSubscribe = "status.subscribe"
	// TypeGuideReview reminds the guide's review owner that its review
	// is due, or overdue: a headline and a body, like customer email.
	TypeGuideReview = "guide.review"
)

// noticeText is a stakeholder notice's body: the incident's summary,
// impact, status and ETA.
func (m *Message) noticeText(b *strings.Builder) {
	switch m.Notice {
	case "resolution":
		fmt.Fprintf(b, "%s has been resolved.\n\n", m.Incident)
	case "initial", "":
		fmt.Fprintf(b, "A %s incident, %s, was declared at %s.\n\n", m.Severity, m.Incident, m.Since.UTC().Format(time.RFC1123))
	default:
		fmt.Fprintf(b, "%s %s.\n\n", m.Incident, noticeVerb(m))
	}
	if m.Title != "" {
		fmt.Fprintf(b, "Summary:  %s\n", m.Title)
	}
	if m.Impact != "" {
		fmt.Fprintf(b, "Impact:   %s\n", m.Impact)
	}
	if len(m.Services) > 0 {
		fmt.Fprintf(b, "Services: %s\n", strings.Join(m.Services, ", "))
	}
	fmt.Fprintf(b, "Severity: %s\nStatus:   %s\n", m.Severity, m.Status)
	if m.Stage != "" {
		fmt.Fprintf(b, "Stage:    %s\n", strings.ReplaceAll(m.Stage, "_", " "))
	}
	if m.ETA != nil && m.Notice != "resolution" {
		fmt.Fprintf(b, "ETA:      %s\n", m.ETA.UTC().Format(time.RFC1123))
	}
	if m.URL != "" {
		fmt.Fprintf(b, "\nIncident: %s\n", m.URL)
	}
}

// noticeVerb says what a stakeholder notice tells of its incident.
func noticeVerb(m *Message) string {
	switch m.Notice {
	case "resolution":
		return "resolved"
	case "severity":
		return "is now " + m.Severity
	case "stage":
		if m.Stage == "" {
			return "moved to another stage"
		}
		return "moved to " + strings.ReplaceAll(m.Stage, "_", " ")
	case "eta":
		if m.ETA == nil {
			return "has a new estimated resolution time"
		}
		return "is expected to be resolved by " + m.ETA.UTC().Format("Mon 2 Jan 15:04 MST")
	}
	return "declared"
}

// Channel delivers a message by one contact method.
type Channel interface {
	// Send delivers m to the method's address. A failure is an *Error
	// saying whether to retry and not before when; other errors are
	// retried.
	Send(ctx context.Context, m *Message, method fireline.ContactMethod) error
}

// Optional capabilities of a Channel, asked by readiness checks
// (engine/readiness.go) so that a server's configuration problem shows
// before a page fails; a channel without them is taken to work.
type (
	// SecretChecker says what is wrong with the signing secret a method
	// names (its secret_env, "" for the server's default); nil when usable.
	SecretChecker interface {
		CheckSecret(env string) error
	}
	// Relayer names the host the channel hands every message to (the SMTP
	// relay).
	Relayer interface {
		Relay() string
	}
	// Guarded channels connect through an outbound guard.
	Guarded interface {
		OutboundGuard() *Guard
	}
)

// ChannelFunc adapts a function to Channel.
type ChannelFunc func(ctx context.Context, m *Message, method fireline.ContactMethod) error

// Send implements Channel.
func (f ChannelFunc) Send(ctx context.Context, m *Message, method fireline.ContactMethod) error {
	return f(ctx, m, method)
}

// Error is a delivery failure with its retry advice.
type Error struct {
	Err        error
	Retryable  bool
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether err is worth retrying and not before when.
func Retryable(err error) (bool, time.Duration) {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable, e.RetryAfter
	}
	return true, 0
}

// HTTPError classifies an HTTP answer per Standard Webhooks: 2xx is
// success (nil); 429, 502, 503 and 504 are throttling, retried not before
// Retry-After; other 5xx are retried; 3xx (never followed) and 4xx,
// including 410, are permanent.
func HTTPError(resp *http.Response, now time.Time) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err := fmt.Errorf("HTTP %d", resp.StatusCode)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusBadGateway ||
		resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout:
		return &Error{Err: err, Retryable: true, RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), now)}
	case resp.StatusCode >= 500:
		return &Error{Err: err, Retryable: true}
	}
	return &Error{Err: err}
}

// MaxRetryAfter caps how long a Retry-After may hold a page back.
const MaxRetryAfter = time.Hour

// ParseRetryAfter reads a Retry-After header in either form (seconds or an
// HTTP date, RFC 9110) as a wait from now; 0 when absent or unreadable,
// at most MaxRetryAfter.
func ParseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		d = time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}
