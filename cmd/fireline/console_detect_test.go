package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
)

// personName is a person's name in the default guide.
func personName(t *testing.T, id string) string {
	t.Helper()
	p, ok := policy.Default().Person(id)
	if !ok {
		t.Fatalf("no person %s", id)
	}
	return p.Name
}

// TestConsoleAlertsPagesOnCall seeds alerts through the real intake and
// pages through the real engine (its jobs run by RunDue on the manual
// clock) and watches them in a browser: who is on call on the dashboard;
// an alert attached while the incident page is open appears live, with
// its state, count, source and link, and its resolution too; the
// engine's pages appear live with each delivery's method, attempts and
// last error. Alerts of a restricted incident never reach a non-member.
func TestConsoleAlertsPagesOnCall(t *testing.T) {
	needChromium(t)
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		_, link := p.newUser(t, "responder", "casey")
		b := newBrowser(t, p.URL(), 1280, 900)
		b.loginWithLink(link)

		// Who is on call now, from the schedules.
		b.open("/")
		oncall := b.text("#oncall")
		if !strings.Contains(b.text("#oncall .oncall-primary"), personName(t, primary)) ||
			!strings.Contains(b.text("#oncall .oncall-secondary"), personName(t, secondary)) {
			t.Fatalf("dashboard on-call: %q", oncall)
		}

		// An alert opens INC-1 (error: P2); its page is open when the
		// second alert and the engine's pages arrive.
		am := p.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		now := p.clock.Now()
		a1, a2 := amAlert("firing", "web-1", "error", now), amAlert("firing", "web-2", "error", now)
		code, _, body := p.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "firing", a1))
		wantStatus(t, "first alert", code, body, http.StatusOK)
		// The primary's webhook fails at first: the delivery retries.
		p.sink.Respond(func(path string) (int, string) {
			if path == "/p/"+primary {
				return http.StatusServiceUnavailable, "pager gateway down"
			}
			return 0, ""
		})
		b.open("/incidents/INC-1")
		b.until(`document.body.dataset.liveOpen === "true"`)
		if !strings.Contains(b.text("#alerts"), "Latency high on web-1") || !strings.Contains(b.text("#alerts"), "Firing") {
			t.Fatalf("alerts on open: %q", b.text("#alerts"))
		}

		p.clock.Advance(time.Minute)
		code, _, body = p.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "firing", a1, a2))
		wantStatus(t, "second alert and a repeat", code, body, http.StatusOK)
		b.until(`document.getElementById("alerts").innerText.includes("Latency high on web-2")`)
		b.until(`document.getElementById("timeline").innerText.includes("Latency high on web-2")`)
		alerts := b.text("#alerts")
		if !strings.Contains(alerts, "2 times") || !strings.Contains(alerts, "Tue 1 Dec 10:01 EST") {
			t.Errorf("the repeated alert lacks its count or last seen: %q", alerts)
		}
		if !b.has(`#alerts a[href="http://prometheus:9090/graph"]`) {
			t.Errorf("the alert links to no source: %q", alerts)
		}

		// The engine pages the primary: the failed attempt appears live,
		// then the retry's delivery.
		p.advance(t, 0)
		b.until(`document.getElementById("pages").innerText.includes("Retrying")`)
		pages := b.text("#pages")
		if !strings.Contains(pages, personName(t, primary)) || !strings.Contains(pages, "webhook") || !strings.Contains(pages, "503") {
			t.Errorf("the failed page lacks whom, how or why: %q", pages)
		}
		p.sink.Respond(nil)
		p.advance(t, 5*time.Minute)
		b.until(`document.querySelector("#deliveries tr.delivery-delivered")`)
		row := b.text("#deliveries tr.delivery-delivered")
		if !strings.Contains(row, personName(t, primary)) || !strings.HasSuffix(strings.TrimSpace(row), "2") {
			t.Errorf("the delivered page, after a retry: %q", row)
		}
		if !strings.Contains(b.text("#timeline"), "paged "+personName(t, primary)+" by webhook (attempt 2)") {
			t.Errorf("timeline lacks the page: %q", b.text("#timeline"))
		}

		// A resolution from the sender appears live too.
		code, _, body = p.request(t, "POST", "/integrations/alertmanager", am.Key, amMessage(t, "resolved", amAlert("resolved", "web-1", "error", now)))
		wantStatus(t, "resolve one", code, body, http.StatusOK)
		b.until(`document.querySelector("#alerts li.alert-resolved") && document.querySelector("#alerts li.alert-resolved").innerText.includes("web-1")`)

		// A restricted incident's alerts: a member (admin) sees them; a
		// non-member sees neither them nor the incident.
		sec := p.createIntegration(t, "--type", "alertmanager", "--service", "auth-service", "--source", "security")
		secret := amAlert("firing", "vault-7", "critical", now)
		secret.Annotations["summary"] = "canary-9c1d token used"
		code, _, body = p.request(t, "POST", "/integrations/alertmanager", sec.Key, amMessage(t, "firing", secret))
		wantStatus(t, "restricted alert", code, body, http.StatusOK)
		var inc fireline.Incident
		p.cliJSON(t, adminSecret, &inc, "incident", "show", "INC-2")
		if !inc.Restricted {
			t.Fatalf("the security integration's incident is not restricted: %+v", inc)
		}
		jordanSession := p.session(t, "responder", "jordan")
		for _, path := range []string{"/incidents/INC-2", "/", "/incidents"} {
			resp := p.console(t, "GET", path, jordanSession, nil)
			b, _ := io.ReadAll(resp.Body)
			if strings.Contains(string(b), "canary-9c1d") {
				t.Errorf("a non-member sees the restricted incident's alert at %s", path)
			}
		}
		if resp := p.console(t, "GET", "/incidents/INC-2", jordanSession, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a non-member opening the restricted incident: %d", resp.StatusCode)
		}
		adminSession := p.session(t, "admin", "kai")
		resp := p.console(t, "GET", "/incidents/INC-2", adminSession, nil)
		if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "canary-9c1d token used") {
			t.Errorf("an admin does not see the restricted incident's alert: %d", resp.StatusCode)
		}
	})
}

// TestLiveAcrossReplicas runs two servers on one PostgreSQL schema: a note
// added through server A reaches a live stream opened on server B, and so
// does a page the engine of A sends.
func TestLiveAcrossReplicas(t *testing.T) {
	t.Parallel()
	dsn := firelinetest.PostgresDSN(t)
	a := startTestServer(t, dsn)
	b := startTestServer(t, dsn)
	kai := a.newToken(t, "responder", "kai")
	var inc fireline.Incident
	a.cliJSON(t, kai, &inc, "incident", "declare", "--title", "replicated", "--severity", "P3")
	cookie := a.session(t, "viewer", "jordan") // sessions live in the shared database

	events := openStream(t, b, "/live/incidents/"+inc.ID, cookie) // subscribed once it answers
	waitReplicasListening(t, a, 2)
	var noted fireline.Incident
	a.cliJSON(t, kai, &noted, "incident", "note", inc.ID, "seen on the other replica")
	deadline := time.After(10 * time.Second)
	for {
		select {
		case line := <-events:
			// The engines of both replicas may page meanwhile; any change
			// at or past the note's will do.
			id, seq, _ := strings.Cut(line, " ")
			if n, _ := strconv.ParseInt(seq, 10, 64); id == inc.ID && n >= noted.EventCount {
				return
			}
		case <-deadline:
			t.Fatalf("the note through A (seq %d) did not reach B's stream", noted.EventCount)
		}
	}
}

// waitReplicasListening waits until n replicas on s's PostgreSQL schema
// listen for each other's commits: each starts its listener in the
// background, and a note committed before B listens never reaches B.
func waitReplicasListening(t *testing.T, s *testServer, n int) {
	t.Helper()
	var schema string
	if err := s.db.Reader().QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// The channel's name as sqlstore's changesChannelFor makes it.
	sum := sha256.Sum256([]byte(schema))
	listen := `LISTEN "fireline_changes_` + hex.EncodeToString(sum[:6]) + `"`
	firelinetest.Eventually(t, 10*time.Second, func() error {
		var got int
		if err := s.db.Reader().QueryRow("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND query = $1",
			listen).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != n {
			return fmt.Errorf("%d replicas ran %s, want %d", got, listen, n)
		}
		return nil
	})
}

// openStream opens a server-sent event stream and returns its data lines.
func openStream(t *testing.T, s *testServer, path, cookie string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+path, nil)
	req.AddCookie(&http.Cookie{Name: "fireline_session", Value: cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream %s: %d", path, resp.StatusCode)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines) // the server ended the stream
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				lines <- d
			}
		}
	}()
	return lines
}

// streamEnds waits for the server to end a stream opened by openStream.
func streamEnds(t *testing.T, events <-chan string, what string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, open := <-events:
			if !open {
				return
			}
		case <-deadline:
			t.Fatalf("%s: the live stream is still open", what)
		}
	}
}

// TestLiveStreamsFollowAccess: an open live stream keeps checking the
// session it was opened with. When the user may no longer see the
// incident it follows (another person now), or their session ends
// (logout, user disabled), the server ends the stream within the recheck
// interval instead of telling them about changes until they reload; a
// stream whose user keeps access stays open and keeps delivering.
//
// Not parallel: it counts on the server's wall-clock rechecks running
// within a second, which other tests' load could delay.
func TestLiveStreamsFollowAccess(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn) // LiveRecheck 100 ms
		kai := s.newToken(t, "responder", "kai")
		var leak fireline.Incident
		s.cliJSON(t, kai, &leak, "incident", "declare", "--title", "canary leak", "--severity", "P2", "--source", "security") // pages only blake at once
		email, link := s.newUser(t, "responder", "jordan")
		jordan := s.redeem(t, link)
		s.mustCLI(t, adminSecret, "user", "set-person", email, "kai") // a member, through kai
		kept := s.session(t, "viewer", "alex")

		incident := openStream(t, s, "/live/incidents/"+leak.ID, jordan)
		dashboard := openStream(t, s, "/live/dashboard", jordan)
		other := openStream(t, s, "/live/dashboard", kept)
		s.mustCLI(t, adminSecret, "user", "set-person", email, "jordan") // no longer a member
		streamEnds(t, incident, "the restricted incident's stream after its user became a non-member")

		// The dashboards stay open. Once their own rechecks have run (a few
		// intervals; what they passed on while jordan was a member is
		// drained), a note on the restricted incident reaches neither,
		// and the next change, of another incident, reaches both.
		// The one sleep kept: a recheck shows nothing on the stream and runs
		// on the server's wall-clock ticker, not the test's clock, so there
		// is nothing to poll. Ten intervals, so that a loaded machine does
		// not fail it.
		time.Sleep(time.Second)
		for _, events := range []<-chan string{dashboard, other} {
			for len(events) > 0 {
				<-events
			}
		}
		s.mustCLI(t, kai, "incident", "note", leak.ID, "rotated the canary token")
		var open fireline.Incident
		s.cliJSON(t, kai, &open, "incident", "declare", "--title", "disk full", "--severity", "P3")
		for name, events := range map[string]<-chan string{"jordan": dashboard, "alex": other} {
			for got := false; !got; {
				select {
				case line, ok := <-events:
					if !ok || strings.HasPrefix(line, leak.ID+" ") {
						t.Fatalf("%s's dashboard: %q (open %v), want only %s", name, line, ok, open.ID)
					}
					got = strings.HasPrefix(line, open.ID+" ")
				case <-time.After(10 * time.Second):
					t.Fatalf("%s's dashboard missed %s", name, open.ID)
				}
			}
		}

		// Disabling the user ends their session, and with it the stream.
		s.mustCLI(t, adminSecret, "user", "disable", email)
		streamEnds(t, dashboard, "the dashboard stream of a disabled user")
		// Logging out ends the stream of that session.
		again := openStream(t, s, "/live/dashboard", kept)
		if r := s.console(t, "POST", "/logout", kept, url.Values{}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.StatusCode)
		}
		streamEnds(t, again, "a stream after its session logged out")
		streamEnds(t, other, "the other stream of the logged-out session")
	})
}

// TestSetUserPerson changes the person a user acts as through the console,
// the CLI and the API; it applies at the user's next request, so their
// view of a restricted incident follows.
func TestSetUserPerson(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		kai := s.newToken(t, "responder", "kai")
		s.mustCLI(t, kai, "incident", "declare", "--title", "canary leak", "--severity", "P1", "--source", "security")
		email, link := s.newUser(t, "responder", "jordan")
		jordan := s.redeem(t, link)
		if r := s.console(t, "GET", "/incidents/INC-1", jordan, nil); r.StatusCode != http.StatusNotFound {
			t.Fatalf("before: %d", r.StatusCode)
		}

		// The admin console's form.
		admin := s.session(t, "admin", "casey")
		var users struct{ Users []*fireline.User }
		s.cliJSON(t, adminSecret, &users, "user", "list")
		var id string
		for _, u := range users.Users {
			if u.Email == email {
				id = u.ID
			}
		}
		if r := s.console(t, "POST", "/admin/users/"+id+"/person", admin, url.Values{"person": {"kai"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("console set person: %d", r.StatusCode)
		}
		if r := s.console(t, "GET", "/incidents/INC-1", jordan, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("acting as kai, a member: %d", r.StatusCode)
		}
		r := s.console(t, "POST", "/admin/users/"+id+"/person", admin, url.Values{"person": {"nobody"}})
		if b, _ := io.ReadAll(r.Body); r.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "no person") {
			t.Fatalf("console set unknown person: %d", r.StatusCode)
		}

		// The CLI, back to jordan; an unknown person is refused.
		out := s.mustCLI(t, adminSecret, "user", "set-person", email, "jordan")
		if !strings.Contains(out, email+" now acts as jordan") {
			t.Errorf("set-person printed %q", out)
		}
		if r := s.console(t, "GET", "/incidents/INC-1", jordan, nil); r.StatusCode != http.StatusNotFound {
			t.Fatalf("acting as jordan again: %d", r.StatusCode)
		}
		if res := s.cli(t, adminSecret, "user", "set-person", email, "nobody"); res.code == 0 || !strings.Contains(res.stderr, "no person") {
			t.Errorf("set-person to an unknown person: exit %d %s", res.code, res.stderr)
		}
		// The API, as admin only.
		code, _, body := s.request(t, "POST", "/api/v1/users/"+url.PathEscape(email)+"/person", adminSecret, `{"person":"alex"}`)
		if code != http.StatusOK || !strings.Contains(string(body), `"person":"alex"`) {
			t.Fatalf("API set person: %d %s", code, body)
		}
		if code, _, _ := s.request(t, "POST", "/api/v1/users/"+url.PathEscape(email)+"/person", kai, `{"person":"kai"}`); code != http.StatusForbidden {
			t.Errorf("a responder's token set a person: %d", code)
		}
	})
}

// TestLoginThrottling checks docs/adr/0034: failed password logins slow
// down per account and per address with 429 and Retry-After, which
// checks no password; the wait doubles up to 15 minutes and no further;
// and a browser that signed in to the account before keeps its own count,
// so an attacker guessing at an account does not lock its owner out.
func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, firelinetest.SQLiteDSN(t))
	const pw = "correct horse battery staple"
	email := s.userWithPassword(t, "viewer", "alex", pw)
	login := func(email, password string, device *http.Cookie) *http.Response {
		t.Helper()
		return s.postLogin(t, email, password, device)
	}
	var resp *http.Response
	expect := func(what string, resp *http.Response, status int, retryAfter string) {
		t.Helper()
		if resp.StatusCode != status || resp.Header.Get("Retry-After") != retryAfter {
			t.Fatalf("%s: %d Retry-After %q, want %d %q", what, resp.StatusCode, resp.Header.Get("Retry-After"), status, retryAfter)
		}
	}

	// Five free failures; the sixth makes the next attempt wait a second,
	// even with the right password, which is not checked meanwhile.
	for i := 0; i < 6; i++ {
		expect("wrong password", login(email, "not the password", nil), http.StatusBadRequest, "")
	}
	expect("right password too soon", login(email, pw, nil), http.StatusTooManyRequests, "1")
	s.clock.Advance(time.Second)
	resp = login(email, pw, nil)
	expect("right password after the wait", resp, http.StatusSeeOther, "")
	var device *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "fireline_device" {
			device = c
		}
	}
	if device == nil || !device.HttpOnly {
		t.Fatalf("no HttpOnly device cookie after signing in: %+v", resp.Cookies())
	}

	// An attacker guesses at the account: he waits, the owner's browser
	// does not.
	for i := 0; i < 6; i++ {
		expect("attacker", login(email, "guess", nil), http.StatusBadRequest, "")
	}
	expect("attacker, throttled", login(email, "guess", nil), http.StatusTooManyRequests, "1")
	expect("the owner's browser", login(email, pw, device), http.StatusSeeOther, "")
	if r := login("casey-viewer@example.com", "x", device); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("the device cookie is alex's, not casey's: %d", r.StatusCode)
	}

	// The address: 20 free failures across accounts (13 so far); the 21st
	// makes it wait too, whatever the account or cookie.
	for i := 0; i < 8; i++ {
		expect("spraying", login("nobody"+strconv.Itoa(i)+"@example.com", "guess", nil), http.StatusBadRequest, "")
	}
	expect("address throttled", login("other@example.com", "guess", nil), http.StatusTooManyRequests, "1")
	expect("address throttled, owner too", login(email, pw, device), http.StatusTooManyRequests, "1")

	// Never a lockout: the wait doubles to 15 minutes and stays there.
	for failed := 0; failed < 14; {
		r := login("target@example.com", "guess", nil)
		if r.StatusCode != http.StatusTooManyRequests {
			failed++
			continue
		}
		n, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		if n <= 0 || n > 900 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		s.clock.Advance(time.Duration(n) * time.Second)
	}
	r := login("target@example.com", "guess", nil)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "900" {
		t.Fatalf("after many failures: %d Retry-After %q, want 429 900 (15 minutes at most)", r.StatusCode, r.Header.Get("Retry-After"))
	}
	s.clock.Advance(15 * time.Minute)
	expect("after the longest wait", login(email, pw, device), http.StatusSeeOther, "")
}
