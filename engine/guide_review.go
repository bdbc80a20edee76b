package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
)

// KindGuideReview is the daily job that reminds the guide's review owner
// before the review falls due and tells them when it is overdue
// (fireline.GuideReviewNotice), by email.
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
	if !ok || !found || owner.Email == "" {
		return nil
	}
	ch := e.Channels[fireline.MethodEmail]
	if ch == nil {
		e.log().Warn("the guide's review notice needs the SMTP relay (--smtp-host)", "kind", kind)
		return nil
	}
	headline := fmt.Sprintf("The incident response guide's review is due on %s", due)
	if kind == "overdue" {
		headline = fmt.Sprintf("The incident response guide's review is overdue (due %s)", due)
	}
	msg := &notify.Message{Type: notify.TypeGuideReview, At: e.Now().UTC(), ID: fmt.Sprintf("guide-review-%s-%s-%s", due, kind, today),
		Headline: headline, Body: headline + ".\n\nThe agenda, the quarter's facts: " + e.BaseURL + "/guide#guide-review\n" +
			"Record it with: fireline policy review --note \"...\"\n"}
	if err := ch.Send(ctx, msg, fireline.ContactMethod{Type: fireline.MethodEmail, To: owner.Email}); err != nil {
		if ok, _ := notify.Retryable(err); !ok {
			e.log().Warn("the guide's review notice failed", "err", err)
			return nil
		}
		return err
	}
	return nil
}
