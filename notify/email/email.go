// Package email delivers pages over SMTP with go-mail: plain-text messages
// whose Message-ID is the message's stable id, so a repeat after a crash
// is recognisably the same mail.
//
// It imports notify and the fireline domain; connections go through the
// notify guard.
package email

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/notify"
)

// TLS policies of Config.TLS.
const (
	TLSMandatory     = "mandatory"     // STARTTLS required
	TLSOpportunistic = "opportunistic" // STARTTLS when offered
	TLSNone          = "none"          // plain text (a local relay)
	TLSImplicit      = "implicit"      // TLS from the first byte (port 465)
)

// Config is the SMTP relay.
type Config struct {
	Host     string
	Port     int
	TLS      string
	Username string
	Password string
	From     string
	// Dial connects to the relay; the notify guard's DialContext.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Host == "":
		return errors.New("smtp: host is required")
	case c.Port <= 0 || c.Port > 65535:
		return errors.New("smtp: port must be 1 to 65535")
	case c.From == "":
		return errors.New("smtp: from address is required")
	}
	switch c.TLS {
	case TLSMandatory, TLSOpportunistic, TLSNone, TLSImplicit:
	default:
		return fmt.Errorf("smtp: unknown TLS policy %q: want mandatory, opportunistic, none or implicit", c.TLS)
	}
	return nil
}

// Sender sends pages by email.
type Sender struct {
	Config Config
	// Guard is the guard Config.Dial goes through, for readiness checks;
	// optional.
	Guard *notify.Guard
}

var (
	_ notify.Channel = (*Sender)(nil)
	_ notify.Relayer = (*Sender)(nil)
	_ notify.Guarded = (*Sender)(nil)
)

// Relay implements notify.Relayer: the SMTP relay's host.
func (s *Sender) Relay() string { return s.Config.Host }

// OutboundGuard implements notify.Guarded.
func (s *Sender) OutboundGuard() *notify.Guard { return s.Guard }

// Send implements notify.Channel.
func (s *Sender) Send(ctx context.Context, m *notify.Message, method fireline.ContactMethod) error {
	msg := mail.NewMsg()
	if err := msg.From(s.Config.From); err != nil {
		return &notify.Error{Err: err}
	}
	if err := msg.To(method.To); err != nil {
		return &notify.Error{Err: err}
	}
	msg.Subject(m.Subject())
	msg.SetMessageIDWithValue(m.ID + "@fireline")
	if m.Unsubscribe != "" { // RFC 8058 one-click unsubscribe (RFC 2369 header)
		msg.SetGenHeader(mail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeader(mail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	if m.InReplyTo != "" { // a stakeholder's resolution notice threads under the initial one
		msg.SetGenHeader(mail.HeaderInReplyTo, "<"+m.InReplyTo+"@fireline>")
		msg.SetGenHeader(mail.HeaderReferences, "<"+m.InReplyTo+"@fireline>")
	}
	msg.SetDateWithValue(m.At)
	if m.Incident != "" { // customers' mail names no incident
		msg.SetGenHeader("X-Fireline-Incident", m.Incident)
	}
	msg.SetGenHeader("X-Fireline-Type", m.Type) // a page, a notification or a test
	msg.SetBodyString(mail.TypeTextPlain, m.Text())
	if m.Calendar != "" {
		// An invitation: calendars read the text/calendar alternative.
		method := "REQUEST"
		if m.CalendarMethod != "" {
			method = m.CalendarMethod
		}
		msg.AddAlternativeString(mail.ContentType("text/calendar; method="+method), m.Calendar)
	}
	c, err := s.client()
	if err != nil {
		return &notify.Error{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err)
	}
	return nil
}

func (s *Sender) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(s.Config.Port), mail.WithTimeout(20 * time.Second)}
	switch s.Config.TLS {
	case TLSMandatory:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	}
	if s.Config.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.Config.Username), mail.WithPassword(s.Config.Password))
	}
	if s.Config.Dial != nil {
		opts = append(opts, mail.WithDialContextFunc(s.Config.Dial))
	}
	return mail.NewClient(s.Config.Host, opts...)
}

// classify says whether an SMTP failure is worth retrying: permanent (5xx)
// replies are not; temporary (4xx) replies and connection failures are.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &notify.Error{Err: err}
	}
	return &notify.Error{Err: err, Retryable: true}
}
