package fireline

import (
	"strings"
	"time"
)

// Reports (issue 19 item 4): how the response went across incidents, read
// by leadership. The store sums what its indexed columns hold
// (ReportSums, one per period and severity, or per service); the domain
// folds the sums into figures (BuildReport): mean times to acknowledge,
// mitigate and resolve, clock compliance, the reviews' on-time rate, the
// action items' closure rate and age, and alert noise. docs/reports.md.

// Report periods.
const (
	PeriodDay  = "day"
	PeriodWeek = "week"
)

// Report limits: the longest range a report covers, and how many noisy
// alert rules it names.
const (
	MaxReportRange = 2 * 366 * 24 * time.Hour
	TopNoisyRules  = 10
)

// ReportFilter selects the incidents a report covers: declared in [From,
// To), of a service and a severity if given, summed by Period.
type ReportFilter struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Service  string    `json:"service,omitempty"`
	Severity Severity  `json:"severity,omitempty"`
	Period   string    `json:"period"`
}

// Validate returns the filter normalised (default the 90 days up to the
// end of today, by week; whole days in UTC: From at its midnight, To at
// the next), or EInvalid naming every bad field.
func (f ReportFilter) Validate(p *Policy, now time.Time) (ReportFilter, error) {
	if f.To.IsZero() {
		f.To = now
	}
	// Whole days (UTC), as the store keeps its sums: To ends at the
	// midnight after it, unless it is one.
	const day = 24 * time.Hour
	if f.To = f.To.UTC(); !f.To.Truncate(day).Equal(f.To) {
		f.To = f.To.Truncate(day).Add(day)
	}
	if f.From.IsZero() {
		f.From = f.To.Add(-90 * day)
	}
	if f.Period == "" {
		f.Period = PeriodWeek
	}
	f.From = f.From.UTC().Truncate(day)
	var fe []FieldError
	if !f.To.After(f.From) {
		fe = append(fe, FieldError{"to", "must be after from"})
	} else if f.To.Sub(f.From) > MaxReportRange {
		fe = append(fe, FieldError{"from", "a report covers at most two years"})
	}
	if f.Period != PeriodDay && f.Period != PeriodWeek {
		fe = append(fe, FieldError{"period", "unknown period " + quote(f.Period) + "; want day or week"})
	}
	if f.Severity != "" {
		if _, ok := p.Severity(f.Severity); !ok {
			fe = append(fe, FieldError{"severity", "unknown severity " + quote(string(f.Severity)) + "; want one of " + joinSeverities(p)})
		}
	}
	if _, ok := p.Service(f.Service); f.Service != "" && !ok {
		fe = append(fe, FieldError{"service", "unknown service " + quote(f.Service)})
	}
	if fe != nil {
		return f, &Error{Code: EInvalid, Message: "invalid report filter", Fields: fe}
	}
	return f, nil
}

// Step is the length of one period.
func (f ReportFilter) Step() time.Duration {
	if f.Period == PeriodDay {
		return 24 * time.Hour
	}
	return 7 * 24 * time.Hour
}

// ReportSums are the sums the store reads for one group of incidents:
// one period and severity, or one service (Period -1). Durations are
// summed from the declaration.
type ReportSums struct {
	Period   int      `json:"period"`
	Severity Severity `json:"severity,omitempty"`
	Service  string   `json:"service,omitempty"`

	Incidents    int64         `json:"incidents"`
	Acknowledged int64         `json:"acknowledged"`
	AckSum       time.Duration `json:"-"`
	Mitigated    int64         `json:"mitigated"`
	MitigateSum  time.Duration `json:"-"`
	Resolved     int64         `json:"resolved"`
	ResolveSum   time.Duration `json:"-"`
	AutoResolved int64         `json:"auto_resolved"`
	// Met and Missed count each clock's outcomes (respond, escalate,
	// resolve); an incident whose clock still runs and is not due is in
	// neither.
	Met    map[ClockName]int64 `json:"-"`
	Missed map[ClockName]int64 `json:"-"`
}

// ReportReviews counts the reviews due of the covered incidents: approved
// by their due date, approved late or overdue unapproved, and still
// running.
type ReportReviews struct {
	Due     int64 `json:"due"`
	OnTime  int64 `json:"on_time"`
	Late    int64 `json:"late"`
	Pending int64 `json:"pending"`
}

// ReportItems sums the action items of the covered incidents.
type ReportItems struct {
	Created int64 `json:"created"`
	Done    int64 `json:"done"`
	Open    int64 `json:"open"`
	Overdue int64 `json:"overdue"`
	// DoneAgeSum sums the done items' time from creation to closing;
	// OpenAgeSum the open items' age now; OldestOpen the oldest's.
	DoneAgeSum time.Duration `json:"-"`
	OpenAgeSum time.Duration `json:"-"`
	OldestOpen time.Duration `json:"-"`
}

// NoisyRule is an alert rule (a service's alerts of one summary) and how
// often it fired in the range.
type NoisyRule struct {
	Service   string `json:"service"`
	Summary   string `json:"summary"`
	Alerts    int64  `json:"alerts"`
	Incidents int64  `json:"incidents"`
	// Suppressed counts its alerts that opened no incident (maintenance,
	// silences).
	Suppressed int64 `json:"suppressed"`
}

// ReportNoise is what the alerts of the range say: how many, how many
// attached to incidents, and the noisiest rules.
type ReportNoise struct {
	Alerts   int64       `json:"alerts"`
	Attached int64       `json:"attached"`
	TopRules []NoisyRule `json:"top_rules"`
}

// ReportInput is everything the store reads for a report.
type ReportInput struct {
	Filter     ReportFilter
	BySeverity []ReportSums // by period and severity
	ByService  []ReportSums // by service
	Reviews    ReportReviews
	Items      ReportItems
	Noise      ReportNoise
	// Restricted tells whether restricted incidents were counted (admins).
	Restricted bool
}

// IsPersonActor reports whether a timeline actor is a person (not an
// automation, the pager or the system).
func IsPersonActor(actor string) bool {
	return actor != "" && actor != "system" && !strings.Contains(actor, ":")
}

// ReportMarks are what a report needs of an incident's timeline beyond
// its row: the first mitigation step and the first act of a person,
// among events (nil when none is there).
func ReportMarks(events []*Event) (mitigated, human *time.Time) {
	for _, e := range events {
		if human == nil && IsPersonActor(e.Actor) {
			at := e.At
			human = &at
		}
		if mitigated == nil && e.Type == EventNote {
			if d, err := e.DecodeData(); err == nil && d.(*NoteData).Kind == NoteMitigation {
				at := e.At
				mitigated = &at
			}
		}
	}
	return mitigated, human
}
