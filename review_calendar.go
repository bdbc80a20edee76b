package fireline

import (
	"slices"
	"time"
)

// The review meeting's calendar life after its first invitation (RFC
// 5546): a participant dropped on rescheduling is sent a CANCEL, and so
// is everyone when the meeting is cancelled altogether. Every message of
// one review's meeting shares its UID; each change bumps the SEQUENCE,
// so that calendars apply them in order whatever order they arrive in.

// ReviewUnscheduledData cancels the meeting: a CANCEL to its participants
// with the sequence after the last sent.
type ReviewUnscheduledData struct {
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Sequence     int       `json:"sequence"`
	Participants []string  `json:"participants"`
	By           string    `json:"by"`
}

// EventReviewUnscheduled is the event of a review meeting cancelled.
const EventReviewUnscheduled EventType = "review_unscheduled"

// ActUnscheduleReview cancels the review meeting.
const ActUnscheduleReview ActionKind = "unschedule_review"

// stepReviewCancel is the step of a meeting's cancellation sent to one
// person, apart from its invitations in keys and message ids.
const stepReviewCancel = 4500

// nextSequence is the SEQUENCE of the meeting's next message: 0 for the
// first invitation, then one more than the last sent, cancelled or not.
func (r *Review) nextSequence() int {
	seq := -1
	if r.Meeting != nil {
		seq = r.Meeting.Sequence
	}
	if r.Cancelled != nil {
		seq = max(seq, r.Cancelled.Sequence)
	}
	return seq + 1
}

// meetingParticipants are whom a scheduling invites: the default
// participants and those named, less those dropped now or before (unless
// named again); and who is left out from the last invitation, to be sent
// a CANCEL. Drop names people neither invited nor by default are refused.
func (p *Policy) meetingParticipants(inc *Incident, in ReviewInput) (invited, excluded, cancelled []string, fe []FieldError) {
	excluded = slices.Clone(inc.Review.Dropped)
	for _, id := range in.Drop {
		if _, ok := p.Person(id); !ok {
			fe = append(fe, FieldError{"drop", "no person " + quote(id) + " in the policy's directory"})
		} else if !slices.Contains(excluded, id) {
			excluded = append(excluded, id)
		}
	}
	excluded = slices.DeleteFunc(excluded, func(id string) bool { return slices.Contains(in.Participants, id) })
	for _, id := range append(p.DefaultParticipants(inc, in.Actors), in.Participants...) {
		if _, ok := p.Person(id); !ok {
			fe = append(fe, FieldError{"participants", "no person " + quote(id) + " in the policy's directory"})
		} else if !slices.Contains(invited, id) && !slices.Contains(excluded, id) {
			invited = append(invited, id)
		}
	}
	if inc.Review.Meeting != nil {
		for _, id := range inc.Review.Participants {
			if !slices.Contains(invited, id) {
				cancelled = append(cancelled, id)
			}
		}
	}
	return invited, excluded, cancelled, fe
}

func (inc *Incident) unscheduleReview(by string) ([]Change, error) {
	m := inc.Review.Meeting
	if m == nil {
		return nil, Errorf(EConflict, "the review meeting of %s is not scheduled", inc.ID)
	}
	return []Change{{EventReviewUnscheduled, &ReviewUnscheduledData{Start: m.Start, End: m.End, Sequence: inc.Review.nextSequence(),
		Participants: slices.Clone(inc.Review.Participants), By: by}}}, nil
}

// applyUnscheduled keeps the cancelled meeting (for the next sequence)
// and leaves the review without one.
func (r *Review) applyUnscheduled(d *ReviewUnscheduledData) {
	r.Cancelled = &ReviewMeeting{Start: d.Start.UTC(), End: d.End.UTC(), Sequence: d.Sequence, ScheduledBy: d.By}
	r.Meeting, r.Participants = nil, nil
}

// planCancels is one CANCEL delivery per person, by email, carrying the
// meeting as cancelled so that it is sent as it was even if the meeting
// changes again meanwhile.
func (p *Policy) planCancels(inc *Incident, seq int64, m ReviewMeeting, people []string, now time.Time) []Job {
	var jobs []Job
	for _, person := range people {
		jobs = append(jobs, p.reviewDelivery(inc, DeliveryJob{Incident: inc.Number, Epoch: seq, Step: stepReviewCancel, Notify: true,
			Review: true, Invite: true, Cancel: &m, Recipient: Recipient{Person: person},
			StepName: "post-incident review meeting cancelled for you (" + m.Start.Format(time.RFC3339) + ")",
			Until:    now.Add(p.Delivery.Retry())}, now))
	}
	return jobs
}

// staleCancel reports whether a CANCEL is no longer wanted: its person
// was invited again since, with a later sequence.
func (a DeliveryJob) staleCancel(inc *Incident) bool {
	r := inc.Review
	return r != nil && r.Meeting != nil && r.Meeting.Sequence > a.Cancel.Sequence && slices.Contains(r.Participants, a.Recipient.Person)
}
