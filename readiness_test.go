package fireline_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
)

// guardOf refuses the literal addresses the guard refuses by default,
// except those in allow, as the engine's resolver-backed check does.
func guardOf(allow ...string) func(string) *fireline.OutboundRefusal {
	return func(host string) *fireline.OutboundRefusal {
		a, err := netip.ParseAddr(host)
		if host == "mail.internal" {
			a, err = netip.MustParseAddr("127.0.0.1"), nil
		}
		if err != nil {
			return nil
		}
		for _, p := range allow {
			if netip.MustParsePrefix(p).Contains(a) {
				return nil
			}
		}
		if r, blocked := fireline.Blocked(a); blocked {
			return &fireline.OutboundRefusal{Host: host, Addr: a, Range: r}
		}
		return nil
	}
}

// secrets says which signing-secret variables are set.
func secrets(set ...string) func(string) error {
	return func(env string) error {
		if env == "" {
			env = fireline.DefaultWebhookSecretEnv
		}
		for _, s := range set {
			if s == env {
				return nil
			}
		}
		return errors.New("the webhook signing secret " + env + " is not set")
	}
}

var bothChannels = []fireline.ContactMethodType{fireline.MethodEmail, fireline.MethodWebhook}

// TestCheckDelivery: every contact method the server cannot deliver by is
// a config problem naming the person, the method and the setting that
// fixes it; one that it can deliver by is not.
func TestCheckDelivery(t *testing.T) {
	webhook := func(url, env string) fireline.ContactMethod {
		return fireline.ContactMethod{Type: fireline.MethodWebhook, URL: url, SecretEnv: env}
	}
	tests := []struct {
		name     string
		methods  []fireline.ContactMethod // alex's; nil keeps the default (an email)
		setup    *fireline.DeliverySetup
		want     []string // config messages about alex, in order
		fix      string   // the first one's Fix
		methodOf []int    // each one's method; 1, 2, ... when nil
	}{
		{name: "nil setup delivers every known type", setup: nil},
		{name: "email without SMTP", setup: &fireline.DeliverySetup{Channels: []fireline.ContactMethodType{fireline.MethodWebhook}},
			want: []string{"alex's contact method 1 (email alex@berrys.ai, as no contact_methods are listed) cannot be sent: no SMTP relay is configured: set --smtp-host (FIRELINE_SMTP_HOST)"},
			fix:  "set --smtp-host (FIRELINE_SMTP_HOST)"},
		{name: "listed email without SMTP", methods: []fireline.ContactMethod{{Type: fireline.MethodEmail, To: "pager@berrys.ai"}},
			setup: &fireline.DeliverySetup{},
			want:  []string{"alex's contact method 1 (email pager@berrys.ai) cannot be sent: no SMTP relay is configured: set --smtp-host (FIRELINE_SMTP_HOST)"}},
		{name: "webhook without its secret", methods: []fireline.ContactMethod{webhook("https://hooks.example.com/a", "")},
			setup: &fireline.DeliverySetup{Channels: bothChannels, WebhookSecret: secrets()},
			want:  []string{"alex's contact method 1 (webhook https://hooks.example.com/a) cannot be signed: the webhook signing secret FIRELINE_WEBHOOK_SECRET is not set: set FIRELINE_WEBHOOK_SECRET in the server's environment to the receiver's whsec_ signing secret"},
			fix:   "set FIRELINE_WEBHOOK_SECRET in the server's environment to the receiver's whsec_ signing secret"},
		{name: "webhook naming its own secret", methods: []fireline.ContactMethod{webhook("https://hooks.example.com/a", "ALEX_HOOK_SECRET")},
			setup: &fireline.DeliverySetup{Channels: bothChannels, WebhookSecret: secrets(fireline.DefaultWebhookSecretEnv)},
			want:  []string{"alex's contact method 1 (webhook https://hooks.example.com/a) cannot be signed: the webhook signing secret ALEX_HOOK_SECRET is not set: set ALEX_HOOK_SECRET in the server's environment to the receiver's whsec_ signing secret"}},
		{name: "webhook with its secret set", methods: []fireline.ContactMethod{webhook("https://hooks.example.com/a", "ALEX_HOOK_SECRET")},
			setup: &fireline.DeliverySetup{Channels: bothChannels, WebhookSecret: secrets("ALEX_HOOK_SECRET"), Outbound: guardOf()}},
		{name: "webhook to a private address", methods: []fireline.ContactMethod{webhook("https://10.0.0.5/page", "")},
			setup: &fireline.DeliverySetup{Channels: bothChannels, WebhookSecret: secrets(fireline.DefaultWebhookSecretEnv), Outbound: guardOf()},
			want:  []string{"alex's contact method 1 (webhook https://10.0.0.5/page) is blocked by the outbound guard (10.0.0.5 is a private address): add 10.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)"},
			fix:   "add 10.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)"},
		{name: "every problem of one method", methods: []fireline.ContactMethod{webhook("http://127.0.0.1:9000/p/alex", "")},
			setup: &fireline.DeliverySetup{Channels: bothChannels, WebhookSecret: secrets(), Outbound: guardOf()},
			want: []string{"alex's contact method 1 (webhook http://127.0.0.1:9000/p/alex) cannot be signed: the webhook signing secret FIRELINE_WEBHOOK_SECRET is not set: set FIRELINE_WEBHOOK_SECRET in the server's environment to the receiver's whsec_ signing secret",
				"alex's contact method 1 (webhook http://127.0.0.1:9000/p/alex) is blocked by the outbound guard (127.0.0.1 is a loopback address): add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)"},
			methodOf: []int{1, 1}},
		{name: "webhook to an allowed private address", methods: []fireline.ContactMethod{webhook("https://10.0.0.5/page", "")},
			setup: &fireline.DeliverySetup{Channels: bothChannels, WebhookSecret: secrets(fireline.DefaultWebhookSecretEnv), Outbound: guardOf("10.0.0.0/8")}},
		{name: "webhook to IPv6 loopback", methods: []fireline.ContactMethod{webhook("http://[::1]:9000/p", "")},
			setup: &fireline.DeliverySetup{Channels: bothChannels, WebhookSecret: secrets(fireline.DefaultWebhookSecretEnv), Outbound: guardOf()},
			want:  []string{"alex's contact method 1 (webhook http://[::1]:9000/p) is blocked by the outbound guard (::1 is a loopback address): add ::1/128 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)"}},
		{name: "every problem of a list, by place", methods: []fireline.ContactMethod{webhook("https://169.254.1.1/x", ""), {Type: fireline.MethodEmail}},
			setup: &fireline.DeliverySetup{Channels: []fireline.ContactMethodType{fireline.MethodWebhook}, WebhookSecret: secrets(fireline.DefaultWebhookSecretEnv), Outbound: guardOf()},
			want: []string{"alex's contact method 1 (webhook https://169.254.1.1/x) is blocked by the outbound guard (169.254.1.1 is a link-local address): add 169.254.0.0/16 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)",
				"alex's contact method 2 (email alex@berrys.ai) cannot be sent: no SMTP relay is configured: set --smtp-host (FIRELINE_SMTP_HOST)"}},
		{name: "unknown type, whatever the setup", methods: []fireline.ContactMethod{{Type: "sms", To: "+15550100"}}, setup: nil,
			want: []string{`alex's contact method 1 (sms +15550100) has unknown type "sms": use type email, webhook or slack in the policy's contact_methods`}},
		{name: "a type that differs only in case is unknown", methods: []fireline.ContactMethod{{Type: "Webhook", URL: "https://hooks.example.com/a"}},
			setup: &fireline.DeliverySetup{Channels: append(bothChannels, "Webhook")},
			want:  []string{`alex's contact method 1 (Webhook https://hooks.example.com/a) has unknown type "Webhook": use type email, webhook or slack in the policy's contact_methods`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy.Default()
			alex, _ := p.Person("alex")
			alex.ContactMethods = tt.methods
			var got []fireline.ReadinessProblem
			for _, pr := range p.CheckDelivery(tt.setup) {
				if pr.Kind != "config" {
					t.Errorf("kind %q", pr.Kind)
				}
				if pr.Person == "alex" {
					got = append(got, pr)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %q", got, tt.want)
			}
			for i, pr := range got {
				method := i + 1
				if tt.methodOf != nil {
					method = tt.methodOf[i]
				}
				if pr.Message != tt.want[i] || pr.Method != method {
					t.Errorf("problem %d: method %d %q\nwant method %d %q", i, pr.Method, pr.Message, method, tt.want[i])
				}
			}
			if tt.fix != "" && got[0].Fix != tt.fix {
				t.Errorf("fix %q, want %q", got[0].Fix, tt.fix)
			}
		})
	}
}

// TestCheckDeliveryContactsAndRelay: team contacts are emailed, so they
// need SMTP too; an SMTP relay the guard refuses is one problem, not one
// per email method.
func TestCheckDeliveryContactsAndRelay(t *testing.T) {
	p := policy.Default()
	noSMTP := p.CheckDelivery(&fireline.DeliverySetup{Channels: []fireline.ContactMethodType{fireline.MethodWebhook}})
	var contacts []string
	for _, pr := range noSMTP {
		if pr.Contact != "" {
			contacts = append(contacts, pr.Contact)
			if !strings.HasSuffix(pr.Message, "cannot be sent: no SMTP relay is configured: set --smtp-host (FIRELINE_SMTP_HOST)") {
				t.Errorf("contact problem: %q", pr.Message)
			}
		}
	}
	if len(contacts) != len(p.Contacts) {
		t.Errorf("contacts reported %v, want all %d", contacts, len(p.Contacts))
	}
	refused := p.CheckDelivery(&fireline.DeliverySetup{Channels: bothChannels, SMTPRelay: "mail.internal", Outbound: guardOf()})
	want := "email pages cannot be sent: the SMTP relay is refused by the outbound guard (mail.internal is 127.0.0.1, a loopback address): add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)"
	if len(refused) != 1 || refused[0].Message != want || refused[0].Fix != "add 127.0.0.0/8 to --allow-outbound (FIRELINE_ALLOW_OUTBOUND)" {
		t.Fatalf("refused relay: %+v\nwant one: %q", refused, want)
	}
	if got := p.CheckDelivery(&fireline.DeliverySetup{Channels: bothChannels, SMTPRelay: "mail.internal", Outbound: guardOf("127.0.0.0/8")}); len(got) != 0 {
		t.Fatalf("allowed relay: %+v", got)
	}
}

// TestReadinessUndeliverableMethods: someone on call whose every contact
// method the server cannot deliver by cannot be reached, and readiness
// says so after the config problems that explain why.
func TestReadinessUndeliverableMethods(t *testing.T) {
	p := policy.Default()
	from := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	to := from.Add(7 * 24 * time.Hour)
	kinds := func(problems []fireline.ReadinessProblem) map[string][]string {
		out := map[string][]string{}
		for _, pr := range problems {
			out[pr.Kind] = append(out[pr.Kind], pr.Person+pr.Contact)
		}
		return out
	}
	if got := p.Readiness(from, to, nil, nil); len(got) != 0 {
		t.Fatalf("with every channel usable: %+v", got)
	}
	full := &fireline.DeliverySetup{Channels: bothChannels, WebhookSecret: secrets(fireline.DefaultWebhookSecretEnv), Outbound: guardOf()}
	if got := p.Readiness(from, to, nil, full); len(got) != 0 {
		t.Fatalf("with email and webhooks configured: %+v", got)
	}
	onlyWebhook := &fireline.DeliverySetup{Channels: []fireline.ContactMethodType{fireline.MethodWebhook}}
	problems := p.Readiness(from, to, nil, onlyWebhook)
	got := kinds(problems)
	if len(got["unreachable"]) == 0 || len(got["config"]) < len(p.People) {
		t.Fatalf("with email unconfigured: %v", got)
	}
	if problems[0].Kind != "config" {
		t.Errorf("config problems come first: %+v", problems[0])
	}
	for _, pr := range problems {
		if pr.Kind == "unreachable" && !strings.Contains(pr.Message, "cannot deliver") {
			t.Errorf("message does not say why: %q", pr.Message)
		}
	}

	// A webhook that works makes alex reachable though email does not.
	alex, _ := p.Person("alex")
	alex.ContactMethods = []fireline.ContactMethod{{Type: fireline.MethodEmail}, {Type: fireline.MethodWebhook, URL: "https://hooks.example.com/alex"}}
	for _, pr := range p.Readiness(from, to, nil, onlyWebhook) {
		if pr.Kind == "unreachable" && pr.Person == "alex" {
			t.Errorf("alex has a working webhook: %+v", pr)
		}
	}
}
