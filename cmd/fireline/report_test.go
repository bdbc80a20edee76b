package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// reportIncidents seeds what a report reads: INC-1 (reviewedIncident: a
// P1 acknowledged after 3 minutes, mitigated at 40, resolved at 2 hours,
// its review due on 8 December) with two action items, one done; three
// alerts on api-gateway that open a P3 and resolve it with no person
// acting; and a restricted P2 that kai declares and resolves.
func reportIncidents(t *testing.T, p *pagingServer) (casey string) {
	t.Helper()
	_, casey = reviewedIncident(t, p)
	for _, title := range []string{"Alert on an empty upstream pool", "Document the rollback"} {
		p.mustCLI(t, casey, "action", "add", "INC-1", "--title", title, "--owner", "blake", "--deadline", "2026-12-10T17:00:00-05:00", "--kind", "monitoring")
	}
	p.advance(t, 24*time.Hour)
	p.mustCLI(t, casey, "action", "done", "A-2", "--note", "written")

	var gn fireline.CreatedIntegration
	p.cliJSON(t, adminSecret, &gn, "integration", "create", "--type", "generic", "--service", "api-gateway")
	post := func(key, summary, status string) {
		body := `{"summary":"` + summary + `","severity":"warning","dedup_key":"` + key + `","status":"` + status + `"}`
		if code, _, out := p.request(t, http.MethodPost, "/integrations/generic", gn.Key, body); code >= 300 {
			t.Fatalf("alert %s: %d %s", key, code, out)
		}
	}
	post("disk-1", "Disk almost full", "firing")
	post("disk-2", "Disk almost full", "firing")
	post("cert-1", "Certificate expires soon", "firing")
	p.advance(t, 10*time.Minute)
	for _, k := range []string{"disk-1", "disk-2", "cert-1"} {
		post(k, "x", "resolved")
	}
	p.advance(t, time.Minute)

	kai := p.newToken(t, "responder", "kai")
	var sec fireline.Incident
	p.cliJSON(t, kai, &sec, "incident", "declare", "--title", "Leaked credentials", "--severity", "P2", "--source", "security", "--service", "api-gateway")
	p.mustCLI(t, kai, "incident", "resolve", sec.ID, "--summary", "rotated")
	return casey
}

// TestReports: the report's figures through the CLI, the API's JSON and
// CSV and the console page, on both databases: response times and clock
// compliance by severity and service, reviews on time, action items,
// alert noise; a restricted incident is counted for admins only; bad
// filters are refused naming the field.
func TestReports(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		reportIncidents(t, p)
		viewer := p.newToken(t, "viewer", "finley")

		var rep fireline.Report
		p.cliJSON(t, viewer, &rep, "report", "show", "--from", "2026-11-30", "--to", "2026-12-04")
		if rep.Totals.Incidents != 2 || rep.Restricted {
			t.Fatalf("a viewer's report counts %d incidents (restricted %v), want 2: the restricted one is left out", rep.Totals.Incidents, rep.Restricted)
		}
		p1 := figuresOf(t, rep.Severities, "P1")
		if p1.MTTA != 180 || p1.MTTM != 2400 || p1.MTTR != 7200 || p1.AutoResolved != 0 {
			t.Errorf("P1: %+v, want MTTA 180 s, time to mitigate 2400 s, MTTR 7200 s", p1)
		}
		if got := slaOf(p1); got != "respond 1/1 escalate 1/1 resolve 1/1" {
			t.Errorf("P1 clocks: %s", got)
		}
		if svc := figuresOf(t, rep.Services, "api-gateway"); svc.Incidents != 2 {
			t.Errorf("api-gateway: %+v", svc)
		}
		if n := rep.Noise; n.Alerts != 3 || n.Attached != 3 || n.AutoResolved != 1 || len(n.TopRules) != 2 ||
			n.TopRules[0].Summary != "Disk almost full" || n.TopRules[0].Alerts != 2 || n.AlertsPerIncident != 1.5 {
			t.Errorf("alert noise: %+v", n)
		}
		if it := rep.Items; it.Created != 2 || it.Done != 1 || it.Open != 1 || it.ClosureRate != 0.5 || it.MeanDoneAge != 1 {
			t.Errorf("action items: %+v", it)
		}
		if r := rep.Reviews; r.Due != 1 || r.Pending != 1 || r.OnTime+r.Late != 0 {
			t.Errorf("reviews before the due date: %+v", r)
		}

		var all fireline.Report
		p.cliJSON(t, adminSecret, &all, "report", "show", "--from", "2026-11-30", "--to", "2026-12-04", "--period", "day")
		if all.Totals.Incidents != 3 || !all.Restricted || len(all.Periods) != 4 || all.Periods[1].All.Incidents != 1 || all.Periods[2].All.Incidents != 2 {
			t.Errorf("an admin's report: %d incidents, restricted %v, periods %d", all.Totals.Incidents, all.Restricted, len(all.Periods))
		}

		p.advance(t, 8*24*time.Hour) // past INC-1's review due date, not approved
		p.cliJSON(t, viewer, &rep, "report", "show", "--from", "2026-11-30", "--to", "2026-12-04", "--severity", "P1")
		if r := rep.Reviews; r.Late != 1 || r.OnTimeRate != 0 || rep.Totals.Incidents != 1 {
			t.Errorf("reviews after the due date: %+v (incidents %d)", r, rep.Totals.Incidents)
		}
		checkReportExports(t, p, viewer)
		checkReportBadInput(t, p, viewer)
	})
}

// checkReportExports: the CSV export, and the console page with its
// charts drawn as SVG.
func checkReportExports(t *testing.T, p *pagingServer, viewer string) {
	t.Helper()
	code, h, body := p.request(t, http.MethodGet, "/api/v1/reports.csv?from=2026-11-30&to=2026-12-04", viewer, "")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(string(body), "group,key,period_start,incidents,") || !strings.Contains(string(body), "\nseverity,P1,,1,1,1,1,0,180,2400,7200,1,0,1,0,1,0\n") {
		t.Errorf("CSV: %d %s\n%s", code, h.Get("Content-Type"), body)
	}
	cookie := p.session(t, "viewer", "finley")
	resp := p.console(t, http.MethodGet, "/reports?from=2026-11-30&to=2026-12-04", cookie, nil)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" id="chart-mttr"`, `<title id="chart-mtta-title">`, "<circle", `id="sev-P1"`, "Disk almost full", "/api/v1/reports.csv?from=2026-11-30"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), want) {
			t.Errorf("reports page (%d) lacks %q", resp.StatusCode, want)
		}
	}
}

// checkReportBadInput: bad filters answer 400 problem+json naming the
// field, on the API, the console and the CLI.
func checkReportBadInput(t *testing.T, p *pagingServer, viewer string) {
	t.Helper()
	for q, field := range map[string]string{"from=yesterday": "from", "period=month": "period", "severity=P9": "severity",
		"from=2026-12-04&to=2026-12-01": "to", "service=nope": "service", "from=2020-01-01": "from"} {
		code, h, body := p.request(t, http.MethodGet, "/api/v1/reports?"+q, viewer, "")
		if code != http.StatusBadRequest || h.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), `"`+field+`"`) {
			t.Errorf("%s: %d %s %s", q, code, h.Get("Content-Type"), body)
		}
	}
	if res := p.cli(t, viewer, "report", "show", "--period", "month"); res.code == 0 || !strings.Contains(res.stderr, "period") {
		t.Errorf("report show --period month: exit %d %s", res.code, res.stderr)
	}
}

func figuresOf(t *testing.T, fs []fireline.ReportFigures, key string) fireline.ReportFigures {
	t.Helper()
	for _, f := range fs {
		if f.Key == key {
			return f
		}
	}
	t.Fatalf("no figures for %s in %+v", key, fs)
	return fireline.ReportFigures{}
}

func slaOf(f fireline.ReportFigures) string {
	var parts []string
	for _, c := range f.SLA {
		parts = append(parts, string(c.Clock)+" "+strconv.FormatInt(c.Met, 10)+"/"+strconv.FormatInt(c.Met+c.Missed, 10))
	}
	return strings.Join(parts, " ")
}
