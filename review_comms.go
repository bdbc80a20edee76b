package fireline

import (
	"fmt"
	"strings"
	"time"
)

// Communication cadence compliance for the review draft: whether the
// public updates came on the policy's cadence for the severity, read from
// what the communications feature recorded (the incident's published
// updates and its update obligations, comms_update.go). The policy has no
// cadence for internal updates, so only public ones are judged.

// CommsCompliance is how the public updates kept the cadence.
type CommsCompliance struct {
	// FirstWithin and Every are the cadence: the first update's time
	// after confirmation, then the severity's interval (0: none after the
	// first).
	FirstWithin time.Duration `json:"first_within_ns"`
	Every       time.Duration `json:"every_ns,omitempty"`
	// Expected counts the deadlines the incident had; Sent the updates
	// published; OnTime, Late and Missed the deadlines' outcomes.
	Expected int `json:"expected"`
	Sent     int `json:"sent"`
	OnTime   int `json:"on_time"`
	Late     int `json:"late"`
	Missed   int `json:"missed"`
	// LongestGap is the longest time without an update, from
	// confirmation to the first, between two, or from the last to the
	// resolution, and Allowed the cadence's for that gap.
	LongestGap time.Duration `json:"longest_gap_ns"`
	GapFrom    *time.Time    `json:"gap_from,omitempty"`
	GapTo      *time.Time    `json:"gap_to,omitempty"`
	Allowed    time.Duration `json:"allowed_ns,omitempty"`
	// Intervals not kept: deadlines met late or missed.
	Intervals []Obligation `json:"intervals,omitempty"`
}

// CommsCompliance judges the incident's public updates against the
// cadence; nil when communications recorded nothing for it (no deadline,
// no update: an incident off the public page's business).
func (p *Policy) CommsCompliance(inc *Incident) *CommsCompliance {
	published := inc.Comms.Published()
	if len(inc.Comms.Obligations) == 0 && len(published) == 0 {
		return nil
	}
	c := &CommsCompliance{FirstWithin: p.FirstUpdateWithin(), Every: p.UpdateEvery(inc.Severity),
		Expected: len(inc.Comms.Obligations), Sent: len(published)}
	for _, o := range inc.Comms.Obligations {
		switch o.Outcome {
		case OutcomeOnTime:
			c.OnTime++
		case OutcomeLate:
			c.Late++
			c.Intervals = append(c.Intervals, o)
		case OutcomeMissed, OutcomeOverdue:
			c.Missed++
			c.Intervals = append(c.Intervals, o)
		}
	}
	c.longestGap(inc, published)
	return c
}

// longestGap finds the longest stretch without an update, from the
// confirmation (else the declaration) through each update to the
// resolution, if any.
func (c *CommsCompliance) longestGap(inc *Incident, published []PublicUpdate) {
	marks := []time.Time{inc.DeclaredAt}
	if inc.Comms.ConfirmedAt != nil {
		marks[0] = *inc.Comms.ConfirmedAt
	}
	for _, u := range published {
		marks = append(marks, *u.PublishedAt)
	}
	if inc.ResolvedAt != nil {
		marks = append(marks, *inc.ResolvedAt)
	}
	for i := 1; i < len(marks); i++ {
		if gap := marks[i].Sub(marks[i-1]); gap > c.LongestGap {
			from, to := marks[i-1], marks[i]
			c.LongestGap, c.GapFrom, c.GapTo, c.Allowed = gap, &from, &to, c.Every
			if i == 1 {
				c.Allowed = c.FirstWithin
			}
		}
	}
}

// commsMarkdown writes the compliance section of the review's Markdown.
func commsMarkdown(w func(string, ...any), c *CommsCompliance, at func(time.Time) string) {
	if c == nil {
		return
	}
	every := "none after the first"
	if c.Every > 0 {
		every = "every " + FormatDuration(c.Every)
	}
	w("## Communication cadence\n\n")
	w("Public updates: first within %s, then %s. %d deadlines, %d updates sent; %d on time, %d late, %d missed.\n",
		FormatDuration(c.FirstWithin), every, c.Expected, c.Sent, c.OnTime, c.Late, c.Missed)
	if c.GapFrom != nil {
		over := ""
		if c.Allowed > 0 && c.LongestGap > c.Allowed {
			over = fmt.Sprintf(", **%s over**", FormatDuration((c.LongestGap - c.Allowed).Round(time.Minute)))
		}
		w("Longest gap without an update: %s (%s to %s; cadence %s%s).\n", FormatDuration(c.LongestGap.Round(time.Minute)),
			at(*c.GapFrom), at(*c.GapTo), orDash(cadenceWords(c.Allowed)), over)
	}
	for _, o := range c.Intervals {
		met := "never met"
		if o.MetAt != nil {
			met = "met " + at(*o.MetAt)
		}
		w("- update due %s: %s (%s)\n", at(o.Due), strings.ReplaceAll(string(o.Outcome), "_", " "), met)
	}
	w("\n")
}

func cadenceWords(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return FormatDuration(d)
}
