package fireline

import (
	"slices"
	"strings"
	"time"
)

// ReportClocks are the clocks a report counts compliance of, in order.
var ReportClocks = []ClockName{ClockRespond, ClockEscalate, ClockResolve}

// Report is what a report shows: figures for every covered incident, by
// severity, by service and by period, and the reviews, action items and
// alert noise of the range. Times are in seconds.
type Report struct {
	Filter ReportFilter `json:"filter"`
	At     time.Time    `json:"at"`
	// Restricted tells whether restricted incidents are counted: for
	// admins only (docs/reports.md).
	Restricted bool            `json:"restricted_counted"`
	Totals     ReportFigures   `json:"totals"`
	Severities []ReportFigures `json:"by_severity"`
	Services   []ReportFigures `json:"by_service"`
	Periods    []ReportPeriod  `json:"periods"`
	Reviews    ReviewFigures   `json:"reviews"`
	Items      ItemFigures     `json:"action_items"`
	Noise      NoiseFigures    `json:"alert_noise"`
}

// ReportFigures are the figures of one group of incidents.
type ReportFigures struct {
	Key          string            `json:"key"`
	Incidents    int64             `json:"incidents"`
	Acknowledged int64             `json:"acknowledged"`
	Mitigated    int64             `json:"mitigated"`
	Resolved     int64             `json:"resolved"`
	AutoResolved int64             `json:"auto_resolved"`
	MTTA         float64           `json:"mtta_seconds"`
	MTTM         float64           `json:"mttm_seconds"`
	MTTR         float64           `json:"mttr_seconds"`
	SLA          []ClockCompliance `json:"sla"`
}

// ClockCompliance is how often one clock was met; Rate is Met's share of
// the decided outcomes (0 with none).
type ClockCompliance struct {
	Clock  ClockName `json:"clock"`
	Met    int64     `json:"met"`
	Missed int64     `json:"missed"`
	Rate   float64   `json:"rate"`
}

// ReportPeriod is one period's figures, all and by severity.
type ReportPeriod struct {
	Start      time.Time       `json:"start"`
	All        ReportFigures   `json:"all"`
	Severities []ReportFigures `json:"by_severity"`
}

// ReviewFigures are the reviews' counts and their on-time rate (of those
// decided: on time or late).
type ReviewFigures struct {
	ReportReviews
	OnTimeRate float64 `json:"on_time_rate"`
}

// ItemFigures are the action items' counts, their closure rate and ages.
type ItemFigures struct {
	ReportItems
	ClosureRate    float64 `json:"closure_rate"`
	MeanDoneAge    float64 `json:"mean_days_to_close"`
	MeanOpenAge    float64 `json:"mean_open_age_days"`
	OldestOpenDays float64 `json:"oldest_open_days"`
}

// NoiseFigures are the alert noise's counts and shares.
type NoiseFigures struct {
	ReportNoise
	AlertsPerIncident float64 `json:"alerts_per_incident"`
	AutoResolved      int64   `json:"auto_resolved"`
	AutoResolvedShare float64 `json:"auto_resolved_share"`
}

// BuildReport folds what the store read into the report, as of now.
func (p *Policy) BuildReport(in ReportInput, now time.Time) *Report {
	r := &Report{Filter: in.Filter, At: now.UTC(), Restricted: in.Restricted}
	bySev := map[Severity]*ReportSums{}
	periods := map[int]map[Severity]*ReportSums{}
	all := &ReportSums{}
	for i := range in.BySeverity {
		s := &in.BySeverity[i]
		addSums(all, s)
		addSums(sumsOf(bySev, s.Severity), s)
		if periods[s.Period] == nil {
			periods[s.Period] = map[Severity]*ReportSums{}
		}
		addSums(sumsOf(periods[s.Period], s.Severity), s)
	}
	r.Totals = figures("all", all)
	for _, sp := range p.Severities {
		if s := bySev[sp.Level]; s != nil && s.Incidents != 0 { // kept sums may leave a row at zero
			r.Severities = append(r.Severities, figures(string(sp.Level), s))
		}
	}
	for i := range in.ByService {
		if in.ByService[i].Incidents != 0 {
			r.Services = append(r.Services, figures(in.ByService[i].Service, &in.ByService[i]))
		}
	}
	slices.SortFunc(r.Services, func(a, b ReportFigures) int {
		if a.Incidents != b.Incidents {
			return int(b.Incidents - a.Incidents)
		}
		return strings.Compare(a.Key, b.Key)
	})
	r.Periods = p.reportPeriods(in.Filter, periods)
	r.Reviews = ReviewFigures{ReportReviews: in.Reviews, OnTimeRate: rate(in.Reviews.OnTime, in.Reviews.OnTime+in.Reviews.Late)}
	r.Items = itemFigures(in.Items)
	r.Noise = NoiseFigures{ReportNoise: in.Noise, AlertsPerIncident: share(in.Noise.Attached, all.Incidents),
		AutoResolved: all.AutoResolved, AutoResolvedShare: rate(all.AutoResolved, all.Resolved)}
	return r
}

// reportPeriods lists every period of the range, empty ones too, so that
// a chart's x axis is even.
func (p *Policy) reportPeriods(f ReportFilter, sums map[int]map[Severity]*ReportSums) []ReportPeriod {
	var out []ReportPeriod
	for i, start := 0, f.From; start.Before(f.To); i, start = i+1, start.Add(f.Step()) {
		rp := ReportPeriod{Start: start}
		all := &ReportSums{}
		for _, sp := range p.Severities {
			s := sums[i][sp.Level]
			if s == nil {
				s = &ReportSums{}
			}
			addSums(all, s)
			rp.Severities = append(rp.Severities, figures(string(sp.Level), s))
		}
		rp.All = figures("all", all)
		out = append(out, rp)
	}
	return out
}

func sumsOf(m map[Severity]*ReportSums, sev Severity) *ReportSums {
	if m[sev] == nil {
		m[sev] = &ReportSums{Severity: sev}
	}
	return m[sev]
}

// addSums adds b's sums to a's.
func addSums(a, b *ReportSums) {
	a.Incidents += b.Incidents
	a.Acknowledged += b.Acknowledged
	a.AckSum += b.AckSum
	a.Mitigated += b.Mitigated
	a.MitigateSum += b.MitigateSum
	a.Resolved += b.Resolved
	a.ResolveSum += b.ResolveSum
	a.AutoResolved += b.AutoResolved
	for _, c := range ReportClocks {
		if a.Met == nil {
			a.Met, a.Missed = map[ClockName]int64{}, map[ClockName]int64{}
		}
		a.Met[c] += b.Met[c]
		a.Missed[c] += b.Missed[c]
	}
}

func figures(key string, s *ReportSums) ReportFigures {
	f := ReportFigures{Key: key, Incidents: s.Incidents, Acknowledged: s.Acknowledged, Mitigated: s.Mitigated,
		Resolved: s.Resolved, AutoResolved: s.AutoResolved,
		MTTA: meanSeconds(s.AckSum, s.Acknowledged), MTTM: meanSeconds(s.MitigateSum, s.Mitigated),
		MTTR: meanSeconds(s.ResolveSum, s.Resolved)}
	for _, c := range ReportClocks {
		met, missed := s.Met[c], s.Missed[c]
		f.SLA = append(f.SLA, ClockCompliance{Clock: c, Met: met, Missed: missed, Rate: rate(met, met+missed)})
	}
	return f
}

func itemFigures(it ReportItems) ItemFigures {
	const day = float64(24 * time.Hour)
	return ItemFigures{ReportItems: it, ClosureRate: rate(it.Done, it.Created),
		MeanDoneAge: share(int64(it.DoneAgeSum), it.Done) / day, MeanOpenAge: share(int64(it.OpenAgeSum), it.Open) / day,
		OldestOpenDays: float64(it.OldestOpen) / day}
}

func meanSeconds(total time.Duration, n int64) float64 {
	return share(int64(total), n) / float64(time.Second)
}

// rate is part's share of whole, 0 for none.
func rate(part, whole int64) float64 { return share(part, whole) }

func share(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}
