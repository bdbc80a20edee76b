package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// The review page's meeting cancellation and public postmortem forms.

// publishCard is what the approval card shows of the public postmortem:
// whether the user may publish, the summary to start from, and where the
// published postmortem is.
type publishCard struct {
	Can       bool
	Summary   string
	Published *fireline.ReviewPublication
	Link      string
}

// publishCard fills the card: the user may publish an approved review of
// an unrestricted incident if they could approve it.
func (h *handler) publishCard(r *http.Request, inc *fireline.Incident, rv fireline.Review) publishCard {
	c := publishCard{Published: rv.Published, Summary: rv.Doc.PublicSummary}
	if c.Summary == "" {
		c.Summary = rv.Doc.Summary
		if rv.Doc.Impact != "" {
			c.Summary += "\n\n" + rv.Doc.Impact
		}
	}
	if rv.Published != nil {
		c.Summary = rv.Published.Summary
		c.Link = h.statusBase(r) + "/status/incidents/" + publicID(h.cfg.Links.Key, "incident", strconv.FormatInt(inc.Number, 10)) + "/postmortem"
	}
	if u := userFrom(r.Context()); u != nil && rv.Status == fireline.ReviewApproved && !inc.Restricted {
		c.Can = u.PersonID == rv.Owner || inc.RoleHolder(fireline.RoleIncidentCommander) == u.PersonID || u.Role == fireline.RoleAdmin
	}
	return c
}

func (h *handler) formUnscheduleReview(w http.ResponseWriter, r *http.Request) {
	h.formReview(w, r, "meeting", fireline.Action{Kind: fireline.ActUnscheduleReview})
}

func (h *handler) formPublishReview(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	in := &fireline.ReviewInput{Unpublish: r.PostForm.Get("unpublish") != ""}
	if !in.Unpublish {
		s := r.PostForm.Get("public_summary")
		in.PublicSummary = &s
	}
	h.formReview(w, r, "approve", fireline.Action{Kind: fireline.ActPublishReview, Review: in})
}

// describeReviewMore words a meeting cancelled and a postmortem published
// for the timeline.
func describeReviewMore(v *eventView, data any, name func(string) string, at func(time.Time) string) {
	switch d := data.(type) {
	case *fireline.ReviewUnscheduledData:
		var people []string
		for _, id := range d.Participants {
			people = append(people, name(id))
		}
		v.What, v.Detail = "cancelled the review meeting of "+at(d.Start), "Cancelled for "+strings.Join(people, ", ")
	case *fireline.ReviewPublishedData:
		v.What, v.Detail = "published the postmortem on the public status page", d.Summary
		if d.Unpublished {
			v.What, v.Detail = "took the postmortem down from the public status page", ""
		}
	}
}
