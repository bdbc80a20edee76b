package fireline

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Action items tracked in the team's tracker (GitHub Issues): an item is
// pushed there as an issue, by hand or on creation, and the issue's state
// comes back (a signed webhook, or a poll where none can arrive), so that
// closing it on either side closes it on the other without double entry.
// What to push, and what an issue's state asks of its item, is decided
// here; the engine's tracker jobs (engine/tracker.go) make the calls.

// Tracker kinds.
const TrackerGitHub = "github"

// Tracker defaults.
const (
	DefaultTrackerTokenEnv  = "FIRELINE_GITHUB_TOKEN"
	DefaultTrackerSecretEnv = "FIRELINE_GITHUB_WEBHOOK_SECRET"
	DefaultTrackerAPIURL    = "https://api.github.com"
	DefaultTrackerPollEvery = 10 * time.Minute
)

// The tracker's push and restricted settings.
const (
	TrackerPushAuto         = "auto"
	TrackerPushManual       = "manual"
	TrackerRestrictedAllow  = "allow"
	TrackerRestrictedRefuse = "refuse"
)

const (
	// trackerMaxAttempts bounds a tracker job's retries: about 90 minutes of
	// backoff (capped at 5 minutes a wait), longer with rate limits.
	trackerMaxAttempts = 25
	// restrictedTitle stands for a restricted incident's title in an
	// issue (when the policy allows pushing its items at all).
	restrictedTitle = "(restricted)"
)

// TrackerPolicy is action_items.tracker: where items are pushed.
type TrackerPolicy struct {
	// Kind is the tracker: github.
	Kind string `yaml:"kind" json:"kind"`
	// Repo is owner/name.
	Repo string `yaml:"repo" json:"repo"`
	// TokenEnv names the environment variable holding the API token
	// (default FIRELINE_GITHUB_TOKEN); the token is never in the file.
	TokenEnv string `yaml:"token_env,omitempty" json:"token_env,omitempty"`
	// APIURL is the REST API's base (default https://api.github.com;
	// GitHub Enterprise's, or a test's).
	APIURL string `yaml:"api_url,omitempty" json:"api_url,omitempty"`
	// WebhookSecretEnv names the variable holding the secret GitHub signs
	// its webhook deliveries with (default FIRELINE_GITHUB_WEBHOOK_SECRET).
	WebhookSecretEnv string `yaml:"webhook_secret_env,omitempty" json:"webhook_secret_env,omitempty"`
	// Push is auto (every new item is pushed) or manual (default).
	Push string `yaml:"push,omitempty" json:"push,omitempty"`
	// Labels are put on every issue.
	Labels []string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// Restricted is allow or refuse (default): whether items of a
	// restricted incident may be pushed, their titles leaving Fireline.
	Restricted string `yaml:"restricted,omitempty" json:"restricted,omitempty"`
	// PollEvery is how often an open tracked issue is read back, for
	// installations GitHub's webhooks cannot reach (default 10m).
	PollEvery Interval `yaml:"poll_every,omitempty" json:"poll_every,omitzero"`
}

// Token is the variable the token is read from.
func (tp *TrackerPolicy) Token() string { return cmp.Or(tp.TokenEnv, DefaultTrackerTokenEnv) }

// SecretEnv is the variable the webhook secret is read from.
func (tp *TrackerPolicy) SecretEnv() string {
	return cmp.Or(tp.WebhookSecretEnv, DefaultTrackerSecretEnv)
}

// API is the REST API's base URL, without a trailing slash.
func (tp *TrackerPolicy) API() string {
	return strings.TrimRight(cmp.Or(tp.APIURL, DefaultTrackerAPIURL), "/")
}

// Poll is how often an open tracked issue is read back.
func (tp *TrackerPolicy) Poll() time.Duration {
	if tp.PollEvery <= 0 {
		return DefaultTrackerPollEvery
	}
	return time.Duration(tp.PollEvery)
}

// Check lists what is wrong with the section, at paths under prefix.
func (tp *TrackerPolicy) Check(prefix string) []FieldError {
	var fe []FieldError
	if tp.Kind != TrackerGitHub {
		fe = append(fe, FieldError{prefix + ".kind", "unknown tracker " + quote(tp.Kind) + "; want github"})
	}
	if o, n, ok := strings.Cut(tp.Repo, "/"); !ok || !validRepoPart(o) || !validRepoPart(n) {
		fe = append(fe, FieldError{prefix + ".repo", "want owner/name, such as acme/ops, not " + quote(tp.Repo)})
	}
	for _, env := range []struct{ path, v string }{{".token_env", tp.TokenEnv}, {".webhook_secret_env", tp.WebhookSecretEnv}} {
		if env.v != "" && !validEnvName(env.v) {
			fe = append(fe, FieldError{prefix + env.path, "want an environment variable's name, such as FIRELINE_GITHUB_TOKEN, not " + quote(env.v)})
		}
	}
	if u := tp.API(); !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		fe = append(fe, FieldError{prefix + ".api_url", "want an http(s) URL, not " + quote(tp.APIURL)})
	}
	if tp.Push != "" && tp.Push != TrackerPushAuto && tp.Push != TrackerPushManual {
		fe = append(fe, FieldError{prefix + ".push", "want auto or manual, not " + quote(tp.Push)})
	}
	if tp.Restricted != "" && tp.Restricted != TrackerRestrictedAllow && tp.Restricted != TrackerRestrictedRefuse {
		fe = append(fe, FieldError{prefix + ".restricted", "want allow or refuse, not " + quote(tp.Restricted)})
	}
	for i, l := range tp.Labels {
		if strings.TrimSpace(l) == "" || len(l) > 50 || strings.Contains(l, ",") {
			fe = append(fe, FieldError{fmt.Sprintf("%s.labels[%d]", prefix, i), "want a label of 1 to 50 characters without commas"})
		}
	}
	if tp.PollEvery != 0 && time.Duration(tp.PollEvery) < time.Minute {
		fe = append(fe, FieldError{prefix + ".poll_every", "want at least 1m (GitHub's rate limits)"})
	}
	return fe
}

func validRepoPart(s string) bool {
	if s == "" || len(s) > 100 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func validEnvName(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// Issue states, as GitHub names them.
const (
	IssueOpen   = "open"
	IssueClosed = "closed"
)

// TrackedIssue is the issue an item is tracked in, and its state as
// Fireline last knew it: a state seen that differs from it is a change
// made there.
type TrackedIssue struct {
	Repo   string `json:"repo"`
	Number int64  `json:"number"`
	URL    string `json:"url"`
	State  string `json:"state"`
}

// Key is the issue's lookup key: owner/name#number.
func (t *TrackedIssue) Key() string { return IssueKey(t.Repo, t.Number) }

// IssueKey is an issue's lookup key, owner/name#number, case-folded as
// GitHub treats repository names.
func IssueKey(repo string, n int64) string {
	return strings.ToLower(repo) + "#" + strconv.FormatInt(n, 10)
}

// issueState is the state an item asks its issue to be in.
func issueState(s ActionItemStatus) string {
	if s == ItemDone {
		return IssueClosed
	}
	return IssueOpen
}

// Tracker event types.
const (
	EventItemPushRequested EventType = "action_item_push_requested"
	EventItemTracked       EventType = "action_item_tracked"
	EventItemIssueState    EventType = "action_item_issue_state"
	EventItemTrackerFailed EventType = "action_item_tracker_failed"
)

// Tracker actions: pushing (people), recording the issue made (the
// engine), and an issue's state seen there (the webhook, the poll, or the
// engine's own change landing).
const (
	ActPushActionItem  ActionKind = "push_action_item"
	ActTrackActionItem ActionKind = "track_action_item"
	ActSyncActionItem  ActionKind = "sync_action_item"
	// ActTrackerFailed records a tracker call given up on (the engine).
	ActTrackerFailed ActionKind = "tracker_failed"
)

// Tracker event data.
type (
	ItemPushRequestedData struct {
		Number int64  `json:"number"`
		Auto   bool   `json:"auto,omitempty"`
		By     string `json:"by,omitempty"`
	}
	ItemTrackedData struct {
		Number int64  `json:"number"`
		Repo   string `json:"repo"`
		Issue  int64  `json:"issue"`
		URL    string `json:"html_url"`
	}
	// ItemIssueStateData records the issue's state as seen: By is the
	// tracker's user who changed it there ("" when Fireline's own change
	// landed).
	ItemIssueStateData struct {
		Number int64  `json:"number"`
		Issue  int64  `json:"issue"`
		State  string `json:"state"`
		By     string `json:"by,omitempty"`
	}
	// ItemTrackerFailedData records a call to the tracker given up on:
	// Job is what it was for (push, state, poll), Error why.
	ItemTrackerFailedData struct {
		Number int64  `json:"number"`
		Job    string `json:"job"`
		Error  string `json:"error"`
	}
)

// TrackerActor is who records what the tracker said and did
// ("automation:github" on the timeline): it sees every incident.
var TrackerActor = Actor{Role: RoleAdmin, Automation: "github"}

// IssueInput is what the track and sync actions take (Action.Issue).
type IssueInput struct {
	Item   int64  `json:"item"`
	Repo   string `json:"repo,omitempty"`
	Number int64  `json:"number,omitempty"`
	URL    string `json:"url,omitempty"`
	State  string `json:"state,omitempty"`
	// Login is who changed the issue there; Own says the state is
	// Fireline's own change landing (SyncIssue).
	Login string `json:"login,omitempty"`
	Own   bool   `json:"own,omitempty"`
	// Job and Error say which call failed, and why (ActTrackerFailed).
	Job   string `json:"job,omitempty"`
	Error string `json:"error,omitempty"`
}

func trackerEvent(t EventType) bool {
	return t == EventItemPushRequested || t == EventItemTracked || t == EventItemIssueState || t == EventItemTrackerFailed
}

func newTrackerData(t EventType) (any, bool) {
	switch t {
	case EventItemPushRequested:
		return &ItemPushRequestedData{}, true
	case EventItemTracked:
		return &ItemTrackedData{}, true
	case EventItemIssueState:
		return &ItemIssueStateData{}, true
	case EventItemTrackerFailed:
		return &ItemTrackerFailedData{}, true
	}
	return nil, false
}

// applyTracker applies the tracker's events to the incident's items.
func (inc *Incident) applyTracker(c Change) {
	var n int64
	var set func(it *ActionItem)
	switch d := c.Data.(type) {
	case *ItemPushRequestedData:
		n = d.Number
		set = func(it *ActionItem) { it.Pushing = true }
	case *ItemTrackerFailedData:
		n = d.Number
		set = func(it *ActionItem) { it.Pushing = it.Pushing && d.Job != "push" }
	case *ItemTrackedData:
		n = d.Number
		set = func(it *ActionItem) {
			it.Tracked = &TrackedIssue{Repo: d.Repo, Number: d.Issue, URL: d.URL, State: IssueOpen}
			it.Link, it.Pushing = d.URL, false
		}
	case *ItemIssueStateData:
		n = d.Number
		set = func(it *ActionItem) {
			if it.Tracked != nil {
				t := *it.Tracked
				t.State = d.State
				it.Tracked = &t
			}
		}
	default:
		return
	}
	items := append([]ActionItem(nil), inc.ActionItems...)
	for i := range items {
		if items[i].Number == n {
			set(&items[i])
		}
	}
	inc.ActionItems = items
}

// ValidGitHubLogin reports whether s can be a GitHub login: letters,
// digits and single inner hyphens, 1 to 39 characters.
func ValidGitHubLogin(s string) bool {
	if s == "" || len(s) > 39 || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// trackerReadiness reports a configured tracker whose token variable is
// empty in the server's environment: every push would fail.
func (p *Policy) trackerReadiness(setup *DeliverySetup) []ReadinessProblem {
	tp := p.Reviews.ActionItems.Tracker
	if tp == nil || setup == nil || setup.Env == nil || setup.Env(tp.Token()) != "" {
		return nil
	}
	fix := "set " + tp.Token() + " to a GitHub token that may write issues in " + tp.Repo
	return []ReadinessProblem{{Kind: "config", Fix: fix,
		Message: "action items cannot be pushed to GitHub " + tp.Repo + ": " + tp.Token() + " is empty: " + fix}}
}

// IssueSeen is an issue as the tracker answered: its number, page, state,
// and who closed it (when closed).
type IssueSeen struct {
	Number int64
	URL    string
	State  string
	Login  string
}

// TrackerService pushes action items to the tracker and takes its news.
type TrackerService interface {
	// PushActionItem asks for a visible item to be pushed; the
	// push job creates the issue. ENotFound when the caller cannot see
	// it; EConflict when no tracker is configured, it is already
	// tracked, or its incident is restricted and the policy refuses.
	PushActionItem(ctx context.Context, item string) (*Incident, error)
	// IssueChanged applies an issue's state seen at the tracker (a
	// webhook: open or closed, by login) to the item tracked in it;
	// nothing when none is or nothing changed.
	IssueChanged(ctx context.Context, repo string, issue int64, state, login string) error
}
