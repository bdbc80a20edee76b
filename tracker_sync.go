package fireline

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Tracker job kinds (engine/tracker.go): create an item's issue, bring
// the issue's state to the item's (closing here closes there), and read
// an open issue back where webhooks cannot arrive.
const (
	JobTrackerPush  = "tracker.push"
	JobTrackerState = "tracker.state"
	JobTrackerPoll  = "tracker.poll"
)

// TrackerJob is a tracker job's arguments.
type TrackerJob struct {
	Incident int64 `json:"incident"`
	Item     int64 `json:"item"`
}

// pushable says why an item cannot be pushed (nil when it can).
func (p *Policy) pushable(inc *Incident, it *ActionItem) error {
	tp := p.Reviews.ActionItems.Tracker
	switch {
	case tp == nil:
		return Errorf(EConflict, "no tracker is configured: set reviews.action_items.tracker in the policy")
	case it.Tracked != nil:
		return Errorf(EConflict, "%s is already tracked in %s", it.ID, it.Tracked.URL)
	case inc.Restricted && tp.Restricted != TrackerRestrictedAllow:
		return Errorf(EConflict, "%s belongs to restricted incident %s: its title would leave Fireline; the policy's reviews.action_items.tracker.restricted must be allow to push it", it.ID, inc.ID)
	}
	return nil
}

// pushItem is the push action: the request recorded, the job planned.
func (inc *Incident) pushItem(p *Policy, n int64, by string) ([]Change, error) {
	it := inc.ActionItem(n)
	if it == nil {
		return nil, Errorf(ENotFound, "%s has no action item %s", inc.ID, ActionItemID(n))
	}
	if err := p.pushable(inc, it); err != nil {
		return nil, err
	}
	return []Change{{EventItemPushRequested, &ItemPushRequestedData{Number: n, By: by}}}, nil
}

// trackItem records the issue the engine created for an item.
func (inc *Incident) trackItem(in IssueInput) ([]Change, error) {
	it := inc.ActionItem(in.Item)
	switch {
	case it == nil:
		return nil, Errorf(ENotFound, "%s has no action item %s", inc.ID, ActionItemID(in.Item))
	case it.Tracked != nil:
		return nil, Errorf(EConflict, "%s is already tracked in %s", it.ID, it.Tracked.URL)
	case in.Number <= 0 || in.URL == "" || in.Repo == "":
		return nil, Errorf(EInvalid, "an issue needs its repository, number and URL")
	}
	return []Change{{EventItemTracked, &ItemTrackedData{Number: it.Number, Repo: in.Repo, Issue: in.Number, URL: in.URL}}}, nil
}

// SyncIssue is what an issue's state seen at the tracker asks of its
// item: nothing when the state is the one last known (nothing changed
// there, or Fireline's own change is still on its way); else the state
// recorded, and the item closed or reopened to match when it does not
// already (a change made there). So a change made here and reported back
// is never applied twice, and the two sides never chase each other.
//
// Own says the state is Fireline's own change landing (the state job's
// answer): it is recorded, and never moves the item, which may have moved
// again meanwhile (the next state job brings the issue along).
func SyncIssue(it *ActionItem, state, login string, own bool) []Change {
	if it == nil || it.Tracked == nil || (state != IssueOpen && state != IssueClosed) || state == it.Tracked.State {
		return nil
	}
	by := "github"
	if login != "" {
		by += ":" + login
	}
	changes := []Change{{EventItemIssueState, &ItemIssueStateData{Number: it.Number, Issue: it.Tracked.Number, State: state, By: login}}}
	if own || issueState(it.Status) == state {
		return changes
	}
	d := &ActionItemUpdatedData{Number: it.Number, Status: ItemDone, By: by,
		Note: fmt.Sprintf("issue #%d closed on GitHub", it.Tracked.Number)}
	if state == IssueOpen {
		d.Status, d.Note = ItemOpen, fmt.Sprintf("issue #%d reopened on GitHub", it.Tracked.Number)
	}
	if login != "" {
		d.Note += " by " + login
	}
	return append(changes, Change{EventActionItemUpdated, d})
}

func (inc *Incident) syncItem(in IssueInput) ([]Change, error) {
	it := inc.ActionItem(in.Item)
	if it == nil {
		return nil, Errorf(ENotFound, "%s has no action item %s", inc.ID, ActionItemID(in.Item))
	}
	changes := SyncIssue(it, in.State, in.Login, in.Own)
	if len(changes) == 0 {
		return nil, Errorf(EConflict, "%s: the issue's state %s changes nothing", it.ID, quote(in.State))
	}
	return changes, nil
}

func (inc *Incident) decideTracker(p *Policy, a Action) ([]Change, error) {
	in := IssueInput{}
	if a.Issue != nil {
		in = *a.Issue
	}
	switch a.Kind {
	case ActPushActionItem:
		return inc.pushItem(p, in.Item, a.By)
	case ActTrackActionItem:
		return inc.trackItem(in)
	case ActTrackerFailed:
		if inc.ActionItem(in.Item) == nil {
			return nil, Errorf(ENotFound, "%s has no action item %s", inc.ID, ActionItemID(in.Item))
		}
		return []Change{{EventItemTrackerFailed, &ItemTrackerFailedData{Number: in.Item, Job: in.Job, Error: truncateRunes(in.Error, MaxReason)}}}, nil
	}
	return inc.syncItem(in)
}

// planTracker is the tracker work of an item's change: a push asked for
// (or a new item when push is auto) pushes; a tracked issue is polled; an
// item closed or reopened here brings its issue along.
func (p *Policy) planTracker(inc *Incident, seq int64, c Change, now time.Time) []Job {
	tp := p.Reviews.ActionItems.Tracker
	if tp == nil {
		return nil
	}
	job := func(kind, key string, n int64, at time.Time) []Job {
		return []Job{{Kind: kind, Key: key, Group: ReviewGroup(inc.Number), RunAt: at, MaxAttempts: trackerMaxAttempts,
			Args: TrackerJob{Incident: inc.Number, Item: n}}}
	}
	switch d := c.Data.(type) {
	case *ActionItemAddedData:
		if it := inc.ActionItem(d.Item.Number); tp.Push == TrackerPushAuto && it != nil && p.pushable(inc, it) == nil {
			return job(JobTrackerPush, fmt.Sprintf("tracker:push:%d", it.Number), it.Number, now)
		}
	case *ItemPushRequestedData:
		return job(JobTrackerPush, fmt.Sprintf("tracker:push:%d", d.Number), d.Number, now)
	case *ItemTrackedData:
		return job(JobTrackerPoll, fmt.Sprintf("tracker:poll:%d", d.Number), d.Number, now.Add(tp.Poll()))
	case *ItemIssueStateData:
		if d.State == IssueOpen {
			return job(JobTrackerPoll, fmt.Sprintf("tracker:poll:%d", d.Number), d.Number, now.Add(tp.Poll()))
		}
	case *ActionItemUpdatedData:
		if it := inc.ActionItem(d.Number); d.Status != "" && it != nil && p.IssueBehind(it) {
			return job(JobTrackerState, fmt.Sprintf("tracker:state:%d:%d", d.Number, seq), d.Number, now)
		}
	}
	return nil
}

// IssueBehind reports whether an item's issue is not yet in the state the
// item asks for: the state job has a call to make.
func (p *Policy) IssueBehind(it *ActionItem) bool {
	return it.Tracked != nil && issueState(it.Status) != it.Tracked.State
}

// WantedIssueState is the state an item asks its issue to be in.
func WantedIssueState(it *ActionItem) string { return issueState(it.Status) }

// IssueRequest is the issue an item is pushed as.
type IssueRequest struct {
	Title     string
	Body      string
	Labels    []string
	Assignees []string
}

// IssueFor writes the issue an item is pushed as: its title, a body
// linking back to the incident and its review in the console, the
// policy's labels, and the owner assigned when the directory knows their
// GitHub login (else named in the body).
func (p *Policy) IssueFor(inc *Incident, it *ActionItem, baseURL string) IssueRequest {
	base := strings.TrimRight(baseURL, "/")
	owner := it.Owner
	var assignees []string
	if per, ok := p.Person(it.Owner); ok {
		owner = per.Name + " (" + per.ID + ")"
		if per.GitHub != "" {
			assignees = []string{per.GitHub}
			owner += " @" + per.GitHub
		}
	}
	title := inc.Title
	if inc.Restricted {
		title = restrictedTitle
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Action item %s (%s) from incident [%s](%s/incidents/%s): %s\n\n", it.ID, it.Kind, inc.ID, base, inc.ID, title)
	fmt.Fprintf(&b, "- Owner: %s\n- Deadline: %s\n", owner, it.Deadline.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- Review: %s/incidents/%s/review\n\n", base, inc.ID)
	b.WriteString("Closing this issue closes the action item in Fireline, and closing the item there closes this issue.\n")
	b.WriteString("\n" + IssueMarker(inc, it, baseURL) + "\n")
	var labels []string
	if tp := p.Reviews.ActionItems.Tracker; tp != nil {
		labels = slices.Clone(tp.Labels)
	}
	return IssueRequest{Title: it.Title, Body: b.String(), Labels: labels, Assignees: assignees}
}

// IssueMarker is the hidden line an item's issue carries (an HTML
// comment, not rendered): a push retried after GitHub created the issue
// but its answer was lost finds the issue by it instead of creating a
// second one, GitHub having no idempotency key.
func IssueMarker(inc *Incident, it *ActionItem, baseURL string) string {
	return "<!-- fireline-item: " + strings.TrimRight(baseURL, "/") + "/incidents/" + inc.ID + "#" + it.ID + " -->"
}
