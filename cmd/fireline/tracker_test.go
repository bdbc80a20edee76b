package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
)

const (
	trackerRepo   = "acme/ops"
	trackerSecret = "gh-webhook-secret-for-tests"
)

// trackerPolicy is the default policy (without its gate and
// communications) with action items pushed to the fake GitHub's
// acme/ops, push as given, and blake's GitHub login.
func trackerPolicy(t *testing.T, apiURL, push string) string {
	t.Helper()
	y := string(policy.DefaultYAML())
	esc := "      - { after: 1w, to: \"technical:3\" } # Director of Engineering\n"
	if !strings.Contains(y, esc) || !strings.Contains(y, "    email: blake@berrys.ai\n") {
		t.Fatal("the default policy's action items or people moved")
	}
	y = strings.Replace(y, esc, esc+"    tracker:\n      kind: github\n      repo: "+trackerRepo+"\n      api_url: "+apiURL+
		"\n      push: "+push+"\n      labels: [incident-action]\n", 1)
	y = strings.Replace(y, "    email: blake@berrys.ai\n", "    email: blake@berrys.ai\n    github: blake-gh\n", 1)
	return ungatedPolicy(t, y)
}

// startTrackerServer runs a server whose action items are tracked in the
// fake GitHub, with its token and webhook secret in the environment when
// withToken; the job runner is driven by advance.
func startTrackerServer(t *testing.T, dsn, push string, withToken bool) (*pagingServer, *firelinetest.GitHub) {
	t.Helper()
	clock := firelinetest.NewClock(businessHours)
	gh := firelinetest.NewGitHub(t, clock.Now, trackerRepo)
	env := map[string]string{}
	if withToken {
		env["FIRELINE_GITHUB_TOKEN"], env["FIRELINE_GITHUB_WEBHOOK_SECRET"] = firelinetest.GitHubToken, trackerSecret
	}
	srv, err := startServer(context.Background(), serveConfig{
		Addr: "127.0.0.1:0", DB: dsn, BootstrapToken: adminSecret, Now: clock.Now, PolicyPath: trackerPolicy(t, gh.URL, push),
		Paging: pagingConfig{NoJobRunner: true, AllowOutbound: "127.0.0.0/8", Getenv: func(k string) string { return env[k] }},
	}, slog.New(slog.NewJSONHandler(io.Discard, nil)), &bytes.Buffer{})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) })
	return &pagingServer{testServer: &testServer{server: srv, clock: clock, out: &bytes.Buffer{}}, dsn: dsn}, gh
}

// addItem declares an incident (security: restricted) and adds an
// action item owned by blake; it returns the incident's id.
func addItem(t *testing.T, p *pagingServer, token string, security bool) string {
	t.Helper()
	args := []string{"incident", "declare", "--title", "Gateway 502s", "--severity", "P3", "--service", "api-gateway"}
	if security {
		args = append(args, "--source", "security")
	}
	var inc fireline.Incident
	p.cliJSON(t, token, &inc, args...)
	p.mustCLI(t, token, "action", "add", inc.ID, "--title", "Alert on an empty upstream pool", "--owner", "blake",
		"--deadline", "2026-12-10T17:00:00-05:00", "--kind", "monitoring")
	return inc.ID
}

// item reads an action item from the board.
func trackedItem(t *testing.T, p *pagingServer, token, id string) fireline.ActionItem {
	t.Helper()
	var list struct{ Items []fireline.ActionItem }
	p.cliJSON(t, token, &list, "action", "list", "--all")
	i := slices.IndexFunc(list.Items, func(it fireline.ActionItem) bool { return it.ID == id })
	if i < 0 {
		t.Fatalf("%s is not on the board: %+v", id, list.Items)
	}
	return list.Items[i]
}

// deliver posts a GitHub webhook delivery signed with secret.
func deliver(t *testing.T, p *pagingServer, event, secret string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.URL()+"/hooks/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	req.Header.Set("X-Hub-Signature-256", firelinetest.SignGitHub(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("401 as %q, want problem+json", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode
}

// TestTrackerPushAndWebhook: a viewer cannot push; `action push` creates
// the issue (title, a body linking back, the label, the owner assigned)
// and links the item; a badly signed webhook changes nothing; closing the
// issue on GitHub and its signed webhook closes the item (by
// github:LOGIN), a repeat is a no-op, reopening reopens; closing the item
// here closes the issue there, and the webhook that reports it changes
// nothing.
func TestTrackerPushAndWebhook(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p, gh := startTrackerServer(t, dsn, fireline.TrackerPushManual, true)
		casey, viewer := p.newToken(t, "responder", "casey"), p.newToken(t, "viewer", "")
		id := addItem(t, p, casey, false)

		if code, _, body := p.request(t, http.MethodPost, "/api/v1/action-items/A-1/push", viewer, ""); code != http.StatusForbidden {
			t.Fatalf("viewer push: %d %s", code, body)
		}
		if out := p.mustCLI(t, casey, "action", "push", "A-1"); !strings.Contains(out, "A-1 of "+id) {
			t.Errorf("action push printed %q", out)
		}
		p.advance(t, 0)
		issues := gh.Issues(trackerRepo)
		if len(issues) != 1 {
			t.Fatalf("issues: %+v", issues)
		}
		is := issues[0]
		if is.Title != "Alert on an empty upstream pool" || len(is.Labels) != 1 || is.Labels[0].Name != "incident-action" ||
			len(is.Assignees) != 1 || is.Assignees[0].Login != "blake-gh" || is.State != "open" {
			t.Errorf("issue: %+v", is)
		}
		for _, want := range []string{"/incidents/" + id + ")", "/incidents/" + id + "/review", "Blake Chen (blake) @blake-gh", "2026-12-10T22:00:00Z"} {
			if !strings.Contains(is.Body, want) {
				t.Errorf("issue body lacks %q:\n%s", want, is.Body)
			}
		}
		it := trackedItem(t, p, casey, "A-1")
		if it.Link != is.HTMLURL || it.Tracked == nil || it.Tracked.Number != 1 || it.Tracked.State != "open" {
			t.Fatalf("item after the push: %+v", it)
		}
		if out := p.mustCLI(t, casey, "action", "list"); !strings.Contains(out, "ISSUE") || !strings.Contains(out, "#1 open") {
			t.Errorf("action list:\n%s", out)
		}
		if res := p.cli(t, casey, "action", "push", "A-1"); res.code == 0 || !strings.Contains(res.stderr, "already tracked") {
			t.Errorf("a second push: exit %d %s", res.code, res.stderr)
		}

		closed := gh.SetState(trackerRepo, 1, "closed", "octocat")
		before := itemEvents(p.timelineTypes(t, id))
		if code := deliver(t, p, "issues", "not-the-secret", closed); code != http.StatusUnauthorized {
			t.Fatalf("badly signed delivery: %d", code)
		}
		if it := trackedItem(t, p, casey, "A-1"); it.Status != fireline.ItemOpen || !mapsEqual(before, itemEvents(p.timelineTypes(t, id))) {
			t.Fatalf("a badly signed delivery changed the item: %+v", it)
		}
		if code := deliver(t, p, "ping", trackerSecret, []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)); code != http.StatusNoContent {
			t.Errorf("ping: %d", code)
		}
		if code := deliver(t, p, "issues", trackerSecret, closed); code != http.StatusNoContent {
			t.Fatalf("signed delivery: %d", code)
		}
		if it := trackedItem(t, p, casey, "A-1"); it.Status != fireline.ItemDone || it.ClosedBy != "github:octocat" || it.Tracked.State != "closed" {
			t.Fatalf("item after GitHub closed its issue: %+v", it)
		}
		after := itemEvents(p.timelineTypes(t, id))
		deliver(t, p, "issues", trackerSecret, closed) // GitHub redelivers
		p.advance(t, 0)
		if !mapsEqual(after, itemEvents(p.timelineTypes(t, id))) || len(gh.Requests()) != 1 {
			t.Errorf("a repeated delivery changed something: %v, GitHub saw %v", itemEvents(p.timelineTypes(t, id)), gh.Requests())
		}

		deliver(t, p, "issues", trackerSecret, gh.SetState(trackerRepo, 1, "open", "octocat"))
		if it := trackedItem(t, p, casey, "A-1"); it.Status != fireline.ItemOpen {
			t.Fatalf("item after GitHub reopened its issue: %+v", it)
		}

		p.mustCLI(t, casey, "action", "done", "A-1", "--note", "alert added")
		p.advance(t, 0)
		if is := gh.Issues(trackerRepo)[0]; is.State != "closed" || is.StateReason == nil || *is.StateReason != "completed" {
			t.Fatalf("issue after closing the item here: %+v", is)
		}
		settled := itemEvents(p.timelineTypes(t, id))
		deliver(t, p, "issues", trackerSecret, gh.SetState(trackerRepo, 1, "closed", "fireline-bot"))
		p.advance(t, time.Hour)
		if got := itemEvents(p.timelineTypes(t, id)); !mapsEqual(settled, got) {
			t.Errorf("GitHub reporting our own close changed the timeline: %v, was %v", got, settled)
		}
		if types := itemEvents(p.timelineTypes(t, id)); types[fireline.EventItemTracked] != 1 || types[fireline.EventItemPushRequested] != 1 {
			t.Errorf("timeline: %v", types)
		}
		p.mustCLI(t, adminSecret, "incident", "verify", "--stored", id)
	})
}

// TestTrackerPollAndRateLimit: with push auto, a new item is pushed by
// itself; a poll finds its issue closed on GitHub (no webhook) and closes
// the item, after waiting out a secondary rate limit's Retry-After.
func TestTrackerPollAndRateLimit(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p, gh := startTrackerServer(t, dsn, fireline.TrackerPushAuto, true)
		casey := p.newToken(t, "responder", "casey")
		addItem(t, p, casey, false)
		gh.RateLimit(1, http.StatusForbidden, 90) // the first push waits 90 s
		p.advance(t, 80*time.Second)
		if n := len(gh.Issues(trackerRepo)); n != 0 {
			t.Fatalf("pushed before Retry-After: %d issues", n)
		}
		p.advance(t, 20*time.Second)
		if it := trackedItem(t, p, casey, "A-1"); it.Tracked == nil {
			t.Fatalf("not pushed after Retry-After: %+v (GitHub saw %v)", it, gh.Requests())
		}

		gh.SetState(trackerRepo, 1, "closed", "octocat") // nobody delivers the webhook
		gh.RateLimit(1, http.StatusTooManyRequests, 120)
		p.advance(t, 11*time.Minute) // the poll is refused, and waits 2 minutes
		if it := trackedItem(t, p, casey, "A-1"); it.Status != fireline.ItemOpen {
			t.Fatalf("closed despite the rate limit: %+v", it)
		}
		p.advance(t, 2*time.Minute)
		it := trackedItem(t, p, casey, "A-1")
		if it.Status != fireline.ItemDone || it.ClosedBy != "github:octocat" {
			t.Fatalf("item after the poll: %+v (GitHub saw %v)", it, gh.Requests())
		}
		polls := len(gh.Requests())
		p.advance(t, time.Hour)
		if n := len(gh.Requests()); n != polls {
			t.Errorf("polled a closed issue: %v", gh.Requests()[polls:])
		}
	})
}

// TestTrackerRestrictedAndReadiness: a restricted incident's item is
// refused (409, naming the policy's setting), not even pushed by auto;
// a server without the token reports it in oncall check.
func TestTrackerRestrictedAndReadiness(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p, gh := startTrackerServer(t, dsn, fireline.TrackerPushAuto, true)
		kai := p.newToken(t, "responder", "kai")
		addItem(t, p, kai, true)
		p.advance(t, 0)
		code, _, body := p.request(t, http.MethodPost, "/api/v1/action-items/A-1/push", kai, "")
		if code != http.StatusConflict || !strings.Contains(string(body), "restricted") {
			t.Errorf("restricted push: %d %s", code, body)
		}
		if code, _, body := p.request(t, http.MethodPost, "/api/v1/action-items/A-1/push", p.newToken(t, "responder", "alex"), ""); code != http.StatusNotFound {
			t.Errorf("a non-member's push: %d %s", code, body)
		}
		if n := len(gh.Requests()); n != 0 {
			t.Errorf("GitHub saw %v", gh.Requests())
		}

		q, _ := startTrackerServer(t, firelinetest.SQLiteDSN(t), fireline.TrackerPushManual, false)
		r := q.cli(t, adminSecret, "oncall", "check")
		if r.code == 0 || !strings.Contains(r.stdout, "FIRELINE_GITHUB_TOKEN is empty") {
			t.Errorf("oncall check without the token: exit %d\n%s", r.code, r.stdout)
		}
		if code := deliver(t, q, "issues", trackerSecret, []byte(`{}`)); code != http.StatusUnauthorized {
			t.Errorf("a delivery without the secret set: %d", code)
		}
		// Without the token a push is given up on at once, on the timeline.
		casey := q.newToken(t, "responder", "casey")
		qid := addItem(t, q, casey, false)
		q.mustCLI(t, casey, "action", "push", "A-1")
		q.advance(t, 0)
		var log struct{ Events []*fireline.Event }
		q.cliJSON(t, casey, &log, "incident", "log", qid)
		i := slices.IndexFunc(log.Events, func(e *fireline.Event) bool { return e.Type == fireline.EventItemTrackerFailed })
		if i < 0 || !strings.Contains(string(log.Events[i].Data), "FIRELINE_GITHUB_TOKEN is empty") {
			t.Errorf("no failure on the timeline: %v", itemEvents(q.timelineTypes(t, qid)))
		}
		if it := trackedItem(t, q, casey, "A-1"); it.Pushing || it.Tracked != nil {
			t.Errorf("item after the failed push: %+v", it)
		}
	})
}

// itemEvents keeps the action items' event counts (the incident's pages
// go on failing meanwhile: no contact method reaches anyone here).
func itemEvents(types map[fireline.EventType]int) map[fireline.EventType]int {
	out := map[fireline.EventType]int{}
	for k, v := range types {
		if strings.HasPrefix(string(k), "action_item") {
			out[k] = v
		}
	}
	return out
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestTrackerPushInBrowser: the review page offers to push an open item;
// clicking it pushes, and the page then links the issue.
func TestTrackerPushInBrowser(t *testing.T) {
	needChromium(t)
	p, gh := startTrackerServer(t, firelinetest.SQLiteDSN(t), fireline.TrackerPushManual, true)
	_, link := p.newUser(t, "responder", "casey")
	id := addItem(t, p, p.newToken(t, "responder", "casey"), false)
	b := newBrowser(t, p.URL(), 1280, 1200)
	b.loginWithLink(link)
	b.open("/incidents/" + id + "/review")
	b.until(`document.getElementById("push-A-1") !== null`)
	b.submit(nil, "#push-A-1")
	b.until(`document.getElementById("push-A-1") === null`)
	p.advance(t, 0)
	if n := len(gh.Issues(trackerRepo)); n != 1 {
		t.Fatalf("issues after the click: %d", n)
	}
	b.open("/incidents/" + id + "/review")
	b.until(`document.getElementById("issue-A-1") !== null`)
	if got := b.text("#issue-A-1"); got != "GitHub issue #1" {
		t.Errorf("item links %q", got)
	}
	b.open("/incidents/" + id)
	if got := b.text("main"); !strings.Contains(got, "tracked action item A-1 in GitHub issue #1") {
		t.Errorf("the incident's timeline does not show the tracking:\n%s", got)
	}
}

// TestTrackerPushAnswerLost: GitHub creates the issue but its answer is
// lost (502); the retried push finds that issue by the marker in its body
// and links it, rather than creating a second one.
func TestTrackerPushAnswerLost(t *testing.T) {
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p, gh := startTrackerServer(t, dsn, fireline.TrackerPushManual, true)
		casey := p.newToken(t, "responder", "casey")
		addItem(t, p, casey, false)
		gh.LoseCreated(1)
		p.mustCLI(t, casey, "action", "push", "A-1")
		p.advance(t, 0)
		if it := trackedItem(t, p, casey, "A-1"); it.Tracked != nil {
			t.Fatalf("tracked although GitHub's answer was lost: %+v", it)
		}
		p.advance(t, 10*time.Minute) // the runner's backoff
		it := trackedItem(t, p, casey, "A-1")
		if it.Tracked == nil || it.Tracked.Number != 1 {
			t.Fatalf("item after the retry: %+v (GitHub saw %v)", it, gh.Requests())
		}
		if issues := gh.Issues(trackerRepo); len(issues) != 1 || !strings.Contains(issues[0].Body, "<!-- fireline-item: ") {
			t.Fatalf("issues after the retry: %+v", issues)
		}
		if reqs := gh.Requests(); !slices.Contains(reqs, "GET /repos/acme/ops/issues") {
			t.Errorf("the retry did not list the issues: %v", reqs)
		}
	})
}
