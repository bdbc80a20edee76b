package ingest

import (
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// Group is what Alertmanager's and Grafana's webhooks have in common: a
// versioned message with a status and a group of labelled alerts, each
// firing or resolved. Each decoder fills it from its own message type
// and its own choices (which URL, which source, the summary's fallbacks).
type Group struct {
	Sender  string // "Alertmanager", "Grafana": named in problems
	Version string // the message's version; WantVersion is what the sender sends
	// WantVersion is named when the version is missing.
	WantVersion string
	Status      string
	Alerts      []LabelledAlert
	HasAlerts   bool // the alerts field was present (an empty list is valid)
}

// LabelledAlert is one alert of a Group, as the decoder chose its fields.
type LabelledAlert struct {
	Status         string
	Labels         map[string]string
	Annotations    map[string]string
	StartsAt       *time.Time
	RequireStart   bool // Alertmanager always sends startsAt: missing means a broken sender
	Fingerprint    string
	URL, Source    string
	SummaryDefault []string // tried in order after annotations.summary and labels.alertname
	KeyPrefix      string   // the last resort summary is KeyPrefix + dedup key
}

// Inputs checks the group and converts its alerts, all of them: both
// senders put a whole group in one message and do not retry a 4xx, so
// refusing a large group would lose it. The route's body limit bounds a
// message (docs/adr/0050). An *Invalid lists every problem.
func (g *Group) Inputs() ([]fireline.AlertInput, error) {
	var problems []string
	if g.Version == "" {
		problems = append(problems, "version is required ("+g.Sender+" sends \""+g.WantVersion+"\")")
	}
	if g.Status != "firing" && g.Status != "resolved" {
		problems = append(problems, "status must be firing or resolved")
	}
	if !g.HasAlerts {
		problems = append(problems, "alerts is required")
	}
	out := make([]fireline.AlertInput, 0, len(g.Alerts))
	for i := range g.Alerts {
		in, bad := g.Alerts[i].input(i)
		problems = append(problems, bad...)
		out = append(out, in)
	}
	if len(problems) > 0 {
		return nil, &Invalid{Problems: problems}
	}
	return out, nil
}

func (a *LabelledAlert) input(i int) (fireline.AlertInput, []string) {
	var problems []string
	in := fireline.AlertInput{
		DedupKey: a.Fingerprint, Labels: a.Labels, Annotations: a.Annotations,
		Severity: a.Labels["severity"], URL: a.URL, Source: a.Source, StartsAt: a.StartsAt,
	}
	switch a.Status {
	case "firing":
		in.Action = fireline.AlertTrigger
	case "resolved":
		in.Action = fireline.AlertResolve
	default:
		problems = append(problems, at(i, "status must be firing or resolved"))
	}
	if len(a.Labels) == 0 {
		problems = append(problems, at(i, "labels are required"))
	}
	if a.RequireStart && a.StartsAt == nil {
		problems = append(problems, at(i, "startsAt is required"))
	}
	if in.DedupKey == "" {
		in.DedupKey = fireline.LabelsFingerprint(a.Labels)
	}
	candidates := append([]string{a.Annotations["summary"], a.Labels["alertname"]}, a.SummaryDefault...)
	in.Summary = FirstNonBlank(append(candidates, a.KeyPrefix+in.DedupKey)...)
	return in, problems
}

func at(i int, msg string) string {
	return "alerts[" + strconv.Itoa(i) + "]: " + msg
}

// FirstNonBlank returns the first value that is not blank, or "".
func FirstNonBlank(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
