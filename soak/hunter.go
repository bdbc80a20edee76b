package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// hunter requests routes as one identity after another and notes every
// answer that shows the canary.
type hunter struct {
	base, canary, incident string
	word                   string // searched for: in the title, not the canary
	client                 *http.Client
	requests               int
	leaks                  []string
	seenByControl          int // answers that showed an admin the canary
}

// identity is who a request is made as: a bearer token, a console
// session cookie, or neither.
// A control identity may see the canary: its sightings are counted,
// not leaks, and it only reads.
type identity struct {
	name, token, cookie string
	control             bool
}

// operation is one API operation of the OpenAPI document.
type operation struct{ method, path string }

// do makes one request and returns its status and everything it
// answered: headers and body. Event streams are read for a second.
func (h *hunter) do(ctx context.Context, who identity, method, path, body string) (int, string) {
	timeout := 20 * time.Second
	if strings.HasPrefix(path, "/live/") {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, strings.NewReader(body))
	if err != nil {
		return 0, ""
	}
	switch {
	case who.token != "":
		req.Header.Set("Authorization", "Bearer "+who.token)
	case who.cookie != "":
		req.AddCookie(&http.Cookie{Name: "fireline_session", Value: who.cookie})
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType(body))
	}
	h.requests++
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	var text strings.Builder
	for k, vs := range resp.Header {
		fmt.Fprintf(&text, "%s: %s\n", k, strings.Join(vs, ", "))
	}
	text.Write(b)
	return resp.StatusCode, text.String()
}

func contentType(body string) string {
	if strings.HasPrefix(body, "{") || strings.HasPrefix(body, "[") {
		return "application/json"
	}
	return "application/x-www-form-urlencoded"
}

// look makes a request as who and records a leak; it returns the answer.
func (h *hunter) look(ctx context.Context, who identity, method, path, body string) string {
	code, text := h.do(ctx, who, method, path, body)
	switch {
	case !strings.Contains(strings.ToLower(text), strings.ToLower(h.canary)):
	case who.control:
		h.seenByControl++
	default:
		h.leaks = append(h.leaks, fmt.Sprintf("%s: %s %s answered %d with the canary", who.name, method, path, code))
	}
	return text
}

// operations reads the server's OpenAPI document.
func (h *hunter) operations(ctx context.Context) ([]operation, error) {
	code, text := h.do(ctx, identity{}, "GET", "/api/v1/openapi.json", "")
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/openapi.json: %d", code)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal([]byte(text[strings.Index(text, "{"):]), &doc); err != nil {
		return nil, err
	}
	var ops []operation
	for path, methods := range doc.Paths {
		for method, op := range methods {
			filled := h.fill(path)
			ops = append(ops, operation{strings.ToUpper(method), filled})
			if q := h.query(op.Parameters); q != "" && strings.EqualFold(method, "get") {
				ops = append(ops, operation{"GET", filled + "?" + q})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	if len(ops) < 20 {
		return nil, fmt.Errorf("the OpenAPI document lists only %d operations", len(ops))
	}
	return ops, nil
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// fill puts the restricted incident's id in every path parameter, or 1
// for the numbered ones.
func (h *hunter) fill(path string) string {
	return pathParam.ReplaceAllStringFunc(path, func(p string) string {
		switch name := strings.ToLower(strings.Trim(p, "{}")); {
		case name == "number" || name == "seq" || name == "step":
			return "1"
		}
		return h.incident
	})
}

// query fills the query parameters that search or select an incident:
// a word of the incident's title for text, its id for incident.
func (h *hunter) query(params []struct{ Name, In string }) string {
	q := url.Values{}
	for _, p := range params {
		switch {
		case p.In != "query":
		case p.Name == "q" || p.Name == "text" || p.Name == "search":
			q.Set(p.Name, h.word)
		case p.Name == "incident":
			q.Set(p.Name, h.incident)
		}
	}
	return q.Encode()
}

// huntAPI requests every operation as who; writes carry an empty object.
func (h *hunter) huntAPI(ctx context.Context, who identity, ops []operation) {
	for _, op := range ops {
		body := ""
		if op.method != "GET" && op.method != "DELETE" && op.method != "HEAD" {
			body = "{}"
		}
		h.look(ctx, who, op.method, op.path, body)
	}
}

// huntConsole requests every console and public route as who, posts an
// empty form to every console form, and follows the links the pages show.
func (h *hunter) huntConsole(ctx context.Context, who identity) {
	queue := []string{}
	for _, p := range consoleGets {
		queue = append(queue, strings.NewReplacer("{id}", h.incident, "{word}", h.word).Replace(p))
	}
	seen := map[string]bool{}
	for len(queue) > 0 && len(seen) < 400 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		queue = append(queue, links(h.look(ctx, who, "GET", path, ""))...)
	}
	if who.control {
		return
	}
	for _, p := range consolePosts {
		path := strings.NewReplacer("{id}", h.incident, "{number}", "1", "{item}", "1", "{playbook}", "database-performance").Replace(p)
		h.look(ctx, who, "POST", path, "x=1")
	}
}

var href = regexp.MustCompile(`(?:href|src|action)="(/[^"#]*)"`)

// links returns the same-origin links of a page, but static files and
// sign-out.
func links(page string) []string {
	var out []string
	for _, m := range href.FindAllStringSubmatch(page, -1) {
		l := strings.ReplaceAll(m[1], "&amp;", "&")
		if strings.HasPrefix(l, "/static/") || strings.HasPrefix(l, "/logout") {
			continue
		}
		out = append(out, l)
	}
	return out
}
