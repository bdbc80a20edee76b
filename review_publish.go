package fireline

import (
	"slices"
	"strings"
	"time"
)

// The public postmortem (docs/adr/0066): once a review is approved, its
// owner, the incident commander or an admin may publish a short account
// on the public status page of an incident that page shows. What goes out
// is chosen for customers, and fixed on the timeline when published: a
// summary the publisher wrote or accepted (by default the document's
// public summary, else its summary and impact) and the titles of the fix
// and monitoring action items, never their owners, never anyone's name,
// never the 5 Whys, failures or the internal timeline.

// ReviewPublication is the public postmortem as published.
type ReviewPublication struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Summary string    `json:"summary"`
	// Changes are the titles of the fix and monitoring action items, as
	// they were when published.
	Changes []string `json:"changes,omitempty"`
}

// ReviewPublishedData publishes the postmortem, or takes it down.
type ReviewPublishedData struct {
	Summary     string   `json:"summary,omitempty"`
	Changes     []string `json:"changes,omitempty"`
	By          string   `json:"by"`
	Unpublished bool     `json:"unpublished,omitempty"`
}

// EventReviewPublished is the event of a postmortem published or taken
// down.
const EventReviewPublished EventType = "review_published"

// ActPublishReview publishes the postmortem (ReviewInput.Unpublish takes
// it down).
const ActPublishReview ActionKind = "publish_review"

func (r *Review) applyPublished(at time.Time, d *ReviewPublishedData) {
	if d.Unpublished {
		r.Published = nil
		return
	}
	r.Published = &ReviewPublication{At: at, By: d.By, Summary: d.Summary, Changes: slices.Clone(d.Changes)}
}

// publishReview decides a publication: refused (409) before approval,
// for a restricted incident and for one the public page does not show
// (no published update), then (403) for anyone who may not approve; the
// summary must name nobody of the directory.
func (inc *Incident) publishReview(p *Policy, in ReviewInput, by string, admin bool) ([]Change, error) {
	r := inc.Review
	if err := inc.canPublish(by, admin); err != nil {
		return nil, err
	}
	if in.Unpublish {
		if r.Published == nil {
			return nil, Errorf(EConflict, "the postmortem of %s is not published", inc.ID)
		}
		return []Change{{EventReviewPublished, &ReviewPublishedData{By: by, Unpublished: true}}}, nil
	}
	summary := strings.TrimSpace(r.Doc.defaultPublicSummary())
	if in.PublicSummary != nil {
		summary = strings.TrimSpace(*in.PublicSummary)
	}
	if fe := p.checkPublicText(summary); len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid public postmortem", Fields: fe}
	}
	changes := p.publicChanges(inc)
	if pub := r.Published; pub != nil && pub.Summary == summary && slices.Equal(pub.Changes, changes) {
		return nil, Errorf(EConflict, "the postmortem of %s is already published as it reads", inc.ID)
	}
	return []Change{{EventReviewPublished, &ReviewPublishedData{Summary: summary, Changes: changes, By: by}}}, nil
}

func (inc *Incident) canPublish(by string, admin bool) error {
	r := inc.Review
	switch {
	case !r.Opened():
		return Errorf(EConflict, "%s has no review to publish", inc.ID)
	case r.Status != ReviewApproved:
		return Errorf(EConflict, "the review of %s is not approved: a postmortem is published only after approval", inc.ID)
	case inc.Restricted:
		return Errorf(EConflict, "%s is restricted: its postmortem never goes public", inc.ID)
	case len(inc.Comms.Published()) == 0:
		return Errorf(EConflict, "%s is not on the public status page (no public update was published): it has no public postmortem", inc.ID)
	case by != r.Owner && !inc.holds(RoleIncidentCommander, by) && !admin:
		return Errorf(EForbidden, "only the review's owner (%s), the incident commander or an admin may publish the postmortem of %s", orNobody(r.Owner), inc.ID)
	}
	return nil
}

// defaultPublicSummary is the document's public summary, else its summary
// and impact.
func (d ReviewDoc) defaultPublicSummary() string {
	if d.PublicSummary != "" {
		return d.PublicSummary
	}
	return strings.TrimSpace(d.Summary + "\n\n" + d.Impact)
}

// checkPublicText refuses an empty or overlong public summary, or one
// that names a person of the directory.
func (p *Policy) checkPublicText(text string) []FieldError {
	if text == "" {
		return []FieldError{{"public_summary", "required: the review has no summary or impact to publish; write the public summary"}}
	}
	if fe := checkText(nil, "public_summary", text, 1, MaxText); len(fe) > 0 {
		return fe
	}
	if who := namedPerson(p, strings.ToLower(text)); who != "" {
		return []FieldError{{"public_summary", "names " + who + ": a public postmortem names nobody"}}
	}
	return nil
}

// publicChanges are the titles customers may read: the fix and monitoring
// action items', less any that names a person.
func (p *Policy) publicChanges(inc *Incident) []string {
	var out []string
	for _, it := range inc.ActionItems {
		if (it.Kind == KindFix || it.Kind == KindMonitoring) && namedPerson(p, strings.ToLower(it.Title)) == "" {
			out = append(out, it.Title)
		}
	}
	return out
}
