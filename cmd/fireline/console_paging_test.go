package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// TestConsoleUnansweredAndPaging leaves an alert's P1 and a restricted
// P1 unacknowledged until their walks end (75 minutes: paged at once,
// then 4 repeats 15 minutes apart), with the real engine on the manual
// clock, and watches the console: the respond clock turns at risk when
// the engine records it so; the dashboard's unanswered banner appears
// live, the restricted incident only for a member; the incident page
// says since when, and its timeline and clocks tell the respond clock at
// risk and breached and the repeats; its Escalate and Page again forms
// page for real (at the webhook sink) and refuse a bad choice beside the
// form; acknowledging from the page clears the banners, live on another
// person's dashboard. A viewer, on a phone, sees no forms and no
// sideways scrolling.
func TestConsoleUnansweredAndPaging(t *testing.T) {
	needChromium(t)
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		gen := p.createIntegration(t, "--type", "generic", "--service", "api-gateway")
		code, _, body := p.request(t, "POST", "/integrations/generic", gen.Key,
			`{"summary":"API gateway down","dedup_key":"gw-1","severity":"critical"}`)
		if code != http.StatusAccepted && code != http.StatusOK {
			t.Fatalf("alert: %d %s", code, body)
		}
		kai := p.newToken(t, "responder", "kai")
		p.mustCLI(t, kai, "incident", "declare", "--title", "Credential stuffing on login", "--severity", "P1",
			"--source", "security", "--service", "auth-service")
		p.advance(t, 0)

		// casey (the Engineering Lead, paged for both, so a member of the
		// restricted one) at a desk; jordan, a viewer paged for neither,
		// on a phone.
		_, caseyLink := p.newUser(t, "responder", "casey")
		casey := newBrowser(t, p.URL(), 1280, 900)
		casey.loginWithLink(caseyLink)
		casey.open("/")
		_, jordanLink := p.newUser(t, "viewer", "jordan")
		jordan := newBrowser(t, p.URL(), 390, 844)
		jordan.loginWithLink(jordanLink)
		jordan.open("/")
		for _, b := range []*browser{casey, jordan} {
			b.until(`document.body.dataset.liveOpen === "true"`)
			if b.has("#unanswered li") {
				t.Fatalf("an unanswered banner while paging goes on: %q", b.text("#unanswered"))
			}
		}

		// 10:04: the respond clock (due 10:05, the immediate window) has
		// had 75% of its time; the engine records it at risk, and the
		// dashboard's clocks say so from the same marks.
		p.advance(t, 4*time.Minute)
		casey.until(`document.querySelector("#open-incidents .clock-warn") && document.getElementById("open-incidents").innerText.includes("Respond by · at risk")`)
		p.advance(t, 71*time.Minute) // 11:15: the walks have ended
		casey.until(`document.querySelector("#unanswered-INC-1") && document.querySelector("#unanswered-INC-2")`)
		want := "INC-1 API gateway down: nobody has acknowledged; paging stopped at 11:15 after 4 repeats."
		if got := casey.text("#unanswered-INC-1"); !strings.Contains(got, want) {
			t.Errorf("dashboard banner: %q, want %q", got, want)
		}
		// The rows are redrawn by the same live update, maybe a moment
		// after the banner.
		casey.until(`document.getElementById("open-incidents").innerText.includes("Unanswered")`)
		jordan.until(`document.querySelector("#unanswered-INC-1")`)
		if jordan.has("#unanswered-INC-2") || strings.Contains(jordan.text("body"), "Credential stuffing") {
			t.Errorf("a non-member sees the restricted incident in the banner: %q", jordan.text("#unanswered"))
		}
		noSidewaysScroll(t, jordan, "the dashboard with its banner")

		// The incident page, from the banner's link.
		casey.do(chromedpClick("#unanswered-INC-1 a"))
		casey.until(`location.pathname === "/incidents/INC-1"`)
		want = "Unanswered since 11:15: nobody has acknowledged, and paging stopped after 4 repeats."
		if got := casey.text("#unanswered-banner"); !strings.Contains(got, want) {
			t.Errorf("incident banner: %q, want %q", got, want)
		}
		timeline := casey.text("#timeline")
		for _, line := range []string{
			"Respond clock at risk (due 10:05)",
			"Respond clock breached (was due 10:05)",
			"Nobody acknowledged: paging stopped after 4 repeats",
			`ran escalation step "repeat 2 of 4: the on-call and the escalation chain"`,
			"Paged " + personName(t, primary),
		} {
			if !strings.Contains(timeline, line) {
				t.Errorf("timeline lacks %q:\n%s", line, timeline)
			}
		}
		if c := casey.text("#clocks"); !strings.Contains(c, "Respond by · breached\noverdue by 1h 10m") {
			t.Errorf("the respond clock does not say breached: %q", c)
		}

		// Escalate to a chain step: technical:2 pages the Engineering Lead.
		before := p.paged()["casey"]
		casey.do(chromedpSetValue("#escalate-to", "technical:2"))
		casey.submit(map[string]string{"#escalate-note": "nobody on call answers"}, "#escalate-submit")
		casey.until(`document.getElementById("timeline").innerText.includes("escalated to Casey Morgan (technical:2)")`)
		p.advance(t, 0)
		if got := p.paged()["casey"]; got != before+1 {
			t.Errorf("casey paged %d times after the escalation, want %d", got, before+1)
		}
		if tl := casey.text("#timeline"); !strings.Contains(tl, "nobody on call answers") ||
			!strings.Contains(tl, `ran escalation step "escalated to Technical Escalation step 2: Engineering Lead", asked for by Casey Morgan`) {
			t.Errorf("timeline lacks the escalation's note or step:\n%s", tl)
		}

		// Page a person again.
		before = p.paged()["harper"]
		casey.do(chromedpSetValue("#page-target", "person:harper"), chromedpClick("#page-submit"))
		casey.until(`document.getElementById("timeline").innerText.includes("Casey Morgan asked to page Harper Lindqvist again")`)
		p.advance(t, 0)
		if got := p.paged()["harper"]; got != before+1 {
			t.Errorf("harper paged %d times after the page again, want %d", got, before+1)
		}
		if !strings.Contains(casey.text("#pages"), "paged again: Harper Lindqvist") {
			t.Errorf("the pages panel lacks the page sent again: %q", casey.text("#pages"))
		}

		// A refused choice shows its error beside the form, keeping it.
		if _, err := chromedp.Run(casey.ctx, chromedp.Evaluate[bool](
			`(function () { var s = document.getElementById("page-target"); s.add(new Option("#99", "step:99")); s.value = "step:99"; return true; })()`)); err != nil {
			t.Fatal(err)
		}
		casey.do(chromedpClick("#page-submit"))
		casey.until(`document.querySelector("#paging-actions .error") && document.querySelector("#paging-actions .error").innerText.includes("Step: want a step of the walk")`)
		resp := p.console(t, "POST", "/incidents/INC-1/escalate", p.session(t, "responder", "devon"), url.Values{"to": {"nobody"}})
		if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "To: want a person of the directory") {
			t.Errorf("escalating to nobody: %d", resp.StatusCode)
		}

		// Acknowledged: the banners go, here and live on jordan's phone.
		casey.do(chromedpClick("#ack"))
		casey.until(`document.getElementById("status-badge").innerText === "Acknowledged"`)
		if casey.has("#unanswered-banner") {
			t.Errorf("the banner stays after the acknowledgement: %q", casey.text("#unanswered-banner"))
		}
		jordan.until(`!document.querySelector("#unanswered-INC-1")`)

		// The viewer reads the same page, without forms, on a phone.
		jordan.open("/incidents/INC-1")
		if jordan.has("main form") || jordan.has("#paging-actions") {
			t.Error("a viewer is offered the escalate and page forms")
		}
		if !strings.Contains(jordan.text("#timeline"), "Nobody acknowledged: paging stopped after 4 repeats") {
			t.Errorf("the viewer's timeline: %q", jordan.text("#timeline"))
		}
		noSidewaysScroll(t, jordan, "the incident page")
		var inc fireline.Incident
		p.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-1")
		if inc.UnansweredAt != nil || inc.AcknowledgedAt == nil {
			t.Errorf("after the acknowledgement: unanswered %v", inc.UnansweredAt)
		}
	})
}

// noSidewaysScroll fails when the page is wider than a phone's 390 px.
func noSidewaysScroll(t *testing.T, b *browser, what string) {
	t.Helper()
	if width, _ := evalInt(b, "document.documentElement.scrollWidth"); width > 390 {
		wide, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 391).map(e => e.tagName + "." + e.className + "#" + e.id).slice(0, 8).join(" ")`))
		t.Errorf("%s scrolls sideways on a phone: %d px wide (%s)", what, width, wide)
	}
}
