// Package generic decodes Fireline's own JSON webhook, for senders that
// speak no monitoring format: user reports, support tickets, security
// tools, scripts. It is pure: bytes in, alerts out.
//
// A body is one alert object or an array of them:
//
//	{"summary": "Checkout fails for EU users", "dedup_key": "ticket-4711",
//	 "status": "firing", "severity": "P2", "source": "zendesk",
//	 "labels": {"team": "payments"}, "url": "https://...", "details": {...}}
//
// status is firing (default), acknowledged or resolved (trigger,
// acknowledge and resolve are accepted too); severity is P1-P4 or a word
// the policy maps (critical, error, warning, info).
//
// It imports the fireline domain, ingest and the standard library.
package generic

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
)

// Alert is one alert of the generic format.
type Alert struct {
	Summary     string            `json:"summary"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	DedupKey    string            `json:"dedup_key"`
	Status      string            `json:"status"`
	Severity    string            `json:"severity"`
	Source      string            `json:"source"`
	Labels      map[string]string `json:"labels"`
	URL         string            `json:"url"`
	StartsAt    *time.Time        `json:"starts_at"`
	Details     json.RawMessage   `json:"details"`
}

// Decode parses a body of one alert or an array of alerts, as many as
// the route's body limit lets in. An *ingest.Invalid lists what is wrong.
func Decode(body []byte) ([]fireline.AlertInput, error) {
	var list []Alert
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		if err := ingest.DecodeJSON(body, &list); err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, ingest.Invalidf("the array holds no alerts")
		}
	} else {
		var one Alert
		if err := ingest.DecodeJSON(body, &one); err != nil {
			return nil, err
		}
		list = []Alert{one}
	}
	var problems []string
	out := make([]fireline.AlertInput, 0, len(list))
	for i, a := range list {
		in, bad := a.input()
		for _, b := range bad {
			problems = append(problems, "alerts["+strconv.Itoa(i)+"]: "+b)
		}
		out = append(out, in)
	}
	if len(problems) > 0 {
		return nil, &ingest.Invalid{Problems: problems}
	}
	return out, nil
}

func (a *Alert) input() (fireline.AlertInput, []string) {
	var bad []string
	in := fireline.AlertInput{DedupKey: a.DedupKey, Summary: a.Summary, Source: a.Source, Severity: a.Severity,
		Labels: a.Labels, URL: a.URL, StartsAt: a.StartsAt}
	if in.Summary == "" {
		in.Summary = a.Title
	}
	if a.Description != "" {
		in.Annotations = map[string]string{"description": a.Description}
	}
	switch a.Status {
	case "", "firing", "trigger", "triggered":
		in.Action = fireline.AlertTrigger
		if in.Summary == "" {
			bad = append(bad, "summary is required")
		}
	case "acknowledged", "acknowledge":
		in.Action = fireline.AlertAcknowledge
	case "resolved", "resolve":
		in.Action = fireline.AlertResolve
	default:
		bad = append(bad, "status must be firing, acknowledged or resolved")
	}
	if in.Action != fireline.AlertTrigger && in.DedupKey == "" {
		bad = append(bad, "dedup_key is required to acknowledge or resolve")
	}
	if len(a.Details) > 0 && string(a.Details) != "null" {
		in.Details = a.Details
	}
	return in, bad
}
