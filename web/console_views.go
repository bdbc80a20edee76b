package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

//go:embed templates/*.html
var templateFiles embed.FS

// views holds the console's pages, each parsed with the layout and the
// shared partials (files starting with "_") at start, so that a template
// error stops the server from starting rather than failing a request.
type views struct {
	pages map[string]*template.Template
}

// mustParseViews parses every page; it panics on a template error.
func mustParseViews(p *fireline.Policy) *views {
	v := &views{pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	funcs := templateFuncs(p)
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t := template.New("layout.html").Funcs(funcs)
		t = template.Must(t.ParseFS(templateFiles, "templates/layout.html", "templates/_*.html", name))
		if t.Lookup("content") == nil {
			panic("web: template " + base + " defines no content")
		}
		v.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return v
}

// page is what every console page renders: the layout's needs and the
// page's own data.
type page struct {
	Title  string
	Nav    string // the active navigation entry
	User   *fireline.User
	Policy *fireline.Policy
	Now    time.Time
	Live   string // the server-sent events URL that keeps the page fresh
	// Self is the page's own URL, which live updates fetch again: a
	// refused form's page is shown at the form's action, not at it.
	Self  string
	Flash string
	Error *formError
	Data  any
}

// Can reports whether the signed-in user's role includes role.
func (p *page) Can(role string) bool {
	return p.User != nil && p.User.Role.Includes(fireline.Role(role))
}

// formError is a refused form: which form, what was wrong, and the values
// sent, so that the page shows the error beside the form and keeps them.
type formError struct {
	Form    string
	Message string
	Fields  []fireline.FieldError
	Values  map[string]string
}

// Value returns a value the form sent.
func (e *formError) Value(form, key string) string {
	if e == nil || e.Form != form {
		return ""
	}
	return e.Values[key]
}

// For reports whether the error belongs to form.
func (e *formError) For(form string) bool { return e != nil && e.Form == form }

func newFormError(form string, err error, r *http.Request) *formError {
	fe := &formError{Form: form, Message: fireline.ErrorMessage(err), Values: map[string]string{}}
	if e, ok := err.(*fireline.Error); ok {
		fe.Message, fe.Fields = e.Message, e.Fields
	}
	for k := range r.PostForm {
		if k != "password" && k != "confirm" && k != "current_password" { // never echoed back
			fe.Values[k] = r.PostForm.Get(k)
		}
	}
	return fe
}

// render writes a page with status. It renders into a buffer first, so
// that a template failure becomes a clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := h.views.pages[name]
	if !ok {
		panic("web: no page " + name)
	}
	p.User, p.Policy, p.Now = userFrom(r.Context()), h.cfg.Policy, h.now()
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		h.log.ErrorContext(r.Context(), "render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows err as a page with its status; internal errors are
// logged once and shown as "internal error".
func (h *handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	p := h.problem(r.Context(), err)
	h.render(w, r, p.Status, "error", &page{Title: http.StatusText(p.Status), Data: p.Detail})
}

// templateFuncs are the helpers templates use; they read the policy for
// names and the calendar's time zone.
func templateFuncs(p *fireline.Policy) template.FuncMap {
	loc := p.Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	return template.FuncMap{
		"when": func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 15:04 MST") },
		"whenPtr": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.In(loc).Format("Mon 2 Jan 15:04 MST")
		},
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"took":     func(d time.Duration) string { return fireline.FormatDuration(d.Round(time.Second)) },
		"age":      func(from, now time.Time) string { return fireline.FormatDuration(now.Sub(from).Truncate(time.Hour)) },
		"interval": func(iv fireline.Interval) string { return fireline.FormatDuration(time.Duration(iv)) },
		"seconds": func(s float64) string {
			if s <= 0 {
				return "—"
			}
			return fireline.FormatDuration(time.Duration(s * float64(time.Second)).Round(time.Minute))
		},
		"pct":    func(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + "%" },
		"add":    func(a, b int64) int64 { return a + b },
		"days":   func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"person": func(id string) string { return personName(p, id) },
		"roleName": func(id fireline.IncidentRole) string {
			if r, ok := p.Role(id); ok {
				return r.Name
			}
			return string(id)
		},
		"serviceName": func(id string) string {
			if s, ok := p.Service(id); ok {
				return s.Name
			}
			return id
		},
		"contactName": func(id string) string {
			if c, ok := p.Contact(id); ok {
				return c.Name
			}
			return id
		},
		"recipient":  func(r fireline.Recipient) string { return recipients([]fireline.Recipient{r}, p) },
		"recipients": func(rs []fireline.Recipient) string { return recipients(rs, p) },
		"stageName":  stageName,
		"list":       func(s ...string) []string { return s },
		"lower":      func(v any) string { return strings.ToLower(fmt.Sprint(v)) },
		"label":      func(v any) string { return humanize(fmt.Sprint(v)) },
		"has": func(list []string, v string) bool {
			for _, s := range list {
				if s == v {
					return true
				}
			}
			return false
		},
	}
}

// humanize turns an id such as "initial_response" into "Initial response".
func humanize(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func stageName(s fireline.Stage) string {
	if s == fireline.StagePostIncidentReview {
		return "Post-incident review"
	}
	return humanize(string(s))
}
