package sqlstore_test

import (
	"strconv"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// TestTimelinePages: a long timeline reads a page at a time, newest first
// (docs/adr/0054): by default the newest 1,000 events in order and the
// before of the page of older ones, back to the first event; together
// the pages are the whole timeline and its chain verifies. A limit, a
// lower bound and types select less; the summary types are read on their
// own; a restricted incident's pages are not found by a non-member; a bad
// limit is refused.
func TestTimelinePages(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		inc := e.declare(t, alex, fireline.DeclareInput{Source: fireline.SourceSecurity}) // restricted; alex a member
		notes := make([]fireline.Action, 2499)
		for i := range notes {
			notes[i] = fireline.Action{Kind: fireline.ActAddNote, Text: "note " + strconv.Itoa(i+2)}
		}
		if _, err := e.incidents.ActAll(as(alex), inc.ID, notes); err != nil {
			t.Fatal(err)
		}
		pg := sqlstore.NewPagingStore(e.db, policy.Default())
		err := pg.IncidentTx(noContext, inc.Number, func(tx *sqlstore.PageTx, _ *fireline.Incident) error {
			return tx.Record(noContext, fireline.Change{Type: fireline.EventUnanswered, Data: &fireline.UnansweredData{Epoch: 1}})
		})
		if err != nil {
			t.Fatal(err)
		}
		// 2,501 events: pages of 1,000, 1,000 and 501.
		var pages [][]*fireline.Event
		f := fireline.TimelineFilter{}
		for want := range []int64{1502, 502, 0} {
			page, err := e.incidents.TimelinePage(as(alex), inc.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			pages = append([][]*fireline.Event{page.Events}, pages...)
			if wantOlder := []int64{1502, 502, 0}[want]; page.Older != wantOlder {
				t.Fatalf("page %d: older %d, want %d", want, page.Older, wantOlder)
			}
			f.Before = page.Older
		}
		var all []*fireline.Event
		for _, p := range pages {
			all = append(all, p...)
		}
		if len(all) != 2501 || all[0].Seq != 1 || all[2500].Seq != 2501 || all[2500].Type != fireline.EventUnanswered {
			t.Fatalf("paged timeline: %d events", len(all))
		}
		if err := fireline.VerifyChain(all); err != nil {
			t.Fatalf("the paged timeline does not verify: %v", err)
		}
		whole, err := e.incidents.Timeline(as(admin), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "the pages against the whole timeline", all, whole)

		for _, c := range []struct {
			name  string
			f     fireline.TimelineFilter
			first int64
			n     int
			older int64
		}{
			{"limit", fireline.TimelineFilter{Limit: 10}, 2492, 10, 2492},
			{"after", fireline.TimelineFilter{After: 2491, Limit: 10}, 2492, 10, 0},
			{"after and before", fireline.TimelineFilter{After: 5, Before: 9}, 6, 3, 0},
			{"types", fireline.TimelineFilter{Types: []fireline.EventType{fireline.EventDeclared}}, 1, 1, 0},
			{"summary types", fireline.TimelineFilter{Types: fireline.SummaryEventTypes}, 2501, 1, 0},
			{"before the first", fireline.TimelineFilter{Before: 1}, 0, 0, 0},
		} {
			page, err := e.incidents.TimelinePage(as(admin), inc.ID, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(page.Events) != c.n || page.Older != c.older || (c.n > 0 && page.Events[0].Seq != c.first) {
				t.Errorf("%s: %d events from %v, older %d; want %d from %d, older %d", c.name, len(page.Events), firstSeq(page), page.Older, c.n, c.first, c.older)
			}
		}
		_, err = e.incidents.TimelinePage(as(blake), inc.ID, fireline.TimelineFilter{})
		wantCode(t, err, fireline.ENotFound)
		_, err = e.incidents.TimelinePage(as(alex), "INC-99", fireline.TimelineFilter{})
		wantCode(t, err, fireline.ENotFound)
		_, err = e.incidents.TimelinePage(as(alex), inc.ID, fireline.TimelineFilter{Limit: fireline.MaxTimelinePage + 1})
		wantCode(t, err, fireline.EInvalid)
	})
}

func firstSeq(p *fireline.TimelinePage) any {
	if len(p.Events) == 0 {
		return "none"
	}
	return p.Events[0].Seq
}
