package main

import (
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// mailsOf returns the mails of a type (X-Fireline-Type) to an address,
// their bodies decoded.
func (p *pagingServer) mailsOf(typ, to string) []firelinetest.Mail {
	var out []firelinetest.Mail
	for _, m := range p.smtp.Mail() {
		if m.Header.Get("X-Fireline-Type") == typ && strings.Join(m.To, ",") == to {
			b, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Body)))
			m.Body = string(b)
			out = append(out, m)
		}
	}
	return out
}

var linkRE = regexp.MustCompile(`https?://\S+/status/(?:un)?subscribe/\S+`)

// subscribe posts the public page's form and confirms by the emailed link.
func (p *pagingServer) subscribe(t *testing.T, email string, confirm bool, components ...string) {
	t.Helper()
	form := url.Values{"email": {email}, "component": components}
	resp, err := http.PostForm(p.URL()+"/status/subscribe", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Check your inbox") {
		t.Fatalf("subscribe %s: %d %s", email, resp.StatusCode, body)
	}
	if !confirm {
		return
	}
	p.advance(t, 0)
	mails := p.mailsOf("status.subscribe", email)
	if len(mails) == 0 {
		t.Fatalf("no confirmation mail to %s", email)
	}
	link := linkRE.FindString(mails[len(mails)-1].Body)
	if code, _, b := p.request(t, "GET", strings.TrimPrefix(link, p.URL()), "", ""); code != 200 || !strings.Contains(string(b), `id="link-action"`) {
		t.Fatalf("confirmation page: %d %s", code, b)
	}
	if code, _, b := p.request(t, "POST", strings.TrimPrefix(link, p.URL()), "", ""); code != 200 || !strings.Contains(string(b), "Subscribed") {
		t.Fatalf("confirming: %d %s", code, b)
	}
}

// TestCustomerEmail: double opt-in (nothing before the emailed link is
// followed), a P1/P2's published updates to the subscribers of its
// components with RFC 8058 one-click unsubscribe headers, paced batches
// of 50 a second, nothing for a P3, nothing internal in the mail, and an
// unsubscribe by the one-click POST a mail client sends.
func TestCustomerEmail(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startCommsServer(t, dsn, businessHours)
		casey, jordan := p.newToken(t, "responder", "casey"), p.newToken(t, "responder", "jordan")
		if code, _, b := p.request(t, "POST", "/status/subscribe", "", ""); code != 400 {
			t.Fatalf("an empty subscription: %d %s", code, b)
		}
		p.subscribe(t, "ana@example.com", true, "api-gateway")
		p.subscribe(t, "bob@example.com", false, "api-gateway") // never confirms
		p.subscribe(t, "carol@example.com", true, "agent-orchestrator")
		for i := range 58 { // all components: with ana, 59 who get API Gateway news
			p.subscribe(t, fmt.Sprintf("sub%02d@example.com", i), true)
		}
		p.subscribe(t, "ana@example.com", false, "web-dashboard") // a confirmed address is not changed by the form

		id := p.declare(t, casey, fireline.P2)
		p.mustCLI(t, casey, "incident", "note", id, canaryNote)
		p.mustCLI(t, casey, "incident", "assign", id, "--role", "communications_liaison", "--person", "jordan")
		p.mustCLI(t, jordan, "incident", "public-update", id, "--status", "identified", "--name", "Elevated API errors",
			"--component", "api-gateway=partial_outage", "--text", "We found the cause and are rolling back.")
		if n := len(p.mailsOf("status.update", "ana@example.com")); n != 0 {
			t.Fatal("a draft was emailed")
		}
		p.mustCLI(t, jordan, "incident", "approve-update", id, "1")
		p.advance(t, 0)
		count := func() int {
			n := 0
			for _, m := range p.smtp.Mail() {
				if m.Header.Get("X-Fireline-Type") == "status.update" {
					n++
				}
			}
			return n
		}
		if n := count(); n == 0 || n > fireline.CustomerBatch {
			t.Fatalf("first batch: %d emails, want at most %d", n, fireline.CustomerBatch)
		}
		p.advance(t, fireline.CustomerBatchEvery)
		if n := count(); n != 59 {
			t.Fatalf("after the second batch: %d emails, want 59 (ana and the 58 following everything)", n)
		}
		if len(p.mailsOf("status.update", "bob@example.com")) != 0 || len(p.mailsOf("status.update", "carol@example.com")) != 0 {
			t.Error("an unconfirmed subscriber or one of another component got the update")
		}
		mail := p.mailsOf("status.update", "ana@example.com")
		if len(mail) != 1 {
			t.Fatalf("ana got %d updates", len(mail))
		}
		m := mail[0]
		unsub := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
		if m.Subject != "[Berrys.ai Status] Elevated API errors: Identified" || !strings.Contains(unsub, "/status/unsubscribe/") ||
			m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.Contains(m.Body, "We found the cause") ||
			!strings.Contains(m.Body, "API Gateway: partial outage") {
			t.Fatalf("customer email: %s\n%v\n%s", m.Subject, m.Header, m.Body)
		}
		for _, bad := range []string{"CANARY", "INC-", "casey", "jordan", "X-Fireline-Incident"} {
			if strings.Contains(m.Body+m.Subject, bad) || m.Header.Get(bad) != "" {
				t.Errorf("the customer email carries %q", bad)
			}
		}
		// One click, as a mail client sends it (RFC 8058).
		resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("one-click unsubscribe: %v %v", err, resp)
		}
		resp.Body.Close()
		p.mustCLI(t, jordan, "incident", "public-update", id, "--status", "monitoring", "--text", "Error rates are normal again.")
		p.mustCLI(t, jordan, "incident", "approve-update", id, "2")
		p.advance(t, 3*time.Second)
		if len(p.mailsOf("status.update", "ana@example.com")) != 1 || len(p.mailsOf("status.update", "sub00@example.com")) != 2 {
			t.Errorf("after ana unsubscribed: ana %d, sub00 %d", len(p.mailsOf("status.update", "ana@example.com")), len(p.mailsOf("status.update", "sub00@example.com")))
		}
		// A P3's updates are on the page, not in inboxes.
		before := count()
		p3 := p.declare(t, casey, fireline.P3)
		p.mustCLI(t, casey, "incident", "public-update", p3, "--status", "investigating")
		p.advance(t, 3*time.Second)
		if count() != before {
			t.Error("a P3's update was emailed")
		}
		if code, _, _ := p.request(t, "POST", "/status/unsubscribe/forged", "", ""); code != 404 {
			t.Errorf("a forged unsubscribe link: %d", code)
		}
	})
}
