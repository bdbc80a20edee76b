package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// The public status page (docs/communications.md): /status and its
// incident and history pages in HTML that needs no script, the history
// as Atom and RSS, and Atlassian Statuspage's v2 JSON under /api/v2/. All
// are public routes, limited per address like every public route, served
// from the StatusCache, and built only from the store's public record,
// which never holds a restricted incident, a draft or an internal note.

//go:embed templates/public/*.html
var publicTemplateFiles embed.FS

// statusPaths are the Statuspage v2 documents served under /api/v2/.
var statusPaths = []string{"summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
	"scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json"}

// statusRoutes declares the public status page's routes.
func (h *handler) statusRoutes(rt *router) {
	h.publicViews = mustParsePublicViews(h.cfg.Policy)
	if h.statusCache = h.cfg.StatusCache; h.statusCache == nil {
		h.statusCache = NewStatusCache()
	}
	rt.public("GET /status", h.statusPage)
	rt.public("GET /status/history", h.statusHistory)
	rt.public("GET /status/incidents/{id}", h.statusIncident)
	rt.public("GET /status/incidents/{id}/postmortem", h.statusPostmortem) // status_postmortem.go
	rt.public("GET /history.atom", h.statusFeed("atom"))
	rt.public("GET /history.rss", h.statusFeed("rss"))
	for _, p := range statusPaths {
		rt.public("GET /api/v2/"+p, h.statusJSON(p))
	}
	h.subscribeRoutes(rt) // status_subscribe.go
}

// statusBase is the page's URL: the policy's, else the server's public
// URL, else the request's host.
func (h *handler) statusBase(r *http.Request) string {
	if u := h.cfg.Policy.Comms.Page.URL; u != "" {
		return strings.TrimRight(u, "/")
	}
	if h.cfg.PublicURL != "" {
		return strings.TrimRight(h.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// statusView reads the public record and builds the view at now.
func (h *handler) statusView(ctx context.Context, now time.Time) (*fireline.StatusView, error) {
	if h.cfg.Status == nil {
		return nil, fireline.Errorf(fireline.EUnavailable, "the status page is not configured")
	}
	rec, err := h.cfg.Status.PublicRecord(ctx, now.AddDate(0, 0, -fireline.UptimeDays-1))
	if err != nil {
		return nil, err
	}
	return h.cfg.Policy.StatusView(rec, now), nil
}

// serveStatus answers from the cache, rendering with render on a miss.
func (h *handler) serveStatus(w http.ResponseWriter, r *http.Request, key string, cors bool, render func(d *statusDoc) ([]byte, string, error)) {
	now, base := h.now(), h.statusBase(r)
	doc, err := h.statusCache.get(key+"|"+base, now, func() ([]byte, string, time.Time, error) {
		v, err := h.statusView(r.Context(), now)
		if err != nil {
			return nil, "", time.Time{}, err
		}
		body, ctype, err := render(newStatusDoc(h.cfg.Policy, v, h.cfg.Links.Key, base))
		return body, ctype, v.ValidUntil, err
	})
	if errors.Is(err, errNoIncident) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.log.Error("status page", "path", r.URL.Path, "err", err)
		http.Error(w, "The status page is unavailable; try again shortly.", http.StatusServiceUnavailable)
		return
	}
	serveDoc(w, r, doc, cors)
}

func (h *handler) statusJSON(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.serveStatus(w, r, "json:"+path, true, func(d *statusDoc) ([]byte, string, error) {
			v, _ := d.document(path)
			b, err := json.Marshal(v)
			return b, "application/json; charset=utf-8", err
		})
	}
}

func (h *handler) statusFeed(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.serveStatus(w, r, "feed:"+kind, true, func(d *statusDoc) ([]byte, string, error) {
			if kind == "atom" {
				b, err := d.atom()
				return b, "application/atom+xml; charset=utf-8", err
			}
			b, err := d.rss()
			return b, "application/rss+xml; charset=utf-8", err
		})
	}
}

// publicViews are the public pages' templates, parsed at start.
type publicViews struct{ pages map[string]*template.Template }

func mustParsePublicViews(p *fireline.Policy) *publicViews {
	v := &publicViews{pages: map[string]*template.Template{}}
	funcs := templateFuncs(p)
	funcs["stateWord"] = stateWord
	funcs["deref"] = func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	}
	funcs["statusWord"] = statusWord
	funcs["paragraphs"] = paragraphs // status_postmortem.go
	funcs["pct"] = func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
	funcs["day"] = func(t time.Time) string { return t.Format("Mon 2 Jan 2006") }
	funcs["downFor"] = func(d time.Duration) string {
		if d <= 0 {
			return "no downtime"
		}
		return fireline.FormatDuration(d.Round(time.Minute)) + " down"
	}
	for _, name := range []string{"status", "incident", "history", "message", "postmortem"} {
		t := template.New("layout.html").Funcs(funcs)
		v.pages[name] = template.Must(t.ParseFS(publicTemplateFiles, "templates/public/layout.html", "templates/public/"+name+".html"))
	}
	return v
}

// publicPage is what a public page renders.
type publicPage struct {
	Title    string
	Base     string
	Page     spPage
	View     *fireline.StatusView
	Doc      *statusDoc
	Incident *fireline.IncidentView
	Past     []fireline.IncidentView
	PageNum  int
	Prev     int
	Next     int
	// Subscribe offers the email subscription form; Message is the
	// message page's text, Form its button's (action, label).
	Subscribe bool
	Message   string
	Form      *publicForm
}

type publicForm struct{ Action, Label, Field, Value string }

// Logo is the policy's logo address for the page's header, if any.
func (p *publicPage) Logo() string { return p.Doc.p.Comms.Page.Logo }

// IncidentID is an incident's public id.
func (p *publicPage) IncidentID(n int64) string { return p.Doc.incidentID(n) }

// ComponentName is a public component's name.
func (p *publicPage) ComponentName(id string) string {
	for _, c := range p.View.Components {
		if c.ID == id {
			return c.Name
		}
	}
	return id
}

func (h *handler) renderPublic(name string, d *statusDoc, pp *publicPage) ([]byte, string, error) {
	pp.Doc, pp.View, pp.Page, pp.Base = d, d.v, d.page(), d.base
	var b bytes.Buffer
	if err := h.publicViews.pages[name].Execute(&b, pp); err != nil {
		return nil, "", err
	}
	return b.Bytes(), "text/html; charset=utf-8", nil
}

func (h *handler) statusPage(w http.ResponseWriter, r *http.Request) {
	h.serveStatus(w, r, "html:status", false, func(d *statusDoc) ([]byte, string, error) {
		pp := &publicPage{Title: "Status", Subscribe: h.cfg.Subscribers != nil}
		week := d.v.Now.AddDate(0, 0, -7)
		for _, iv := range d.v.Incidents {
			if iv.ResolvedAt != nil && iv.ResolvedAt.After(week) {
				pp.Past = append(pp.Past, iv)
			}
		}
		return h.renderPublic("status", d, pp)
	})
}

// historyPageSize is how many incidents a history page lists.
const historyPageSize = 20

func (h *handler) statusHistory(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	if n > 1000 {
		http.NotFound(w, r)
		return
	}
	h.serveStatus(w, r, "html:history:"+strconv.Itoa(n), false, func(d *statusDoc) ([]byte, string, error) {
		pp := &publicPage{Title: "Incident history", PageNum: n}
		from := (n - 1) * historyPageSize
		if from < len(d.v.Incidents) {
			pp.Past = d.v.Incidents[from:min(len(d.v.Incidents), from+historyPageSize)]
		}
		if n > 1 {
			pp.Prev = n - 1
		}
		if from+historyPageSize < len(d.v.Incidents) {
			pp.Next = n + 1
		}
		return h.renderPublic("history", d, pp)
	})
}

func (h *handler) statusIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if len(id) != 12 {
		http.NotFound(w, r)
		return
	}
	h.serveStatus(w, r, "html:incident:"+id, false, func(d *statusDoc) ([]byte, string, error) {
		for i := range d.v.Incidents {
			if d.incidentID(d.v.Incidents[i].Number) == id {
				iv := d.v.Incidents[i]
				return h.renderPublic("incident", d, &publicPage{Title: iv.Name, Incident: &iv})
			}
		}
		return nil, "", errNoIncident // not cached: serveStatus answers 404
	})
}

var errNoIncident = errors.New("no such public incident")

func stateWord(s fireline.ComponentState) string {
	switch s {
	case fireline.StateOperational:
		return "Operational"
	case fireline.StateDegraded:
		return "Degraded performance"
	case fireline.StatePartialOutage:
		return "Partial outage"
	case fireline.StateMajorOutage:
		return "Major outage"
	case fireline.StateUnderMaintenance:
		return "Under maintenance"
	}
	return string(s)
}

// StatusOnly serves h's public status routes alone (serve --status-addr):
// the page, its history and incidents, the feeds, the Statuspage JSON,
// customer subscriptions and the page's static files; / goes to the
// page; everything else (the console, the API, intake) is 404 there.
func StatusOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean("/" + r.URL.Path)
		switch {
		case p == "/":
			http.Redirect(w, r, "/status", http.StatusFound)
		case p == "/status", strings.HasPrefix(p, "/status/") && !strings.HasPrefix(p, "/status/internal"),
			p == "/history.atom", p == "/history.rss", strings.HasPrefix(p, "/api/v2/"), strings.HasPrefix(p, "/static/"):
			h.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}
