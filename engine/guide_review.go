package engine

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
)

// KindGuideReview is the daily job that reminds the guide's review owner
// before the review falls due and tells them when it is overdue
// (fireline.GuideReviewNotice), by email and, where Slack is connected,
// by a direct message in Slack.
const (
	KindGuideReview  = "guide.review"
	GuideReviewEvery = 24 * time.Hour
)

// GuideReviewStore is what the guide review's notices need of the
// database: the date the next review is due.
type GuideReviewStore interface {
	GuideReviewDue(ctx context.Context) (fireline.Date, error)
}

// guideReview sends today's notice, if any, and runs again in a day.
// Without a store (GuideReviews unset) it only reschedules itself.
func (e *Engine) guideReview(ctx context.Context, j *jobs.Job) error {
	if e.GuideReviews != nil {
		if err := e.guideReviewNotice(ctx); err != nil {
			return err
		}
	}
	return e.reschedule(ctx, j, KindGuideReview, GuideReviewEvery)
}

func (e *Engine) guideReviewNotice(ctx context.Context) error {
	due, err := e.GuideReviews.GuideReviewDue(ctx)
	if err != nil {
		return err
	}
	loc := e.Policy.Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	today := fireline.DateOf(e.Now().In(loc))
	kind, ok := fireline.GuideReviewNotice(due, today)
	owner, found := e.Policy.Person(e.Policy.Review.Owner)
	if !ok || !found {
		return nil
	}
	headline := fmt.Sprintf("The incident response guide's review is due on %s", due)
	if kind == "overdue" {
		headline = fmt.Sprintf("The incident response guide's review is overdue (due %s)", due)
	}
	msg := &notify.Message{Type: notify.TypeGuideReview, At: e.Now().UTC(), ID: fmt.Sprintf("guide-review-%s-%s-%s", due, kind, today),
		Headline: headline, Body: headline + ".\n\nThe agenda, the quarter's facts: " + e.BaseURL + "/guide#guide-review\n" +
			"Record it with: fireline policy review --note \"...\"\n"}
	return e.sendGuideNotice(ctx, msg, e.guideTargets(owner, kind))
}

// guideTarget is one way of telling the guide's review owner.
type guideTarget struct {
	channel notify.Channel
	method  fireline.ContactMethod
}

// guideTargets are the owner's email and, where Slack is connected, a
// direct message (their slack_id, else their email as Slack knows it).
func (e *Engine) guideTargets(owner *fireline.Person, kind string) []guideTarget {
	var out []guideTarget
	if ch := e.Channels[fireline.MethodEmail]; ch != nil && owner.Email != "" {
		out = append(out, guideTarget{ch, fireline.ContactMethod{Type: fireline.MethodEmail, To: owner.Email}})
	} else {
		e.log().Warn("the guide's review notice needs the SMTP relay (--smtp-host) and the owner's email", "kind", kind)
	}
	if ch := e.Channels[fireline.MethodSlack]; ch != nil {
		to := cmp.Or(owner.SlackID, owner.Email)
		out = append(out, guideTarget{ch, fireline.ContactMethod{Type: fireline.MethodSlack, To: to}})
	}
	return out
}

// sendGuideNotice sends msg to every target. The job is retried only
// when every target failed and one of them may succeed later: a retry
// after one went out would tell the owner twice there, and the next
// notice is days away anyway.
func (e *Engine) sendGuideNotice(ctx context.Context, msg *notify.Message, targets []guideTarget) error {
	var retry error
	sent := false
	for _, t := range targets {
		err := t.channel.Send(ctx, msg, t.method)
		if err == nil {
			sent = true
			continue
		}
		e.log().Warn("the guide's review notice failed", "method", t.method.Type, "err", err)
		if ok, _ := notify.Retryable(err); ok {
			retry = err
		}
	}
	if sent {
		return nil
	}
	return retry
}
