package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
)

// reportInput is a report's filter as the API and the console take it.
type reportInput struct {
	From     string `query:"from" example:"2026-09-01" doc:"Start of the range: a date (UTC) or an RFC 3339 instant; default 90 days before to."`
	To       string `query:"to" example:"2026-12-01" doc:"End of the range (exclusive); default now."`
	Service  string `query:"service" doc:"Only incidents on this service."`
	Severity string `query:"severity" doc:"Only incidents of this severity."`
	Period   string `query:"period" doc:"day or week (default)."`
}

type reportOutput struct {
	Body *fireline.Report
}

type reportCSVOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// filter parses the input; EInvalid names each bad field. The rest is
// checked by the service (fireline.ReportFilter.Validate).
func (in reportInput) filter() (fireline.ReportFilter, error) {
	f := fireline.ReportFilter{Service: in.Service, Severity: fireline.Severity(in.Severity), Period: in.Period}
	var fe []fireline.FieldError
	for _, p := range []struct {
		name, v string
		to      *time.Time
	}{{"from", in.From, &f.From}, {"to", in.To, &f.To}} {
		t, err := parseReportTime(p.v)
		if err != nil {
			fe = append(fe, fireline.FieldError{Field: p.name, Message: "want a date (2026-12-01) or an RFC 3339 instant, not " + strconv.Quote(p.v)})
		}
		*p.to = t
	}
	if fe != nil {
		return f, &fireline.Error{Code: fireline.EInvalid, Message: "invalid report filter", Fields: fe}
	}
	return f, nil
}

func parseReportTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// report reads the report the input selects.
func (h *handler) report(ctx context.Context, in reportInput) (*fireline.Report, error) {
	if h.cfg.Reports == nil {
		return nil, fireline.Errorf(fireline.EUnavailable, "reports are not served here")
	}
	f, err := in.filter()
	if err != nil {
		return nil, err
	}
	return h.cfg.Reports.Report(ctx, f)
}

func (h *handler) getReport(ctx context.Context, in *reportInput) (*reportOutput, error) {
	rep, err := h.report(ctx, *in)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &reportOutput{Body: rep}, nil
}

func (h *handler) getReportCSV(ctx context.Context, in *reportInput) (*reportCSVOutput, error) {
	rep, err := h.report(ctx, *in)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &reportCSVOutput{ContentType: "text/csv; charset=utf-8",
		ContentDisposition: `attachment; filename="fireline-report.csv"`, Body: ReportCSV(rep)}, nil
}

// reportRoutes declares the report's API routes.
func (h *handler) reportRoutes() {
	operation(h, viewer, get("/reports", "get-report", "Report across incidents: MTTA, MTTR and time to mitigate by severity, service and period, clock compliance, reviews on time, action items, alert noise", "reports"), h.getReport)
	operation(h, viewer, get("/reports.csv", "get-report-csv", "The report as CSV: one row per severity, service and period", "reports"), h.getReportCSV)
}

// reportCSVHeader names the CSV's columns.
var reportCSVHeader = []string{"group", "key", "period_start", "incidents", "acknowledged", "mitigated", "resolved", "auto_resolved",
	"mtta_seconds", "mttm_seconds", "mttr_seconds", "respond_met", "respond_missed", "escalate_met", "escalate_missed", "resolve_met", "resolve_missed"}

// ReportCSV writes the report's figures as CSV: the totals, each
// severity, each service, then each period, all and by severity.
func ReportCSV(rep *fireline.Report) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(reportCSVHeader)
	row := func(group, start string, f fireline.ReportFigures) {
		r := []string{group, f.Key, start, csvInt(f.Incidents), csvInt(f.Acknowledged), csvInt(f.Mitigated), csvInt(f.Resolved), csvInt(f.AutoResolved),
			csvFloat(f.MTTA), csvFloat(f.MTTM), csvFloat(f.MTTR)}
		for _, c := range f.SLA {
			r = append(r, csvInt(c.Met), csvInt(c.Missed))
		}
		w.Write(r)
	}
	row("total", "", rep.Totals)
	for _, f := range rep.Severities {
		row("severity", "", f)
	}
	for _, f := range rep.Services {
		row("service", "", f)
	}
	for _, p := range rep.Periods {
		start := p.Start.Format(time.DateOnly)
		row("period", start, p.All)
		for _, f := range p.Severities {
			row("period_severity", start, f)
		}
	}
	w.Flush()
	return buf.Bytes()
}

func csvInt(n int64) string { return strconv.FormatInt(n, 10) }

func csvFloat(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }

// reportQuery is the filter as query parameters.
func reportQuery(f fireline.ReportFilter) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.From.IsZero() {
		q.Set("from", f.From.UTC().Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.UTC().Format(time.RFC3339))
	}
	set("service", f.Service)
	set("severity", string(f.Severity))
	set("period", f.Period)
	return q
}

// Report reads a report.
func (c *Client) Report(ctx context.Context, f fireline.ReportFilter) (*fireline.Report, error) {
	return call[fireline.Report](ctx, c, http.MethodGet, "/reports", reportQuery(f), nil)
}
