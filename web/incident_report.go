package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fireline-dev/fireline"
)

// The incident report for regulatory compliance (fireline.Report): as
// Markdown, as a print-ready HTML document that stands alone (its style
// inline, no script, nothing fetched), or as JSON; from the API, the CLI
// and the incident page's link. It shows what the incident's viewers may
// see: the evidence's names and hashes, never its content.

//go:embed templates/report/report.html
var reportFiles embed.FS

func mustParseReport(p *fireline.Policy) *template.Template {
	return template.Must(template.New("report.html").Funcs(templateFuncs(p)).ParseFS(reportFiles, "templates/report/report.html"))
}

// Report formats.
const (
	ReportMarkdown = "markdown"
	ReportHTML     = "html"
	ReportJSON     = "json"
)

// report builds a visible incident's report.
func (h *handler) incidentReport(r *http.Request, id string) (*fireline.IncidentReport, error) {
	inc, err := h.cfg.Incidents.FindIncident(r.Context(), id)
	if err != nil {
		return nil, err
	}
	events, err := h.cfg.Incidents.Timeline(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return h.cfg.Policy.Report(inc, events, h.now()), nil
}

// renderIncidentReport writes the report in format, or says what it is not.
func (h *handler) renderIncidentReport(w http.ResponseWriter, r *http.Request, format string) error {
	if format == "" {
		format = ReportMarkdown
	}
	if format != ReportMarkdown && format != ReportHTML && format != ReportJSON {
		return &fireline.Error{Code: fireline.EInvalid, Message: "invalid report format " + strconv.Quote(format) + ": want markdown, html or json",
			Fields: []fireline.FieldError{{Field: "format", Message: "want markdown, html or json"}}}
	}
	rep, err := h.incidentReport(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	var body []byte
	ctype, ext := "text/markdown; charset=utf-8", ".md"
	switch format {
	case ReportMarkdown:
		body = []byte(h.cfg.Policy.ReportMarkdown(rep))
	case ReportJSON:
		body, _ = json.MarshalIndent(rep, "", "  ")
		ctype, ext = "application/json", ".json"
	case ReportHTML:
		var buf bytes.Buffer
		if err := h.reportDoc.Execute(&buf, map[string]any{"R": rep, "P": h.cfg.Policy}); err != nil {
			return err
		}
		body, ctype, ext = buf.Bytes(), "text/html; charset=utf-8", ".html"
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `inline; filename="`+strings.ToLower(rep.Incident)+`-report`+ext+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(body)
	return nil
}

// getIncidentReport is GET /api/v1/incidents/{id}/report?format=.
func (h *handler) getIncidentReport(w http.ResponseWriter, r *http.Request) {
	if err := h.renderIncidentReport(w, r, r.URL.Query().Get("format")); err != nil {
		h.writeError(w, r, err)
	}
}

// incidentReportPage is the incident page's link: the print-ready report.
func (h *handler) incidentReportPage(w http.ResponseWriter, r *http.Request) {
	if err := h.renderIncidentReport(w, r, ReportHTML); err != nil {
		h.renderError(w, r, err)
	}
}

// incidentReportMarkdownPage is the console's Markdown download.
func (h *handler) incidentReportMarkdownPage(w http.ResponseWriter, r *http.Request) {
	if err := h.renderIncidentReport(w, r, ReportMarkdown); err != nil {
		h.renderError(w, r, err)
	}
}

func (h *handler) incidentReportRoutes(rt *router) {
	h.rawOperation(rt, viewer, get("/incidents/{id}/report", "get-incident-report",
		"The incident report for regulatory compliance: ?format=markdown (default), html (print-ready) or json", "security"), nil, h.getIncidentReport)
	rt.console("GET /incidents/{id}/report", viewer, h.incidentReportPage)
	rt.console("GET /incidents/{id}/report.md", viewer, h.incidentReportMarkdownPage)
}

// Report returns an incident's report in format (markdown, html, json).
func (c *Client) IncidentReport(ctx context.Context, id, format string) ([]byte, error) {
	q := url.Values{"format": {format}}
	resp, err := c.send(ctx, http.MethodGet, incidentPathOf(id, "/report")+"?"+q.Encode(), "", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
