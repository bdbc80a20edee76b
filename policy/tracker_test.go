package policy

import (
	"strings"
	"testing"
)

// TestTrackerProblems: the tracker section's mistakes are reported at
// their lines, naming the field; a person's GitHub login too.
func TestTrackerProblems(t *testing.T) {
	src := apply(t, minimal(t), []edit{
		{"  - {id: bob, name: Bob}\n", "  - {id: bob, name: Bob, github: -bob}\n"},
		{"review: {owner: ann,", "reviews:\n  action_items:\n    tracker:\n      kind: jira\n      repo: ops\n      push: always\n      restricted: maybe\n      token_env: GH-TOKEN\nreview: {owner: ann,"},
	})
	got := strings.Join(problemLines(t, src), "\n")
	for _, want := range []string{
		`minimal.yaml:51: people[1].github: want a GitHub login (letters, digits and single hyphens, up to 39), not "-bob"`,
		`minimal.yaml:67: reviews.action_items.tracker.kind: unknown tracker "jira"; want github`,
		`minimal.yaml:68: reviews.action_items.tracker.repo: want owner/name, such as acme/ops, not "ops"`,
		`minimal.yaml:71: reviews.action_items.tracker.token_env: want an environment variable's name, such as FIRELINE_GITHUB_TOKEN, not "GH-TOKEN"`,
		`minimal.yaml:69: reviews.action_items.tracker.push: want auto or manual, not "always"`,
		`minimal.yaml:70: reviews.action_items.tracker.restricted: want allow or refuse, not "maybe"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack\n%s\nin\n%s", want, got)
		}
	}
}

// TestTrackerNote: a valid tracker is noted with the variables the
// server's environment must hold.
func TestTrackerNote(t *testing.T) {
	src := strings.Replace(string(DefaultYAML()), "  action_items:\n", "  action_items:\n    tracker: {kind: github, repo: acme/ops, token_env: ACME_GH}\n", 1)
	got := strings.Join(checkLines(t, src, early), "\n")
	want := "p.yaml:" + lineOf(t, src, "    tracker: {kind") + ": note: reviews.action_items.tracker: action items are pushed to GitHub acme/ops with the token in ACME_GH, and its webhook deliveries are verified with the secret in FIRELINE_GITHUB_WEBHOOK_SECRET"
	if !strings.Contains(got, want) {
		t.Errorf("notes:\n%s\nwant\n%s", got, want)
	}
}
