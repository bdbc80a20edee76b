package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// walkCheck is what the database says was paged, beside what the
// receiver got.
type walkCheck struct {
	incidents, steps, unfinished int
	pages, delivered             int // expected person-pages; of them delivered
	repeats                      int // 2xx answers to a message id already delivered
	// late is the latest a secondary was paged after respond-by, the
	// step's due time.
	late     time.Duration
	problems []string
}

// walkTitle begins the title of every P2 the soak declares to watch its
// walk.
const walkTitle = "soak walk"

// pageKey names one page: incident, step and recipient (its path).
func pageKey(incident, step, path string) string { return incident + " | " + step + " | " + path }

// checkWalks reads every incident's timeline through the API and checks
// that each escalation step was recorded once, that each walk reached its
// end, and that every person each step paged got that page under one
// message id.
func checkWalks(ctx context.Context, c *web.Client, tries []attempt) (walkCheck, error) {
	var v walkCheck
	ids := map[string]map[string]bool{} // page key -> message ids delivered
	for _, t := range delivered(tries) {
		if t.Type != "incident.page" {
			continue
		}
		k := pageKey(t.Incident, t.Step, t.Path)
		if ids[k] == nil {
			ids[k] = map[string]bool{}
		}
		if ids[k][t.ID] {
			v.repeats++
		}
		ids[k][t.ID] = true
	}
	incidents, err := allIncidents(ctx, c)
	if err != nil {
		return v, err
	}
	for _, inc := range incidents {
		if !strings.HasPrefix(inc.Title, walkTitle) {
			continue // not a walk the soak declared (the intake load's, say)
		}
		v.incidents++
		events, err := c.Timeline(ctx, inc.ID)
		if err != nil {
			return v, err
		}
		v.checkIncident(inc, events, ids)
	}
	for k, set := range ids {
		if len(set) > 1 {
			v.problems = append(v.problems, fmt.Sprintf("%s delivered under %d message ids", k, len(set)))
		}
	}
	return v, nil
}

// checkIncident checks one incident's escalation steps and their pages.
func (v *walkCheck) checkIncident(inc *fireline.Incident, events []*fireline.Event, ids map[string]map[string]bool) {
	id, seen := inc.ID, map[int]int{}
	for _, e := range events {
		if e.Type != fireline.EventEscalationStep {
			continue
		}
		var d fireline.EscalationStepData
		if err := json.Unmarshal(e.Data, &d); err != nil {
			v.problems = append(v.problems, fmt.Sprintf("%s: escalation step data: %v", id, err))
			continue
		}
		seen[d.Step]++
		v.steps++
		if d.Step == 1 {
			v.checkDue(id, e.At, inc.RespondBy)
		}
		if seen[d.Step] > 1 {
			v.problems = append(v.problems, fmt.Sprintf("%s: step %d (%s) recorded %d times", id, d.Step, d.Name, seen[d.Step]))
		}
		for _, rc := range d.Recipients {
			if rc.Person == "" || seen[d.Step] > 1 {
				continue
			}
			v.pages++
			if len(ids[pageKey(id, d.Name, "/p/"+rc.Person)]) > 0 {
				v.delivered++
			} else {
				v.problems = append(v.problems, fmt.Sprintf("%s: step %d (%s) paged %s, who got nothing", id, d.Step, d.Name, rc.Person))
			}
		}
	}
	if len(seen) < walkSteps {
		v.unfinished++
	}
}

// checkDue checks that the secondary was not paged before respond-by,
// and keeps how late it was.
func (v *walkCheck) checkDue(id string, at, due time.Time) {
	if at.Before(due) {
		v.problems = append(v.problems, fmt.Sprintf("%s: the secondary was paged %s before respond-by", id, due.Sub(at)))
	}
	v.late = max(v.late, at.Sub(due))
}

// allIncidents lists every incident, page by page.
func allIncidents(ctx context.Context, c *web.Client) ([]*fireline.Incident, error) {
	var out []*fireline.Incident
	for cursor := ""; ; {
		page, err := c.FindIncidents(ctx, fireline.IncidentFilter{Limit: fireline.MaxPageSize, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Incidents...)
		if cursor = page.NextCursor; cursor == "" {
			return out, nil
		}
	}
}

// judge records the walk check on res.
func (v walkCheck) judge(res *Result) {
	res.count("%d incidents, %d steps (none early, ≤ %s late), %d pages delivered of %d (%d repeated under their id)",
		v.incidents, v.steps, v.late.Round(10*time.Millisecond), v.delivered, v.pages, v.repeats)
	if v.unfinished > 0 {
		res.fail("%d of %d walks did not reach all %d steps", v.unfinished, v.incidents, walkSteps)
	}
	for i, p := range v.problems {
		if i == 10 {
			res.fail("and %d more", len(v.problems)-10)
			break
		}
		res.fail("%s", p)
	}
}
