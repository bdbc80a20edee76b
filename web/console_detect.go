package web

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/fireline-dev/fireline"
)

// The incident page's views of detection and paging: the alerts attached
// to the incident as they stand now (from the alert service, under its
// visibility rule), the escalation steps that ran and each page's delivery
// (from the paging events on the timeline), and the dashboard's on-call.

// maxIncidentAlerts caps the alerts listed on an incident page; the
// alerts API pages through the rest.
const maxIncidentAlerts = 100

// incidentAlerts lists the alerts attached to incident id, newest first,
// and whether there are more than shown. The alert service shows an
// alert only to who may see its incident.
func (h *handler) incidentAlerts(ctx context.Context, id string) ([]*fireline.Alert, bool, error) {
	if h.cfg.Alerts == nil {
		return nil, false, nil
	}
	page, err := h.cfg.Alerts.FindAlerts(ctx, fireline.AlertFilter{Incident: id, Limit: maxIncidentAlerts})
	if err != nil {
		return nil, false, err
	}
	return page.Alerts, page.NextCursor != "", nil
}

// stepView is one escalation step as it ran: whom it paged (or told,
// once acknowledged), and who asked for it, if a person did.
type stepView struct {
	At      time.Time
	Name    string
	Outcome string // "Paged ...", "Told ...", or why it reached no one
	By      string
}

// deliveryView is one page to one recipient by one contact method: its
// attempts so far and how the last one went.
type deliveryView struct {
	Recipient fireline.Recipient
	Method    fireline.ContactMethodType
	Attempts  int
	First     time.Time
	Last      time.Time
	// State is delivered, retrying (a failed attempt that will be
	// retried), fell_back (gave up on this method for the next one; the
	// next delivery row continues) or failed (no more attempts).
	State     string
	LastError string
}

// pagingView reads the paging events of a timeline (oldest first) into
// the steps that ran and the deliveries, both in the order they began.
// Retries of one page on one method share a message id, so they are one
// delivery, across the rounds over a person's methods too.
//
// A delivery has failed when its last attempt gave up (GaveUp). Attempts
// recorded before deliveries went round a person's methods again carry
// no GaveUp: there, a final failure with no other method after it gave
// up. Such timelines are told apart by the legacy Escalation mark of
// their escalation steps. A delivery of an incident no longer open that
// got no further will not be retried either way (resolving cancels its
// next round): it failed.
func pagingView(p *fireline.Policy, events []*fireline.Event, open bool) (steps []stepView, deliveries []*deliveryView) {
	byMessage := map[string]*deliveryView{}
	final := "retrying" // what a final failure that nothing followed yet means
	if !open || slices.ContainsFunc(events, legacyStep) {
		final = "failed"
	}
	for _, e := range events {
		switch e.Type {
		case fireline.EventEscalationStep:
			var d fireline.EscalationStepData
			if json.Unmarshal(e.Data, &d) == nil {
				steps = append(steps, stepView{At: e.At, Name: d.Name, Outcome: stepOutcome(d.Skipped, d.Notify, d.Recipients, p), By: d.By})
			}
		case fireline.EventPageSent, fireline.EventPageFailed:
			var d fireline.PageAttemptData
			if json.Unmarshal(e.Data, &d) != nil || d.Test {
				continue
			}
			key := d.MessageID + "/" + d.Recipient.Key() + "/" + string(d.Method)
			dv := byMessage[key]
			if dv == nil || d.MessageID == "" {
				dv = &deliveryView{Recipient: d.Recipient, Method: d.Method, First: e.At}
				byMessage[key] = dv
				deliveries = append(deliveries, dv)
			}
			dv.Attempts++
			dv.Last = e.At
			dv.State, dv.LastError = attemptState(events, e, d, final), d.Error
		}
	}
	return steps, deliveries
}

// legacyStep reports whether an event is an escalation step recorded
// before deliveries went round a person's methods again.
func legacyStep(e *fireline.Event) bool {
	var d fireline.EscalationStepData
	return e.Type == fireline.EventEscalationStep && json.Unmarshal(e.Data, &d) == nil && d.Escalation
}

// attemptState is a delivery's state after an attempt: delivered,
// retrying (this method again, or all of them in a new round), fell_back
// (the next method followed) or failed (gave up); final is the state of
// a final failure that nothing followed yet.
func attemptState(events []*fireline.Event, e *fireline.Event, d fireline.PageAttemptData, final string) string {
	switch {
	case e.Type == fireline.EventPageSent:
		return "delivered"
	case d.GaveUp:
		return "failed"
	case !d.Final:
		return "retrying"
	case d.Method != "" && moreMethodsFollow(events, e, d):
		return "fell_back"
	}
	return final
}

// moreMethodsFollow reports whether a final failure on one method was
// followed by an attempt on another method for the same recipient (the
// engine falls back), as opposed to the last method giving up.
func moreMethodsFollow(events []*fireline.Event, after *fireline.Event, failed fireline.PageAttemptData) bool {
	for _, e := range events {
		if e.Seq <= after.Seq || (e.Type != fireline.EventPageSent && e.Type != fireline.EventPageFailed) {
			continue
		}
		var d fireline.PageAttemptData
		if json.Unmarshal(e.Data, &d) == nil && d.Recipient == failed.Recipient && d.Method != failed.Method && !d.Test {
			return true
		}
	}
	return false
}

// onCallView is the dashboard's "who is on call now": the primary and
// secondary of every schedule, or, without schedules, the guide's first
// escalation step.
type onCallView struct {
	Schedules []fireline.OnCallNow
	Steps     []fireline.EscalationStep
	Contact   *fireline.Contact
	Err       string
}

func (h *handler) onCallNow(ctx context.Context) onCallView {
	var v onCallView
	v.Contact, _ = h.cfg.Policy.Contact("engineering-on-call")
	if h.cfg.OnCall != nil && len(h.cfg.Policy.Schedules) > 0 {
		now, err := h.cfg.OnCall.WhoIsOnCall(ctx, h.now())
		if err == nil {
			v.Schedules = now
			return v
		}
		v.Err = fireline.ErrorMessage(err)
	}
	if c, ok := h.cfg.Policy.Chain("technical"); ok && len(c.Steps) > 0 {
		v.Steps = c.Steps[:1]
	}
	return v
}
