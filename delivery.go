package fireline

import (
	"cmp"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"time"
)

// Settings that delivery problems name as their fix (docs/adr/0022).
const (
	SMTPHostSetting         = "--smtp-host (FIRELINE_SMTP_HOST)"
	DefaultWebhookSecretEnv = "FIRELINE_WEBHOOK_SECRET"
)

// A test page tries each contact method for at most TestSendTimeout, and
// all of them within TestPageTimeout, so that its request is answered well
// within the server's minute-long write timeout.
const (
	TestSendTimeout = 15 * time.Second
	TestPageTimeout = 45 * time.Second
)

// DeliverySetup is what a server can deliver pages with, as far as a
// readiness check needs to know: which channels it has, the SMTP relay,
// whether webhook signing secrets are set, and whether the outbound guard
// lets a host through. The engine fills it from the server's configuration
// (reading the environment, resolving names); the checks here only ask it.
// A nil *DeliverySetup can deliver every known method type.
type DeliverySetup struct {
	// Channels are the method types the server has a channel for; email
	// only with an SMTP relay (--smtp-host).
	Channels []ContactMethodType
	// SMTPRelay is the relay's host, for the outbound check; optional.
	SMTPRelay string
	// WebhookSecret says what is wrong with the signing secret in the
	// environment variable a method names ("" for the default); nil when
	// it is usable. Optional.
	WebhookSecret func(env string) error
	// Outbound says whether the outbound guard refuses host (a name or an
	// address): nil when a connection may be made. Optional.
	Outbound func(host string) *OutboundRefusal
	// Env reads the server's environment, for the variables the policy
	// names (the tracker's token). Optional: nil checks none.
	Env func(name string) string
}

// OutboundRefusal says the outbound guard refuses a host: the address it
// is or resolves to, and the blocked range that holds it.
type OutboundRefusal struct {
	Host  string
	Addr  netip.Addr
	Range BlockedRange
}

// DeliveryProblem is why a server cannot deliver by a contact method, and
// the change (a setting, usually) that fixes it.
type DeliveryProblem struct {
	Reason string
	Fix    string
}

// MethodProblems says why the server cannot deliver by m (every reason,
// so that one round of fixes does), or nothing when it can. An unknown
// method type is a problem whatever the setup.
func (d *DeliverySetup) MethodProblems(m ContactMethod) []DeliveryProblem {
	switch m.Type {
	case MethodEmail:
		return d.emailProblems()
	case MethodWebhook:
		return d.webhookProblems(m)
	case MethodSlack:
		if !d.has(MethodSlack) {
			return []DeliveryProblem{{Reason: "sends by Slack, which is not connected", Fix: "set FIRELINE_SLACK_BOT_TOKEN and FIRELINE_SLACK_SIGNING_SECRET"}}
		}
		return nil
	}
	return []DeliveryProblem{{Reason: fmt.Sprintf("has unknown type %q", m.Type),
		Fix: "use type email, webhook or slack in the policy's contact_methods"}}
}

func (d *DeliverySetup) has(t ContactMethodType) bool {
	return d == nil || slices.Contains(d.Channels, t)
}

// emailProblems: email needs an SMTP relay the guard lets through.
func (d *DeliverySetup) emailProblems() []DeliveryProblem {
	if !d.has(MethodEmail) {
		return []DeliveryProblem{{Reason: "cannot be sent: no SMTP relay is configured", Fix: "set " + SMTPHostSetting}}
	}
	if pr := d.relayProblem(); pr != nil {
		return []DeliveryProblem{*pr}
	}
	return nil
}

// relayProblem says the outbound guard refuses the SMTP relay.
func (d *DeliverySetup) relayProblem() *DeliveryProblem {
	if d == nil || d.SMTPRelay == "" || d.Outbound == nil {
		return nil
	}
	if r := d.Outbound(d.SMTPRelay); r != nil {
		return &DeliveryProblem{Reason: "cannot be sent: the SMTP relay is refused by the outbound guard (" + r.describe() + ")",
			Fix: r.Range.Fix()}
	}
	return nil
}

// webhookProblems: a webhook needs a channel, a valid URL, a usable
// signing secret and a host the outbound guard lets through.
func (d *DeliverySetup) webhookProblems(m ContactMethod) []DeliveryProblem {
	if !d.has(MethodWebhook) {
		return []DeliveryProblem{{Reason: "cannot be sent: this server has no webhook channel"}}
	}
	u, err := url.Parse(m.URL)
	if err != nil || u.Hostname() == "" {
		return []DeliveryProblem{{Reason: "has no valid URL", Fix: "give an absolute http or https url in the policy"}}
	}
	if d == nil {
		return nil
	}
	var out []DeliveryProblem
	if d.WebhookSecret != nil {
		if err := d.WebhookSecret(m.SecretEnv); err != nil {
			out = append(out, DeliveryProblem{Reason: "cannot be signed: " + err.Error(),
				Fix: "set " + secretEnv(m) + " in the server's environment to the receiver's whsec_ signing secret"})
		}
	}
	if d.Outbound != nil {
		if r := d.Outbound(u.Hostname()); r != nil {
			out = append(out, DeliveryProblem{Reason: "is blocked by the outbound guard (" + r.describe() + ")", Fix: r.Range.Fix()})
		}
	}
	return out
}

// describe reads "10.0.0.5 is a private address" or "mail.internal is
// 127.0.0.1, a loopback address".
func (r *OutboundRefusal) describe() string {
	if r.Host == r.Addr.String() {
		return r.Host + " is a " + r.Range.Kind + " address"
	}
	return r.Host + " is " + r.Addr.String() + ", a " + r.Range.Kind + " address"
}

// secretEnv is the variable holding a webhook method's signing secret.
func secretEnv(m ContactMethod) string {
	if m.SecretEnv != "" {
		return m.SecretEnv
	}
	return DefaultWebhookSecretEnv
}

// Address is where the method delivers: the email address or the URL
// (whichever is set, for a type Fireline does not know).
func (m ContactMethod) Address() string {
	switch m.Type {
	case MethodWebhook:
		return m.URL
	case MethodEmail:
		return m.To
	}
	return cmp.Or(m.URL, m.To)
}

// TestResult is the outcome of a test page on one of a person's contact
// methods.
type TestResult struct {
	// Method is the method's place in the person's list, from 1.
	Method    int               `json:"method"`
	Type      ContactMethodType `json:"type"`
	Address   string            `json:"address"`
	MessageID string            `json:"message_id"`
	Delivered bool              `json:"delivered"`
	Error     string            `json:"error,omitempty"`
	// Fix is the change that makes the method work, when its failure is
	// the server's configuration.
	Fix string `json:"fix,omitempty"`
}
