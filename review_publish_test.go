package fireline

import (
	"strings"
	"testing"
	"time"
)

// TestPublishPostmortem: refused before approval, by someone who may not
// approve, for an incident the public page does not show, for a
// restricted incident and for a summary naming a person; published with
// the summary and the fix and monitoring items' titles (none naming
// anyone); taken down.
func TestPublishPostmortem(t *testing.T) {
	tl := reviewTimeline(t, P1)
	resolved := declaredAt.Add(2 * time.Hour)
	tl.mustDo(Action{Kind: ActResolve, Text: "rolled back"}, resolved)
	at := resolved.Add(time.Hour)
	for _, it := range []struct {
		title string
		kind  ActionItemKind
	}{{"Add a connection-pool alert", KindMonitoring}, {"Fix the retry storm", KindFix}, {"Pair Bob on the runbook", KindFix}, {"Update the runbook", KindRunbook}} {
		title, owner, kind, deadline := it.title, "bob", it.kind, ny(2026, 7, 1, 17, 0)
		tl.mustDo(Action{Kind: ActAddActionItem, Item: &ActionItemInput{Number: int64(len(tl.inc.ActionItems) + 1), Title: &title, Owner: &owner, Kind: &kind, Deadline: &deadline}, By: "alice"}, at)
	}
	doc := ReviewDoc{Summary: "The gateway returned errors for 2 hours.", Impact: "Half of API calls failed."}
	tl.mustDo(Action{Kind: ActEditReview, Review: &ReviewInput{Doc: &doc}, By: "alice"}, at)
	publish := func(in ReviewInput, by string) error {
		_, err := tl.do(Action{Kind: ActPublishReview, Review: &in, By: by}, at)
		return err
	}
	wantCode(t, publish(ReviewInput{}, "alice"), EConflict) // not approved
	md := tl.p.Markdown(tl.p.DraftReview(tl.inc, tl.events, nil))
	tl.mustDo(Action{Kind: ActApproveReview, Review: &ReviewInput{BaseVersion: 1, Markdown: md}, By: "alice"}, at)
	wantCode(t, publish(ReviewInput{}, "alice"), EConflict) // no public update: not on the public page
	published := at.Add(-time.Hour)
	tl.inc.Comms.Updates = []PublicUpdate{{Number: 1, Status: PublicInvestigating, Text: "Investigating", State: UpdatePublished, PublishedAt: &published}}
	wantCode(t, publish(ReviewInput{}, "carol"), EForbidden)
	named := "Bob forgot to scale the pool."
	err := publish(ReviewInput{PublicSummary: &named}, "alice")
	if wantCode(t, err, EInvalid); err == nil || !strings.Contains(err.Error(), "public_summary") {
		t.Errorf("a summary naming Bob: %v", err)
	}
	empty := " "
	wantCode(t, publish(ReviewInput{PublicSummary: &empty}, "alice"), EInvalid)

	changes := tl.mustDo(Action{Kind: ActPublishReview, Review: &ReviewInput{}, By: "alice"}, at)
	pub := tl.inc.Review.Published
	if types(changes) != "review_published" || pub == nil || pub.Summary != doc.Summary+"\n\n"+doc.Impact ||
		strings.Join(pub.Changes, "|") != "Add a connection-pool alert|Fix the retry storm" {
		t.Fatalf("published %+v", pub)
	}
	wantCode(t, publish(ReviewInput{}, "alice"), EConflict) // unchanged
	tl.mustDo(Action{Kind: ActPublishReview, Review: &ReviewInput{Unpublish: true}, By: "alice"}, at)
	if tl.inc.Review.Published != nil {
		t.Fatal("unpublished postmortem still there")
	}
	wantCode(t, publish(ReviewInput{Unpublish: true}, "alice"), EConflict)

	tl.inc.Restricted = true
	wantCode(t, publish(ReviewInput{}, "alice"), EConflict)
}
