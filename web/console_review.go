package web

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// reviewData is the review page: the draft, the whole timeline to star
// from, whom the forms may name, and what the user may do.
type reviewData struct {
	Inc     *fireline.Incident
	Draft   *fireline.ReviewDraft
	Events  []eventView
	Starred map[int64]bool
	// Whys are the 5 Whys form's rows: the chain as written and empty
	// rows up to three (or one more than written).
	Whys        []fireline.Why
	CanApprove  bool
	CanRequest  bool
	MeetingDate string // the schedule form's value, in the calendar's zone
	Doc         fireline.ReviewDoc
	BaseVersion int
	// Publish is the public postmortem's card (console_review_more.go).
	Publish publishCard
}

func (h *handler) reviewPage(w http.ResponseWriter, r *http.Request) {
	h.showReview(w, r, http.StatusOK, nil)
}

// showReview renders the review page, with a refused form's error.
func (h *handler) showReview(w http.ResponseWriter, r *http.Request, status int, fe *formError) {
	id := r.PathValue("id")
	if h.cfg.Reviews == nil {
		h.renderError(w, r, fireline.Errorf(fireline.EUnavailable, "reviews are not served here"))
		return
	}
	inc, err := h.cfg.Incidents.FindIncident(r.Context(), id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	draft, err := h.cfg.Reviews.Review(r.Context(), id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	events, err := h.cfg.Incidents.Timeline(r.Context(), id)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	d := reviewData{Inc: inc, Draft: draft, Starred: map[int64]bool{}, Doc: draft.Doc, BaseVersion: draft.Review.Version}
	for _, s := range draft.Review.Starred {
		d.Starred[s] = true
	}
	for _, e := range slices.Backward(events) {
		d.Events = append(d.Events, describe(e, h.cfg.Policy))
	}
	d.Whys = append(slices.Clone(draft.Doc.Whys), make([]fireline.Why, max(3-len(draft.Doc.Whys), 1))...)
	if u := userFrom(r.Context()); u != nil {
		rv := draft.Review
		d.CanApprove = rv.Status == fireline.ReviewOpen && (u.PersonID == rv.Owner || inc.RoleHolder(fireline.RoleIncidentCommander) == u.PersonID || u.Role == fireline.RoleAdmin)
		d.CanRequest = !rv.Opened() && rv.RequestedBy == "" && !h.cfg.Policy.ReviewWanted(inc)
	}
	d.Publish = h.publishCard(r, inc, draft.Review) // console_review_more.go
	if m := draft.Review.Meeting; m != nil {
		d.MeetingDate = m.Start.In(calendarLocation(h.cfg.Policy)).Format("2006-01-02T15:04")
	}
	h.render(w, r, status, "review", &page{Title: inc.ID + " review", Nav: "incidents",
		Live: "/live/incidents/" + url.PathEscape(inc.ID), Self: "/incidents/" + url.PathEscape(inc.ID) + "/review", Error: fe, Data: d})
}

// reviewMarkdown serves the review as Markdown.
func (h *handler) reviewMarkdown(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Reviews == nil {
		h.renderError(w, r, fireline.Errorf(fireline.EUnavailable, "reviews are not served here"))
		return
	}
	d, err := h.cfg.Reviews.Review(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+strings.ToLower(d.Incident)+`-review.md"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(h.cfg.Policy.Markdown(d)))
}

// reviewPrint serves the review as a print-ready page: no navigation, no
// forms, a print style sheet.
func (h *handler) reviewPrint(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Reviews == nil {
		h.renderError(w, r, fireline.Errorf(fireline.EUnavailable, "reviews are not served here"))
		return
	}
	d, err := h.cfg.Reviews.Review(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "review_print", &page{Title: d.Incident + " post-incident review", Data: d})
}

// actionItemsPage is the board of open action items: a summary by team
// (open and overdue), then cards by owner, team or age (?group=).
func (h *handler) actionItemsPage(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Reviews == nil {
		h.renderError(w, r, fireline.Errorf(fireline.EUnavailable, "reviews are not served here"))
		return
	}
	q := r.URL.Query()
	f := fireline.ActionItemFilter{Status: fireline.ItemOpen, Owner: q.Get("owner"), Overdue: q.Get("overdue") == "1", Team: q.Get("team")}
	items, err := h.cfg.Reviews.ActionItems(r.Context(), f)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	group := q.Get("group")
	if group != "team" && group != "age" {
		group = "owner"
	}
	now := h.now()
	h.render(w, r, http.StatusOK, "action_items", &page{Title: "Action items", Nav: "action-items", Live: "/live/dashboard", Self: "/action-items",
		Data: map[string]any{"Board": h.boardCards(items, group, now), "Summary": h.cfg.Policy.Board(items, now), "Filter": f, "Group": group, "Now": now}})
}

// boardCard is one card of the board: a group's items.
type boardCard struct {
	Key   string
	Items []fireline.ActionItem
}

// boardCards groups items into cards by owner (their people's order by
// id), team (an owner's item on each of their teams' cards) or age
// bucket, each card's items oldest first.
func (h *handler) boardCards(items []fireline.ActionItem, group string, now time.Time) []boardCard {
	slices.SortStableFunc(items, func(a, b fireline.ActionItem) int { return a.CreatedAt.Compare(b.CreatedAt) })
	keysOf := func(it fireline.ActionItem) []string { return []string{it.Owner} }
	var order []string
	switch group {
	case "team":
		keysOf = func(it fireline.ActionItem) []string { return h.cfg.Policy.OwnerTeams(it.Owner) }
		order = append(h.cfg.Policy.Teams(), fireline.NoTeam)
	case "age":
		keysOf = func(it fireline.ActionItem) []string { return []string{fireline.AgeBucket(it.CreatedAt, now)} }
		for _, b := range slices.Backward(fireline.ItemAgeBuckets) {
			order = append(order, b.Name) // oldest first
		}
	}
	cards := map[string]*boardCard{}
	for _, it := range items {
		for _, k := range keysOf(it) {
			if cards[k] == nil {
				cards[k] = &boardCard{Key: k}
			}
			cards[k].Items = append(cards[k].Items, it)
		}
	}
	if order == nil {
		order = slices.Sorted(maps.Keys(cards))
	}
	var out []boardCard
	for _, k := range order {
		if c := cards[k]; c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// formReview acts on the review and goes back to the review page; a
// refused form shows there with its error.
func (h *handler) formReview(w http.ResponseWriter, r *http.Request, form string, a fireline.Action) {
	id := r.PathValue("id")
	inc, err := h.cfg.Incidents.Act(r.Context(), id, a)
	if err != nil {
		if code := fireline.ErrorCode(err); code != fireline.EInvalid && code != fireline.EConflict && code != fireline.EForbidden && code != fireline.ENotFound {
			h.renderError(w, r, err)
			return
		}
		if fireline.ErrorCode(err) == fireline.ENotFound && a.Kind != fireline.ActUpdateActionItem {
			h.renderError(w, r, err)
			return
		}
		h.showReview(w, r, statusFor(err), newFormError(form, err, r))
		return
	}
	h.changed(inc) // a published postmortem shows at once
	seeOther(w, r, "/incidents/"+url.PathEscape(id)+"/review#"+form)
}

func (h *handler) formEditReview(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	doc := fireline.ReviewDoc{Summary: f.Get("summary"), Impact: f.Get("impact"), TechnicalFailures: f.Get("technical_failures"),
		ProcessFailures: f.Get("process_failures"), WentWell: f.Get("went_well"), Improve: f.Get("improve"),
		PublicSummary: f.Get("public_summary")}
	whys, becauses, evidence := f["why"], f["because"], f["evidence"]
	for i := range whys {
		w := fireline.Why{Why: whys[i]}
		if i < len(becauses) {
			w.Because = becauses[i]
		}
		if i < len(evidence) {
			for _, e := range strings.Fields(strings.ReplaceAll(evidence[i], ",", " ")) {
				w.Evidence = append(w.Evidence, e)
			}
		}
		doc.Whys = append(doc.Whys, w)
	}
	base, _ := strconv.Atoi(f.Get("base_version"))
	h.formReview(w, r, "document", fireline.Action{Kind: fireline.ActEditReview, Review: &fireline.ReviewInput{Doc: &doc, BaseVersion: base}})
}

func (h *handler) formScheduleReview(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	start, err := h.parseLocal(r.PostForm.Get("start"))
	if err != nil {
		h.showReview(w, r, http.StatusBadRequest, newFormError("meeting", &fireline.Error{Code: fireline.EInvalid,
			Message: "invalid review meeting", Fields: []fireline.FieldError{{Field: "start", Message: "must be a date and time such as 2026-12-08T15:00"}}}, r))
		return
	}
	in := &fireline.ReviewInput{Start: &start}
	if mins, err := strconv.Atoi(r.PostForm.Get("minutes")); err == nil && mins > 0 {
		end := start.Add(time.Duration(mins) * time.Minute)
		in.End = &end
	}
	for _, p := range strings.Fields(strings.ReplaceAll(r.PostForm.Get("participants"), ",", " ")) {
		in.Participants = append(in.Participants, p)
	}
	in.Drop = strings.Fields(strings.ReplaceAll(r.PostForm.Get("drop"), ",", " "))
	h.formReview(w, r, "meeting", fireline.Action{Kind: fireline.ActScheduleReview, Review: in})
}

func (h *handler) formStarEvent(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	seq, _ := strconv.ParseInt(r.PostForm.Get("seq"), 10, 64)
	h.formReview(w, r, "events", fireline.Action{Kind: fireline.ActStarEvent, Review: &fireline.ReviewInput{Seq: seq, Unstar: r.PostForm.Get("unstar") != ""}})
}

func (h *handler) formApproveReview(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	base, _ := strconv.Atoi(r.PostForm.Get("base_version"))
	h.formReview(w, r, "approve", fireline.Action{Kind: fireline.ActApproveReview, Review: &fireline.ReviewInput{BaseVersion: base}})
}

func (h *handler) formRequestReview(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formReview(w, r, "approve", fireline.Action{Kind: fireline.ActRequestReview, Reason: r.PostForm.Get("reason")})
}

func (h *handler) formReviewOwner(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	h.formReview(w, r, "meeting", fireline.Action{Kind: fireline.ActReviewOwner, Review: &fireline.ReviewInput{Owner: r.PostForm.Get("owner")}})
}

func (h *handler) formAddActionItem(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	in := &fireline.ActionItemInput{}
	title, owner, kind, link := f.Get("title"), f.Get("owner"), fireline.ActionItemKind(f.Get("kind")), f.Get("link")
	in.Title, in.Owner, in.Kind, in.Link = &title, &owner, &kind, &link
	if pb := f.Get("playbook"); pb != "" {
		in.Playbook = &pb
	}
	if v := f.Get("deadline"); v != "" {
		t, err := h.parseLocal(v)
		if err != nil {
			h.showReview(w, r, http.StatusBadRequest, newFormError("items", &fireline.Error{Code: fireline.EInvalid,
				Message: "invalid action item", Fields: []fireline.FieldError{{Field: "deadline", Message: "must be a date and time such as 2026-12-15T17:00"}}}, r))
			return
		}
		in.Deadline = &t
	}
	h.formReview(w, r, "items", fireline.Action{Kind: fireline.ActAddActionItem, Item: in})
}

func (h *handler) formUpdateActionItem(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	n, _ := fireline.ParseActionItemID(r.PathValue("item"))
	h.formReview(w, r, "items", fireline.Action{Kind: fireline.ActUpdateActionItem,
		Item: &fireline.ActionItemInput{Number: n, Status: fireline.ActionItemStatus(r.PostForm.Get("status")), Note: r.PostForm.Get("note")}})
}

// describeReview words the review's and action items' events for the
// timeline.
func describeReview(v *eventView, data any, p *fireline.Policy) bool {
	name := func(id string) string { return personName(p, id) }
	loc := calendarLocation(p)
	at := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 15:04 MST") }
	switch d := data.(type) {
	case *fireline.ReviewRequestedData:
		v.What, v.Detail = "asked for a post-incident review", d.Reason
	case *fireline.ReviewOpenedData:
		v.What = "opened the post-incident review"
		v.Detail = "Owner " + name(d.Owner) + ", due " + at(d.Due)
	case *fireline.ReviewOwnerData:
		v.What = "gave the review to " + name(d.Owner)
	case *fireline.ReviewScheduledData:
		v.What = "scheduled the review meeting for " + at(d.Start)
		if d.Sequence > 0 {
			v.What = "rescheduled the review meeting to " + at(d.Start)
		}
		var people []string
		for _, id := range d.Participants {
			people = append(people, name(id))
		}
		v.Detail = "Invited " + strings.Join(people, ", ")
		for i, id := range d.Cancelled {
			v.Detail += map[bool]string{true: "; cancelled for ", false: ", "}[i == 0] + name(id)
		}
	case *fireline.ReviewUnscheduledData, *fireline.ReviewPublishedData:
		describeReviewMore(v, d, name, at) // console_review_more.go
	case *fireline.EventStarredData:
		v.What = "starred event " + strconv.FormatInt(d.Seq, 10) + " as a key event"
		if !d.Starred {
			v.What = "unstarred event " + strconv.FormatInt(d.Seq, 10)
		}
	case *fireline.ReviewEditedData:
		v.What = "edited the review (version " + strconv.Itoa(d.Version) + ")"
	case *fireline.ReviewApprovedData:
		v.What, v.Detail = "approved the review (version "+strconv.Itoa(d.Version)+")", "Digest "+d.Digest
	case *fireline.ActionItemAddedData:
		v.What = "added action item " + d.Item.ID + " for " + name(d.Item.Owner) + ", due " + at(d.Item.Deadline)
		v.Detail = d.Item.Title
	case *fireline.ActionItemUpdatedData:
		v.What = "updated action item " + fireline.ActionItemID(d.Number)
		if d.Status == fireline.ItemDone {
			v.What = "closed action item " + fireline.ActionItemID(d.Number) + " as done"
		}
		v.Detail = d.Note
	case *fireline.ItemPushRequestedData:
		v.What = "asked for action item " + fireline.ActionItemID(d.Number) + " to be pushed to GitHub"
	case *fireline.ItemTrackedData:
		v.What = "tracked action item " + fireline.ActionItemID(d.Number) + " in GitHub issue #" + strconv.FormatInt(d.Issue, 10)
		v.Detail = d.URL
	case *fireline.ItemIssueStateData:
		v.What = "saw GitHub issue #" + strconv.FormatInt(d.Issue, 10) + " of action item " + fireline.ActionItemID(d.Number) + " " + d.State
		if d.By != "" {
			v.Detail = "by " + d.By
		}
	case *fireline.ItemTrackerFailedData:
		v.Kind = "override"
		v.What = "gave up on GitHub for action item " + fireline.ActionItemID(d.Number) + " (" + d.Job + ")"
		v.Detail = d.Error
	case *fireline.ActionItemNoticeData:
		v.Kind = "clock"
		v.Lead = "Action item " + fireline.ActionItemID(d.Number)
		v.What = string(d.Notice) + ": told " + recipients(d.To, p)
		v.Detail = d.Step
	case *fireline.RepeatFlaggedData:
		v.Kind = "override"
		v.What = "flagged a repeat: " + d.Earlier + " had action item " + d.Item + " open on " + d.Service
		v.Detail = d.Title
	default:
		return false
	}
	if v.Kind == "" {
		v.Kind = "review"
	}
	return true
}
