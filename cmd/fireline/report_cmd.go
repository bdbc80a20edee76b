package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// newReportCommand is `fireline report`: reports across incidents.
func newReportCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Reports across incidents: response times, clock compliance, reviews, action items, alert noise"}
	cmd.AddCommand(newReportShowCommand(g))
	return cmd
}

func newReportShowCommand(g *globals) *cobra.Command {
	var from, to, severity string
	var f fireline.ReportFilter
	var asCSV bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the report of the incidents declared in a range (default the last 90 days), or write it as CSV",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if f.From, err = parseReportFlag("from", from); err != nil {
				return err
			}
			if f.To, err = parseReportFlag("to", to); err != nil {
				return err
			}
			f.Severity = fireline.Severity(severity)
			c, err := g.client()
			if err != nil {
				return err
			}
			rep, err := c.Report(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asCSV {
				_, err := g.env.Stdout.Write(web.ReportCSV(rep))
				return err
			}
			return g.print(rep, func(w io.Writer) { printReport(w, rep) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "start of the range: a date (UTC) or an RFC 3339 instant")
	fl.StringVar(&to, "to", "", "end of the range, exclusive (default now)")
	fl.StringVar(&f.Service, "service", "", "only incidents on this service")
	fl.StringVar(&severity, "severity", "", "only incidents of this severity")
	fl.StringVar(&f.Period, "period", "", "day or week (default)")
	fl.BoolVar(&asCSV, "csv", false, "write the report as CSV")
	return cmd
}

// parseReportFlag reads a date or an RFC 3339 instant; EInvalid names the
// flag.
func parseReportFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, &fireline.Error{Code: fireline.EInvalid, Message: "invalid report filter",
			Fields: []fireline.FieldError{{Field: name, Message: "want a date (2026-12-01) or an RFC 3339 instant, not " + fmt.Sprintf("%q", v)}}}
	}
	return t, nil
}

func printReport(w io.Writer, rep *fireline.Report) {
	fmt.Fprintf(w, "%d incidents declared %s to %s\n\n", rep.Totals.Incidents, rep.Filter.From.Format(time.DateOnly), rep.Filter.To.Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tINCIDENTS\tMTTA\tMITIGATE\tMTTR\tRESPOND MET\tESCALATE MET\tRESOLVE MET")
	for _, f := range append(rep.Severities, rep.Totals) {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s", f.Key, f.Incidents, reportSeconds(f.MTTA), reportSeconds(f.MTTM), reportSeconds(f.MTTR))
		for _, c := range f.SLA {
			fmt.Fprintf(tw, "\t%d/%d", c.Met, c.Met+c.Missed)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nreviews: %d on time, %d late or overdue, %d running\n", rep.Reviews.OnTime, rep.Reviews.Late, rep.Reviews.Pending)
	fmt.Fprintf(w, "action items: %d of %d done, %d open (%d overdue)\n", rep.Items.Done, rep.Items.Created, rep.Items.Open, rep.Items.Overdue)
	fmt.Fprintf(w, "alerts: %d, %.1f per incident; %d incidents resolved without anyone acting\n", rep.Noise.Alerts, rep.Noise.AlertsPerIncident, rep.Noise.AutoResolved)
	for _, r := range rep.Noise.TopRules {
		fmt.Fprintf(w, "  %d\t%s: %s\n", r.Alerts, r.Service, r.Summary)
	}
}

func reportSeconds(s float64) string {
	if s <= 0 {
		return "-"
	}
	return fireline.FormatDuration(time.Duration(s * float64(time.Second)).Round(time.Minute))
}
