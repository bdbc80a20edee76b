package main

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// reviewedIncident declares a P1 as alex at businessHours (Tuesday 1
// December, 10:00 New York), acknowledged by alex after 3 minutes, casey
// commanding, a mitigation step at 40 minutes, resolved by casey after
// two hours; it returns the tokens of alex and casey.
func reviewedIncident(t *testing.T, p *pagingServer) (alex, casey string) {
	t.Helper()
	alex, casey = p.newToken(t, "responder", "alex"), p.newToken(t, "responder", "casey")
	id := p.declare(t, alex, fireline.P1)
	p.advance(t, 3*time.Minute)
	p.mustCLI(t, alex, "incident", "ack", id)
	p.mustCLI(t, casey, "incident", "assign", id, "--role", "incident_commander", "--person", "casey")
	p.advance(t, 37*time.Minute)
	p.mustCLI(t, alex, "incident", "note", id, "Rolled back deploy 4711", "--kind", "mitigation_step")
	p.advance(t, 80*time.Minute)
	p.mustCLI(t, casey, "incident", "resolve", id, "--summary", "rolled back 4711")
	return alex, casey
}

// TestReviewScheduled: resolving a P1 opens its review, owned by the
// commander and due at 17:00 on the fifth business day; the draft has the
// computed times; `review schedule` sends an iCalendar request over SMTP
// to the participants (parsed back: METHOD:REQUEST, attendees asked to
// RSVP, a UID stable per review, SEQUENCE bumped on reschedule, the
// review's link); a viewer cannot edit.
func TestReviewScheduled(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		_, casey := reviewedIncident(t, p)

		var r web.ReviewView
		p.cliJSON(t, casey, &r, "review", "show", "INC-1")
		due := time.Date(2026, 12, 8, 22, 0, 0, 0, time.UTC) // Tuesday 8 December, 17:00 New York
		if r.Review.Status != fireline.ReviewOpen || r.Review.Owner != "casey" || r.Review.Due == nil || !r.Review.Due.Equal(due) {
			t.Fatalf("review = %+v, want open, owned by casey, due %s", r.Review, due)
		}
		var times []string
		for _, rt := range r.Times {
			met := "-"
			if rt.Met != nil {
				met = map[bool]string{true: "met", false: "missed"}[*rt.Met]
			}
			times = append(times, rt.Name+" "+fireline.FormatDuration(rt.Took)+" "+rt.Target+" "+met)
		}
		if got, want := strings.Join(times, "|"), "detect 0s  -|acknowledge 3m immediate met|mitigate 40m  -|resolve 2h 4h met"; got != want {
			t.Errorf("times:\n%s\nwant\n%s", got, want)
		}
		if !strings.Contains(r.Markdown, "| Resolve | 2026-12-01 10:00 -05:00 | 2026-12-01 12:00 -05:00 | 2h | 4h | yes |") {
			t.Errorf("Markdown:\n%s", r.Markdown)
		}

		out := p.mustCLI(t, casey, "review", "schedule", "INC-1", "--at", "2026-12-08T15:00:00-05:00", "--participant", "devon")
		if !strings.Contains(out, "with casey, alex, devon") {
			t.Errorf("review schedule printed:\n%s", out)
		}
		p.advance(t, 0)
		first := invitations(t, p)
		if len(first) != 3 {
			t.Fatalf("%d invitations, want 3 (casey, alex, devon): %v", len(first), first)
		}
		for to, cal := range first {
			ev := checkInvite(t, to, cal, 0, "20261208T200000Z")
			if got := ev.GetProperty(ics.ComponentPropertyUniqueId).Value; got != "review-inc-1@127.0.0.1" {
				t.Errorf("%s: UID %q", to, got)
			}
		}

		p.mustCLI(t, casey, "review", "schedule", "INC-1", "--at", "2026-12-08T16:00:00-05:00", "--participant", "devon")
		p.advance(t, 0)
		var updated int
		for to, cal := range invitations(t, p) {
			if strings.Contains(cal, "SEQUENCE:1") {
				checkInvite(t, to, cal, 1, "20261208T210000Z")
				updated++
			}
		}
		if updated != 3 {
			t.Errorf("%d updated invitations, want 3", updated)
		}

		viewer := p.newToken(t, "viewer", "finley")
		if code, _, body := p.request(t, http.MethodPut, "/api/v1/incidents/INC-1/review", viewer, `{"doc":{"summary":"x"},"base_version":0}`); code != http.StatusForbidden {
			t.Errorf("a viewer's edit: %d %s", code, body)
		}
		if res := p.cli(t, viewer, "review", "edit", "INC-1", "--summary", "x"); res.code == 0 || !strings.Contains(res.stderr, "responder") {
			t.Errorf("review edit as a viewer: exit %d, %s", res.code, res.stderr)
		}
		if log := p.mustCLI(t, casey, "incident", "log", "INC-1"); !strings.Contains(log, "auto=review_scheduled") {
			t.Errorf("the workflow's \"Schedule post-incident review\" did not check itself:\n%s", log)
		}
		types := p.timelineTypes(t, "INC-1")
		if types[fireline.EventReviewOpened] != 1 || types[fireline.EventReviewScheduled] != 2 {
			t.Errorf("timeline: %v", types)
		}
		p.mustCLI(t, adminSecret, "incident", "verify", "--stored", "INC-1")
	})
}

// invitations returns the iCalendar part of each invitation mail, by
// recipient (the last one each got).
func invitations(t *testing.T, p *pagingServer) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range p.smtp.Mail() {
		if m.Header.Get("X-Fireline-Type") != "incident.review" {
			continue
		}
		if cal := calendarPart(t, m); cal != "" {
			out[strings.Join(m.To, ",")] = cal
		}
	}
	return out
}

// calendarPart finds the text/calendar part of a mail.
func calendarPart(t *testing.T, m firelinetest.Mail) string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return ""
	}
	mr := multipart.NewReader(strings.NewReader(m.Body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if ct != "text/calendar" {
			continue
		}
		if cp["method"] != "REQUEST" {
			t.Errorf("calendar part's Content-Type %q, want method=REQUEST", part.Header.Get("Content-Type"))
		}
		b, _ := io.ReadAll(part)
		if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
			if b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err != nil {
				t.Fatal(err)
			}
		}
		return string(b)
	}
}

// checkInvite parses an invitation with golang-ical and checks it.
func checkInvite(t *testing.T, to, text string, seq int, start string) *ics.VEvent {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(text))
	if err != nil {
		t.Fatalf("%s: parse: %v\n%s", to, err, text)
	}
	if m := cal.CalendarProperties; !slices.ContainsFunc(m, func(p ics.CalendarProperty) bool {
		return p.IANAToken == string(ics.PropertyMethod) && p.Value == "REQUEST"
	}) {
		t.Errorf("%s: no METHOD:REQUEST\n%s", to, text)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%s: %d events", to, len(evs))
	}
	ev := evs[0]
	prop := func(p ics.ComponentProperty) string {
		if v := ev.GetProperty(p); v != nil {
			return v.Value
		}
		return ""
	}
	if prop(ics.ComponentPropertySequence) != strconv.Itoa(seq) || prop(ics.ComponentPropertyDtStart) != start {
		t.Errorf("%s: SEQUENCE %s DTSTART %s, want %d %s", to, prop(ics.ComponentPropertySequence), prop(ics.ComponentPropertyDtStart), seq, start)
	}
	if org := ev.GetProperty(ics.ComponentPropertyOrganizer); org == nil || org.Value != "mailto:casey@berrys.ai" {
		t.Errorf("%s: ORGANIZER %+v", to, org)
	}
	var attendees []string
	for _, a := range ev.Attendees() {
		if rsvp := a.ICalParameters["RSVP"]; len(rsvp) != 1 || rsvp[0] != "TRUE" {
			t.Errorf("%s: attendee %s without RSVP=TRUE", to, a.Email())
		}
		attendees = append(attendees, a.Email())
	}
	if strings.Join(attendees, ",") != "casey@berrys.ai,alex@berrys.ai,devon@berrys.ai" {
		t.Errorf("%s: attendees %v", to, attendees)
	}
	if !strings.HasSuffix(prop(ics.ComponentPropertyUrl), "/incidents/INC-1/review") || !strings.Contains(prop(ics.ComponentPropertyDescription), "/incidents/INC-1/review") {
		t.Errorf("%s: URL %q, description %q", to, prop(ics.ComponentPropertyUrl), prop(ics.ComponentPropertyDescription))
	}
	return ev
}

// TestActionItemsEscalate: an action item's owner is reminded before its
// deadline and told when it passes; two days later the Engineering Lead
// (technical:2) is told, a week later the Director (technical:3); the
// board lists it as overdue; closing it stops the rest; a new incident on
// its service is flagged as a repeat.
func TestActionItemsEscalate(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		_, casey := reviewedIncident(t, p)
		out := p.mustCLI(t, casey, "action", "add", "INC-1", "--title", "Alert on an empty upstream pool", "--owner", "blake",
			"--deadline", "2026-12-10T17:00:00-05:00", "--kind", "monitoring")
		if !strings.Contains(out, "A-1 added to INC-1") {
			t.Fatalf("action add printed %q", out)
		}

		notices := func() []string {
			var got []string
			for _, h := range p.sink.Hooks() {
				if h.Data["type"] == "incident.review" && strings.Contains(h.Data["step"].(string), "A-1") {
					got = append(got, strings.TrimPrefix(h.Path, "/p/")+": "+h.Data["step"].(string))
				}
			}
			return got
		}
		p.advance(t, 9*24*time.Hour+6*time.Hour) // to Thursday 10 December, 18:00 New York: past the deadline
		want := []string{
			`blake: action item A-1 "Alert on an empty upstream pool" due in 3d`,
			`blake: action item A-1 "Alert on an empty upstream pool" due in 24h`,
			`blake: action item A-1 "Alert on an empty upstream pool" is overdue (was due 2026-12-10T22:00:00Z)`,
		}
		if got := notices(); !slices.Equal(got, want) {
			t.Fatalf("after the deadline:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		board := p.mustCLI(t, casey, "action", "list", "--overdue")
		if !strings.Contains(board, "blake  A-1  INC-1     monitoring  2026-12-10 17:00 -05:00") || !strings.Contains(board, "overdue") {
			t.Errorf("action list --overdue:\n%s", board)
		}

		p.advance(t, 2*24*time.Hour)
		got := notices()
		escalated := `action item A-1 "Alert on an empty upstream pool" owned by blake is overdue by 2d: escalated to technical:2`
		if len(got) == 5 {
			slices.Sort(got[3:]) // delivered together, in either order
		}
		if len(got) != 5 || got[3] != "blake: "+escalated || got[4] != "casey: "+escalated {
			t.Fatalf("two days later:\n%s", strings.Join(got, "\n"))
		}

		// A new incident on the service is flagged; closing the item
		// stops its escalation to the Director.
		var inc fireline.Incident
		p.cliJSON(t, casey, &inc, "incident", "declare", "--title", "Gateway 502s again", "--severity", "P3", "--service", "api-gateway")
		if len(inc.Repeats) != 1 || inc.Repeats[0].Item != "A-1" || inc.Repeats[0].Earlier != "INC-1" {
			t.Errorf("new incident's repeats: %+v", inc.Repeats)
		}
		if out := p.mustCLI(t, casey, "incident", "show", inc.ID); !strings.Contains(out, "Repeat:       INC-1 had action item A-1 open") {
			t.Errorf("incident show:\n%s", out)
		}
		p.mustCLI(t, p.newToken(t, "responder", "blake"), "action", "done", "A-1", "--note", "alert added")
		p.advance(t, 7*24*time.Hour)
		if got := notices(); len(got) != 5 {
			t.Errorf("after closing it:\n%s", strings.Join(got, "\n"))
		}
		if out := p.mustCLI(t, casey, "action", "list", "--overdue"); !strings.Contains(out, "no action items") {
			t.Errorf("board after closing:\n%s", out)
		}
		types := p.timelineTypes(t, "INC-1")
		if types[fireline.EventActionItemNotice] != 4 || types[fireline.EventActionItemAdded] != 1 || types[fireline.EventActionItemUpdated] != 1 {
			t.Errorf("timeline: %v", types)
		}
		p.mustCLI(t, adminSecret, "incident", "verify", "--stored", "INC-1")
	})
}

// TestRestrictedReviewStaysWithMembers: a restricted incident's review
// and action items do not exist for non-members; members and admins see
// them.
func TestRestrictedReviewStaysWithMembers(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		kai, alex := p.newToken(t, "responder", "kai"), p.newToken(t, "responder", "alex")
		var inc fireline.Incident
		p.cliJSON(t, kai, &inc, "incident", "declare", "--title", "Leaked credentials", "--severity", "P2", "--source", "security", "--service", "api-gateway")
		p.mustCLI(t, kai, "incident", "resolve", inc.ID, "--summary", "rotated")
		p.mustCLI(t, kai, "action", "add", inc.ID, "--title", "Rotate every key", "--owner", "kai", "--deadline", "2026-12-20T17:00:00-05:00", "--kind", "process")

		if res := p.cli(t, alex, "review", "show", inc.ID); res.code == 0 || !strings.Contains(res.stderr, "not found") {
			t.Errorf("a non-member's review show: exit %d %s", res.code, res.stderr)
		}
		if code, _, body := p.request(t, http.MethodGet, "/api/v1/incidents/"+inc.ID+"/review", alex, ""); code != http.StatusNotFound {
			t.Errorf("a non-member's GET review: %d %s", code, body)
		}
		if code, _, body := p.request(t, http.MethodPut, "/api/v1/incidents/"+inc.ID+"/review", alex, `{"doc":{"summary":"x"}}`); code != http.StatusNotFound {
			t.Errorf("a non-member's edit: %d %s", code, body)
		}
		for _, tok := range []string{alex, kai, adminSecret} {
			var list web.ActionItemList
			p.cliJSON(t, tok, &list, "action", "list")
			if seen := len(list.Items) == 1; seen != (tok != alex) {
				t.Errorf("action list as %s: %+v", tok[:8], list.Items)
			}
		}
		if res := p.cli(t, alex, "action", "done", "A-1"); res.code == 0 || !strings.Contains(res.stderr, "not found") {
			t.Errorf("a non-member closing the item: exit %d %s", res.code, res.stderr)
		}
		// An incident on the same service is not flagged with the
		// restricted incident's item.
		var other fireline.Incident
		p.cliJSON(t, alex, &other, "incident", "declare", "--title", "Gateway slow", "--severity", "P3", "--service", "api-gateway")
		if len(other.Repeats) != 0 {
			t.Errorf("flagged with a restricted item: %+v", other.Repeats)
		}
		var r web.ReviewView
		p.cliJSON(t, kai, &r, "review", "show", inc.ID)
		if r.Review.Status != fireline.ReviewOpen || len(r.ActionItems) != 1 {
			t.Errorf("the member's review: %+v", r.Review)
		}
	})
}
