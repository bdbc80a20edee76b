package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// IssueTracker is what the tracker jobs need of the tracker;
// tracker/github's Client provides it.
type IssueTracker interface {
	CreateIssue(ctx context.Context, repo string, in fireline.IssueRequest) (fireline.IssueSeen, error)
	FindIssue(ctx context.Context, repo, marker string, since time.Time) (fireline.IssueSeen, bool, error)
	GetIssue(ctx context.Context, repo string, n int64) (fireline.IssueSeen, error)
	SetState(ctx context.Context, repo string, n int64, state string) (fireline.IssueSeen, error)
}

// TrackerTx is an IncidentTx that acts on its incident as a person would
// (the domain's Do, recorded, its work planned): what the tracker's
// answers become.
type TrackerTx interface {
	IncidentTx
	Act(ctx context.Context, actor fireline.Actor, a fireline.Action) error
}

// Tracker runs the tracker jobs (fireline.JobTrackerPush, ...): one call
// to the tracker outside any transaction, then its answer acted on in
// one, so that a slow tracker never holds an incident's lock.
type Tracker struct {
	Engine *Engine
	// API is nil when the server has no token: the jobs fail saying so.
	API IssueTracker
	// TokenEnv names the variable the token was to come from.
	TokenEnv string
}

// Register installs the tracker jobs' handlers.
func (t *Tracker) Register(r *jobs.Runner) {
	r.Handle(fireline.JobTrackerPush, t.push)
	r.Handle(fireline.JobTrackerState, t.state)
	r.Handle(fireline.JobTrackerPoll, t.poll)
}

// item reads the job's item, nil when it is gone or the tracker is.
func (t *Tracker) item(ctx context.Context, j *jobs.Job) (*fireline.Incident, *fireline.ActionItem, *fireline.TrackerPolicy, error) {
	var a fireline.TrackerJob
	if err := j.Decode(&a); err != nil {
		return nil, nil, nil, jobs.Permanent(err)
	}
	tp := t.Engine.Policy.Reviews.ActionItems.Tracker
	inc, err := t.Engine.Store.Incident(ctx, a.Incident)
	if fireline.ErrorCode(err) == fireline.ENotFound || tp == nil {
		return nil, nil, nil, nil
	} else if err != nil {
		return nil, nil, nil, err
	}
	it := inc.ActionItem(a.Item)
	if t.API == nil && it != nil {
		return nil, nil, nil, t.failed(ctx, j, inc.Number, it.Number, &noToken{t.TokenEnv})
	}
	return inc, it, tp, nil
}

// noToken is the tracker jobs' failure when the server has no token.
type noToken struct{ env string }

func (e *noToken) Error() string {
	return "no GitHub token: " + e.env + " is empty in the server's environment"
}
func (e *noToken) Retryable() bool           { return false }
func (e *noToken) RetryAfter() time.Duration { return 0 }

// failed turns a call's failure into the job's outcome: one not worth
// retrying, or on the job's last attempt, is recorded on the item's
// timeline (action_item_tracker_failed, which ends "pushing") and
// finishes the job; any other is retried by the runner. nil once the
// job is finished.
func (t *Tracker) failed(ctx context.Context, j *jobs.Job, n, item int64, err error) error {
	wait, final := classify(err)
	if !final && j.Attempts < j.MaxAttempts {
		if wait > 0 {
			return &jobs.RetryError{Err: err, After: wait}
		}
		return err
	}
	in := &fireline.IssueInput{Item: item, Job: strings.TrimPrefix(j.Kind, "tracker."), Error: err.Error()}
	return t.act(ctx, j, n, fireline.Action{Kind: fireline.ActTrackerFailed, Issue: in})
}

// push creates the item's issue and records it (action_item_tracked).
func (t *Tracker) push(ctx context.Context, j *jobs.Job) error {
	inc, it, tp, err := t.item(ctx, j)
	if err != nil || it == nil || it.Tracked != nil {
		return err
	}
	seen, err := t.createOnce(ctx, j, inc, it, tp)
	if err != nil {
		return t.failed(ctx, j, inc.Number, it.Number, err)
	}
	in := &fireline.IssueInput{Item: it.Number, Repo: tp.Repo, Number: seen.Number, URL: seen.URL}
	return t.act(ctx, j, inc.Number, fireline.Action{Kind: fireline.ActTrackActionItem, Issue: in})
}

// createOnce creates the item's issue. A retry first looks for one an
// earlier attempt created (GitHub may create it and the answer be lost:
// a timeout, a crash before the commit), by the marker its body carries.
func (t *Tracker) createOnce(ctx context.Context, j *jobs.Job, inc *fireline.Incident, it *fireline.ActionItem, tp *fireline.TrackerPolicy) (fireline.IssueSeen, error) {
	if j.Attempts > 1 {
		marker := fireline.IssueMarker(inc, it, t.Engine.BaseURL)
		seen, found, err := t.API.FindIssue(ctx, tp.Repo, marker, it.CreatedAt)
		if err != nil || found {
			return seen, err
		}
	}
	return t.API.CreateIssue(ctx, tp.Repo, t.Engine.Policy.IssueFor(inc, it, t.Engine.BaseURL))
}

// state brings the issue to the state its item asks for (closing here
// closes there), then records the state it landed in.
func (t *Tracker) state(ctx context.Context, j *jobs.Job) error {
	inc, it, _, err := t.item(ctx, j)
	if err != nil || it == nil || !t.Engine.Policy.IssueBehind(it) {
		return err
	}
	seen, err := t.API.SetState(ctx, it.Tracked.Repo, it.Tracked.Number, fireline.WantedIssueState(it))
	if err != nil {
		return t.failed(ctx, j, inc.Number, it.Number, err)
	}
	in := &fireline.IssueInput{Item: it.Number, State: seen.State, Own: true}
	return t.act(ctx, j, inc.Number, fireline.Action{Kind: fireline.ActSyncActionItem, Issue: in})
}

// poll reads an open tracked issue back, for installations webhooks
// cannot reach: a change made there is applied here; then it waits for
// the next poll while the issue stays open.
func (t *Tracker) poll(ctx context.Context, j *jobs.Job) error {
	inc, it, tp, err := t.item(ctx, j)
	if err != nil || it == nil || it.Tracked == nil || it.Tracked.State != fireline.IssueOpen {
		return err
	}
	seen, err := t.API.GetIssue(ctx, it.Tracked.Repo, it.Tracked.Number)
	if err != nil {
		return t.failed(ctx, j, inc.Number, it.Number, err)
	}
	return t.Engine.Store.IncidentTx(ctx, inc.Number, func(tx IncidentTx, inc *fireline.Incident) error {
		it := inc.ActionItem(it.Number)
		if len(fireline.SyncIssue(it, seen.State, seen.Login, false)) > 0 {
			in := &fireline.IssueInput{Item: it.Number, State: seen.State, Login: seen.Login}
			if err := tx.(TrackerTx).Act(ctx, fireline.TrackerActor, fireline.Action{Kind: fireline.ActSyncActionItem, Issue: in}); err != nil {
				return err
			}
			it = inc.ActionItem(it.Number)
		}
		if it == nil || it.Tracked == nil || it.Tracked.State != fireline.IssueOpen {
			return tx.Complete(ctx, j)
		}
		return tx.Reschedule(ctx, j, tx.Now().Add(tp.Poll()), "", nil, true)
	})
}

// act records the tracker's answer and finishes the job; an answer the
// incident no longer needs (a conflict: already tracked, nothing to sync)
// just finishes it.
func (t *Tracker) act(ctx context.Context, j *jobs.Job, n int64, a fireline.Action) error {
	err := t.Engine.Store.IncidentTx(ctx, n, func(tx IncidentTx, _ *fireline.Incident) error {
		if err := tx.(TrackerTx).Act(ctx, fireline.TrackerActor, a); err != nil {
			return err
		}
		return tx.Complete(ctx, j)
	})
	if fireline.ErrorCode(err) == fireline.EConflict {
		return nil
	}
	return err
}

// classify reads the tracker's refusal: a rate limit waits as long as
// asked; a refusal that will not change (a bad token, an unknown
// repository, a refused issue) is final; anything else (the network,
// GitHub's own failure) is retried with backoff.
func classify(err error) (wait time.Duration, final bool) {
	var te interface {
		Retryable() bool
		RetryAfter() time.Duration
	}
	if !errors.As(err, &te) {
		return 0, false
	}
	return te.RetryAfter(), te.RetryAfter() == 0 && !te.Retryable()
}
