package fireline

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTrackerPolicyCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		tp   TrackerPolicy
		want []string // fields at fault
	}{
		{"minimal", TrackerPolicy{Kind: "github", Repo: "acme/ops"}, nil},
		{"everything", TrackerPolicy{Kind: "github", Repo: "acme-co/ops.tools", TokenEnv: "GH_TOKEN", APIURL: "https://ghe.acme.com/api/v3",
			WebhookSecretEnv: "GH_SECRET", Push: "auto", Labels: []string{"incident-action"}, Restricted: "allow", PollEvery: Interval(time.Hour)}, nil},
		{"unknown kind", TrackerPolicy{Kind: "jira", Repo: "acme/ops"}, []string{"t.kind"}},
		{"repo without owner", TrackerPolicy{Kind: "github", Repo: "ops"}, []string{"t.repo"}},
		{"repo with a space", TrackerPolicy{Kind: "github", Repo: "acme/my ops"}, []string{"t.repo"}},
		{"repo of three parts", TrackerPolicy{Kind: "github", Repo: "acme/ops/x"}, []string{"t.repo"}},
		{"bad env names", TrackerPolicy{Kind: "github", Repo: "a/b", TokenEnv: "1TOKEN", WebhookSecretEnv: "MY-SECRET"}, []string{"t.token_env", "t.webhook_secret_env"}},
		{"api url not http", TrackerPolicy{Kind: "github", Repo: "a/b", APIURL: "ftp://x"}, []string{"t.api_url"}},
		{"push and restricted", TrackerPolicy{Kind: "github", Repo: "a/b", Push: "always", Restricted: "maybe"}, []string{"t.push", "t.restricted"}},
		{"labels", TrackerPolicy{Kind: "github", Repo: "a/b", Labels: []string{"ok", " ", "a,b"}}, []string{"t.labels[1]", "t.labels[2]"}},
		{"poll too often", TrackerPolicy{Kind: "github", Repo: "a/b", PollEvery: Interval(30 * time.Second)}, []string{"t.poll_every"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, fe := range tc.tp.Check("t") {
				got = append(got, fe.Field)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("fields %v, want %v", got, tc.want)
			}
		})
	}
	tp := TrackerPolicy{}
	if tp.Token() != "FIRELINE_GITHUB_TOKEN" || tp.SecretEnv() != "FIRELINE_GITHUB_WEBHOOK_SECRET" || tp.API() != "https://api.github.com" || tp.Poll() != 10*time.Minute {
		t.Errorf("defaults: %s %s %s %s", tp.Token(), tp.SecretEnv(), tp.API(), tp.Poll())
	}
}

func TestValidGitHubLogin(t *testing.T) {
	for s, want := range map[string]bool{"octocat": true, "blake-gh": true, "a1": true, "": false, "-a": false, "a-": false, "a--b": false,
		"a_b": false, strings.Repeat("a", 39): true, strings.Repeat("a", 40): false} {
		if ValidGitHubLogin(s) != want {
			t.Errorf("ValidGitHubLogin(%q) = %v", s, !want)
		}
	}
}

// TestSyncIssue: what an issue's state seen at the tracker asks of its
// item, given the state Fireline last knew and the item's status.
func TestSyncIssue(t *testing.T) {
	tracked := func(status ActionItemStatus, known string) *ActionItem {
		return &ActionItem{Number: 3, ID: "A-3", Status: status, Tracked: &TrackedIssue{Repo: "acme/ops", Number: 9, State: known}}
	}
	for _, tc := range []struct {
		name  string
		it    *ActionItem
		state string
		own   bool
		want  string // the item's new status, "state" for the state only, "" for nothing
	}{
		{"untracked", &ActionItem{Number: 3, Status: ItemOpen}, IssueClosed, false, ""},
		{"closed there", tracked(ItemOpen, IssueOpen), IssueClosed, false, "done"},
		{"reopened there", tracked(ItemDone, IssueClosed), IssueOpen, false, "open"},
		{"still open", tracked(ItemOpen, IssueOpen), IssueOpen, false, ""},
		{"a repeated close", tracked(ItemDone, IssueClosed), IssueClosed, false, ""},
		{"closed here, the close not yet sent", tracked(ItemDone, IssueOpen), IssueOpen, false, ""},
		{"closed here, reported back first", tracked(ItemDone, IssueOpen), IssueClosed, false, "state"},
		{"our close landed", tracked(ItemDone, IssueOpen), IssueClosed, true, "state"},
		{"our close landed after a reopen here", tracked(ItemOpen, IssueOpen), IssueClosed, true, "state"},
		{"a state GitHub does not have", tracked(ItemOpen, IssueOpen), "merged", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changes := SyncIssue(tc.it, tc.state, "octocat", tc.own)
			got := ""
			switch {
			case len(changes) == 1:
				got = "state"
			case len(changes) == 2:
				d := changes[1].Data.(*ActionItemUpdatedData)
				got = string(d.Status)
				if d.By != "github:octocat" || !strings.Contains(d.Note, "issue #9") {
					t.Errorf("update %+v", d)
				}
			}
			if got != tc.want {
				t.Errorf("got %q (%d changes), want %q", got, len(changes), tc.want)
			}
		})
	}
}

// TestTrackerActions: pushing records the request and plans the push;
// the issue made is recorded with the link and plans the poll; closing
// the item plans the state job, whose landing plans nothing more; a
// restricted incident's item is refused unless the policy allows it.
func TestTrackerActions(t *testing.T) {
	p := testPolicy()
	at := declaredAt
	tl := declare(t, p, P3, at)
	title, owner, kind, deadline := "Alert on an empty pool", "bob", KindMonitoring, at.Add(7*24*time.Hour)
	tl.mustDo(Action{Kind: ActAddActionItem, Item: &ActionItemInput{Number: 1, Title: &title, Owner: &owner, Kind: &kind, Deadline: &deadline}, By: "alice"}, at)
	push := Action{Kind: ActPushActionItem, Issue: &IssueInput{Item: 1}, By: "alice"}
	_, err := tl.do(push, at)
	wantCode(t, err, EConflict) // no tracker

	p.Reviews.ActionItems.Tracker = &TrackerPolicy{Kind: "github", Repo: "acme/ops", Labels: []string{"incident-action"}}
	p.People[1].GitHub = "bob-gh"
	kinds := func(changes []Change) []string {
		var out []string
		for _, j := range p.PlanWork(tl.inc, changes, Actor{PersonID: "alice"}, at).Jobs {
			if strings.HasPrefix(j.Kind, "tracker.") {
				out = append(out, j.Kind+"@"+j.RunAt.Sub(at).String())
			}
		}
		return out
	}
	if got := kinds(tl.mustDo(push, at)); !slices.Equal(got, []string{JobTrackerPush + "@0s"}) {
		t.Errorf("push planned %v", got)
	}
	req := p.IssueFor(tl.inc, tl.inc.ActionItem(1), "https://fireline.acme.com/")
	if req.Title != title || !slices.Equal(req.Assignees, []string{"bob-gh"}) || !slices.Equal(req.Labels, []string{"incident-action"}) ||
		!strings.Contains(req.Body, "(https://fireline.acme.com/incidents/INC-7)") || !strings.Contains(req.Body, "https://fireline.acme.com/incidents/INC-7/review") {
		t.Errorf("issue request %+v", req)
	}
	track := Action{Kind: ActTrackActionItem, Issue: &IssueInput{Item: 1, Repo: "acme/ops", Number: 9, URL: "https://github.com/acme/ops/issues/9"}}
	if got := kinds(tl.mustDo(track, at)); !slices.Equal(got, []string{JobTrackerPoll + "@10m0s"}) {
		t.Errorf("tracking planned %v", got)
	}
	if it := tl.inc.ActionItem(1); it.Link != "https://github.com/acme/ops/issues/9" || it.Tracked.Key() != "acme/ops#9" {
		t.Errorf("tracked item %+v", it)
	}
	_, err = tl.do(push, at)
	wantCode(t, err, EConflict) // already tracked

	if got := kinds(tl.mustDo(Action{Kind: ActUpdateActionItem, Item: &ActionItemInput{Number: 1, Status: ItemDone}, By: "bob"}, at)); !slices.Equal(got, []string{JobTrackerState + "@0s"}) {
		t.Errorf("closing planned %v", got)
	}
	landed := Action{Kind: ActSyncActionItem, Issue: &IssueInput{Item: 1, State: IssueClosed, Own: true}}
	if got := kinds(tl.mustDo(landed, at)); len(got) != 0 || p.IssueBehind(tl.inc.ActionItem(1)) {
		t.Errorf("the close landing planned %v", got)
	}
	_, err = tl.do(landed, at)
	wantCode(t, err, EConflict) // nothing to sync
	tl.verify()
	got, err := Replay(tl.events)
	if err != nil || got.ActionItem(1).Tracked == nil || got.ActionItem(1).Tracked.State != IssueClosed {
		t.Fatalf("replayed: %v %+v", err, got.ActionItem(1))
	}

	restricted := true
	in, _ := DeclareInput{Title: "Leaked key", Severity: P2, Source: SourceSecurity, Restricted: &restricted}.Validate(p)
	sec := declareInput(t, p, in, Actor{Role: RoleResponder, PersonID: "alice"}, at)
	sec.mustDo(Action{Kind: ActAddActionItem, Item: &ActionItemInput{Number: 2, Title: &title, Owner: &owner, Kind: &kind, Deadline: &deadline}, By: "alice"}, at)
	_, err = sec.do(Action{Kind: ActPushActionItem, Issue: &IssueInput{Item: 2}}, at)
	wantCode(t, err, EConflict)
	p.Reviews.ActionItems.Tracker.Restricted = TrackerRestrictedAllow
	sec.mustDo(Action{Kind: ActPushActionItem, Issue: &IssueInput{Item: 2}}, at)
	if body := p.IssueFor(sec.inc, sec.inc.ActionItem(2), "https://f").Body; strings.Contains(body, "Leaked key") {
		t.Errorf("a restricted incident's title in the issue: %s", body)
	}
}
