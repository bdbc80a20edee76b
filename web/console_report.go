package web

import (
	"html/template"
	"math"
	"net/http"
	"time"

	"github.com/fireline-dev/fireline"
)

// reportView is what the reports page shows: the report, its charts and
// the filter's values for the form and the export links.
type reportView struct {
	Report *fireline.Report
	Input  reportInput
	Query  template.URL // the filter as a query string, for the exports
	Charts []reportChart
}

// reportChart is a chart and its visible caption.
type reportChart struct {
	Caption string
	SVG     template.HTML
}

// reportsPage shows the report the query selects (GET, a form of
// filters), with charts drawn here and the CSV and JSON exports linked.
func (h *handler) reportsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := reportInput{From: q.Get("from"), To: q.Get("to"), Service: q.Get("service"), Severity: q.Get("severity"), Period: q.Get("period")}
	rep, err := h.report(r.Context(), in)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	v := &reportView{Report: rep, Input: in, Query: template.URL(r.URL.RawQuery), Charts: reportCharts(rep)}
	if in.From == "" {
		v.Input.From = rep.Filter.From.Format(time.DateOnly)
	}
	if in.To == "" {
		v.Input.To = rep.Filter.To.Format(time.DateOnly)
	}
	h.render(w, r, http.StatusOK, "reports", &page{Title: "Reports", Nav: "reports", Self: "/reports", Data: v})
}

// reportCharts draws incidents per period, and the mean times to
// acknowledge and to resolve per period by severity.
func reportCharts(rep *fireline.Report) []reportChart {
	xs := make([]string, len(rep.Periods))
	counts := chartSeries{Name: "incidents", Colour: "#2563eb", Values: make([]float64, len(rep.Periods))}
	var mtta, mttr []chartSeries
	for i, p := range rep.Periods {
		xs[i] = p.Start.Format("2 Jan")
		counts.Values[i] = float64(p.All.Incidents)
		for j, sev := range p.Severities {
			if i == 0 {
				mtta = append(mtta, chartSeries{Name: sev.Key, Colour: seriesColour(j), Values: make([]float64, len(rep.Periods))})
				mttr = append(mttr, chartSeries{Name: sev.Key, Colour: seriesColour(j), Values: make([]float64, len(rep.Periods))})
			}
			mtta[j].Values[i] = meanOrNaN(sev.MTTA, sev.Acknowledged, time.Minute)
			mttr[j].Values[i] = meanOrNaN(sev.MTTR, sev.Resolved, time.Hour)
		}
	}
	per := rep.Filter.Period
	titles := []string{"Incidents declared per " + per, "Mean time to acknowledge per " + per + ", by severity",
		"Mean time to resolve per " + per + ", by severity"}
	return []reportChart{
		{titles[0], barChart("chart-incidents", titles[0], "incidents", xs, counts)},
		{titles[1], lineChart("chart-mtta", titles[1], "minutes", xs, mtta)},
		{titles[2], lineChart("chart-mttr", titles[2], "hours", xs, mttr)},
	}
}

// meanOrNaN is a mean in seconds in the unit, NaN where nothing was
// measured.
func meanOrNaN(seconds float64, n int64, unit time.Duration) float64 {
	if n == 0 {
		return math.NaN()
	}
	return seconds * float64(time.Second) / float64(unit)
}
