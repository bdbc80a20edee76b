package engine

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
	"github.com/fireline-dev/fireline/notify"
)

// ClockPublicUpdate names the public update cadence among the clocks in
// /metrics.
const ClockPublicUpdate fireline.ClockName = "public_update"

// commsDue runs a public update deadline's job (fireline.CommsMark): at
// the reminder, an event and a notification to the liaison and the
// commander, then the job again at the deadline; at the deadline, the
// update recorded overdue and the chain's next step told. A deadline that
// is no longer the incident's (an update published, the incident
// resolved) ends the job with nothing recorded.
func (e *Engine) commsDue(ctx context.Context, j *jobs.Job) error {
	var a fireline.CommsJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	return e.Store.IncidentTx(ctx, a.Incident, func(tx IncidentTx, inc *fireline.Incident) error {
		now := tx.Now()
		overrides, err := tx.Overrides(ctx, now, now.Add(time.Microsecond))
		if err != nil {
			return err
		}
		c, work, next, ok := e.Policy.CommsMark(inc, a, now, overrides)
		if !ok {
			return tx.Complete(ctx, j)
		}
		if err := tx.Record(ctx, c); err != nil {
			return err
		}
		if err := tx.DoWork(ctx, work); err != nil {
			return err
		}
		// Counted with the other clocks: fireline_clock_marks_total{clock="public_update"}.
		e.Metrics.clockMarked(inc.Severity, ClockPublicUpdate, c.Type == fireline.EventUpdateOverdue)
		if c.Type == fireline.EventUpdateDueSoon {
			return tx.Reschedule(ctx, j, a.Due.Add(fireline.ClockTolerance), "", next, true)
		}
		return tx.Complete(ctx, j)
	})
}

// notice renders a stakeholder notice: its id the same for every retry
// and method of one notice to one recipient, a resolution notice
// answering the initial one (email threads it), the incident's impact and
// ETA only for those who may see a restricted incident's details.
func (e *Engine) notice(msg *notify.Message, a fireline.DeliveryJob, inc *fireline.Incident) {
	msg.Type, msg.Notice, msg.Step = notify.TypeStakeholder, a.Notice, ""
	switch a.Notice {
	case fireline.NoticeInitial, fireline.NoticeResolution: // one of each per incident
		msg.ID = e.messageID("notice", a.Incident, a.Notice, a.Recipient.Key())
	default: // one per change: the event's sequence tells them apart
		msg.ID = e.messageID("notice", a.Incident, a.Notice, a.Epoch, a.Recipient.Key())
	}
	if a.Notice != fireline.NoticeInitial {
		msg.InReplyTo = e.messageID("notice", a.Incident, fireline.NoticeInitial, a.Recipient.Key())
	}
	if a.NoticeSeverity != "" {
		msg.Severity = string(a.NoticeSeverity)
	}
	if msg.Title != "" {
		msg.Impact, msg.ETA, msg.Stage = inc.Impact, inc.ETA, string(inc.Stage)
		if a.NoticeStage != "" {
			msg.Stage = string(a.NoticeStage)
		}
	}
}
