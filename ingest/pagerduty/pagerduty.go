// Package pagerduty decodes PagerDuty Events API v2 bodies (alert events
// for /v2/enqueue, change events for /v2/change/enqueue) into Fireline
// alerts and changes, checking them as PagerDuty does, so that any tool
// that pages PagerDuty can page Fireline by changing its events URL. It
// is pure: bytes in, values out.
//
// It imports the fireline domain, ingest and the standard library.
package pagerduty

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
)

// Event is an alert event: the fields Fireline reads.
type Event struct {
	RoutingKey  string  `json:"routing_key"`
	EventAction string  `json:"event_action"`
	DedupKey    string  `json:"dedup_key"`
	Payload     Payload `json:"payload"`
	Client      string  `json:"client"`
	ClientURL   string  `json:"client_url"`
	Links       []Link  `json:"links"`
	Images      []Image `json:"images"`
}

// Payload is an event's payload.
type Payload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"`
	Timestamp     string          `json:"timestamp"`
	Component     string          `json:"component"`
	Group         string          `json:"group"`
	Class         string          `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

// Link is a link of an event.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// Image is an image of an event.
type Image struct {
	Src  string `json:"src"`
	Href string `json:"href"`
	Alt  string `json:"alt"`
}

// Severities are the payload severities PagerDuty accepts.
var Severities = []string{"critical", "error", "warning", "info"}

// Decode parses and checks an alert event. The routing key is returned
// even when the event is invalid, if it could be read. An *ingest.Invalid
// lists what is wrong, in PagerDuty's words where it has them.
func Decode(body []byte) (routingKey string, in fireline.AlertInput, err error) {
	var e Event
	if err := ingest.DecodeJSON(body, &e); err != nil {
		return "", in, err
	}
	in, err = e.Input()
	return e.RoutingKey, in, err
}

// Input checks the event and converts it.
func (e *Event) Input() (fireline.AlertInput, error) {
	var problems []string
	bad := func(s string) { problems = append(problems, s) }
	if strings.TrimSpace(e.RoutingKey) == "" {
		bad("'routing_key' is missing or blank")
	}
	in := fireline.AlertInput{DedupKey: e.DedupKey, Summary: e.Payload.Summary, Source: e.Payload.Source, Severity: e.Payload.Severity}
	switch e.EventAction {
	case "trigger":
		in.Action = fireline.AlertTrigger
		if strings.TrimSpace(e.Payload.Summary) == "" {
			bad("'payload.summary' is missing or blank")
		}
		if strings.TrimSpace(e.Payload.Source) == "" {
			bad("'payload.source' is missing or blank")
		}
		if !slices.Contains(Severities, e.Payload.Severity) {
			bad("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")
		}
	case "acknowledge", "resolve":
		in.Action = fireline.AlertAction(e.EventAction)
		if strings.TrimSpace(e.DedupKey) == "" {
			bad("'dedup_key' is missing or blank")
		}
	default:
		bad("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
	}
	if utf8.RuneCountInString(e.DedupKey) > fireline.MaxDedupKey {
		bad("'dedup_key' is too long (maximum is 255 characters)")
	}
	if utf8.RuneCountInString(e.Payload.Summary) > fireline.MaxAlertSummary {
		bad("'payload.summary' is too long (maximum is 1024 characters)")
	}
	if e.Payload.Timestamp != "" {
		t, err := ingest.ParseTime(e.Payload.Timestamp)
		if err != nil {
			bad("'payload.timestamp' is invalid (must be ISO 8601)")
		} else {
			in.StartsAt = &t
		}
	}
	for i, l := range e.Links {
		if l.Href == "" {
			bad("'links[" + itoa(i) + "].href' is missing or blank")
		}
	}
	if len(problems) > 0 {
		return in, &ingest.Invalid{Problems: problems}
	}
	in.Labels = labels(map[string]string{"severity": e.Payload.Severity, "source": e.Payload.Source,
		"component": e.Payload.Component, "group": e.Payload.Group, "class": e.Payload.Class, "client": e.Client})
	if len(e.Links) > 0 {
		in.URL = e.Links[0].Href
	} else if e.ClientURL != "" {
		in.URL = e.ClientURL
	}
	if len(e.Payload.CustomDetails) > 0 && string(e.Payload.CustomDetails) != "null" {
		in.Details = e.Payload.CustomDetails
	}
	return in, nil
}

// labels keeps the non-empty values.
func labels(m map[string]string) map[string]string {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// ChangeEvent is a change event.
type ChangeEvent struct {
	RoutingKey string        `json:"routing_key"`
	Payload    ChangePayload `json:"payload"`
	Links      []Link        `json:"links"`
}

// ChangePayload is a change event's payload.
type ChangePayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Timestamp     string          `json:"timestamp"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

// DecodeChange parses and checks a change event.
func DecodeChange(body []byte) (routingKey string, c fireline.ChangeInput, err error) {
	var e ChangeEvent
	if err := ingest.DecodeJSON(body, &e); err != nil {
		return "", c, err
	}
	var problems []string
	if strings.TrimSpace(e.RoutingKey) == "" {
		problems = append(problems, "'routing_key' is missing or blank")
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(e.Payload.Summary)); {
	case n == 0:
		problems = append(problems, "'payload.summary' is missing or blank")
	case n > fireline.MaxAlertSummary:
		problems = append(problems, "'payload.summary' is too long (maximum is 1024 characters)")
	}
	c = fireline.ChangeInput{Summary: strings.TrimSpace(e.Payload.Summary), Source: e.Payload.Source}
	if e.Payload.Timestamp != "" {
		if t, err := ingest.ParseTime(e.Payload.Timestamp); err != nil {
			problems = append(problems, "'payload.timestamp' is invalid (must be ISO 8601)")
		} else {
			c.Timestamp = &t
		}
	}
	for i, l := range e.Links {
		if l.Href == "" {
			problems = append(problems, "'links["+itoa(i)+"].href' is missing or blank")
			continue
		}
		c.Links = append(c.Links, fireline.ChangeLink{Href: l.Href, Text: l.Text})
	}
	if len(problems) > 0 {
		return e.RoutingKey, c, &ingest.Invalid{Problems: problems}
	}
	return e.RoutingKey, c, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
