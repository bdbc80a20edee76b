package web

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fireline-dev/fireline"
)

// Route is one registered route and the role it needs.
type Route struct {
	Method  string
	Pattern string
	// Role is the least role that may call the route; "" only when Public.
	Role   fireline.Role
	Public bool
	// Console marks a web console route: authenticated by session cookie
	// (a missing or ended session is sent to /login with 303), and
	// protected from cross-origin requests.
	Console bool
}

// router is the only way routes reach the mux. A route must be declared,
// with a role or as one of publicRoutes, before it is handled; huma
// registers its operations through HandleFunc, so an API operation that
// skipped the declaration panics at start just like a plain route.
type router struct {
	mux       *http.ServeMux
	authorize func(role fireline.Role, next http.Handler) http.Handler
	// sessionAuth is authorize for console routes.
	sessionAuth func(role fireline.Role, next http.Handler) http.Handler
	// refuse answers a request that checkURLText turned away, as the
	// route's kind answers errors.
	refuse   func(w http.ResponseWriter, r *http.Request, route Route, err error)
	declared map[string]Route // by "METHOD /pattern"
	routes   []Route          // handled, in order
	// limit puts a route behind its request-rate limits, first of all.
	limit func(route Route, next http.Handler) http.Handler
}

func newRouter(authorize func(fireline.Role, http.Handler) http.Handler) *router {
	return &router{mux: http.NewServeMux(), authorize: authorize, declared: map[string]Route{}}
}

// declare records the role a route needs. It panics on a route with no
// valid role that is not in publicRoutes, a public route with a role, and a
// route declared twice.
func (rt *router) declare(pattern string, role fireline.Role) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("web: route %q must be \"METHOD /path\"", pattern))
	}
	if _, dup := rt.declared[pattern]; dup {
		panic(fmt.Sprintf("web: route %q declared twice", pattern))
	}
	public := slices.Contains(publicRoutes, pattern)
	switch {
	case public && role != "":
		panic(fmt.Sprintf("web: public route %q must not declare a role", pattern))
	case !public && !role.Valid():
		panic(fmt.Sprintf("web: route %q declares no role and is not in the public list", pattern))
	}
	rt.declared[pattern] = Route{Method: method, Pattern: path, Role: role, Public: public}
}

// HandleFunc implements humago.Mux.
func (rt *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	rt.handle(pattern, http.HandlerFunc(h))
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// handle puts a declared route on the mux behind its access check.
func (rt *router) handle(pattern string, h http.Handler) {
	route, ok := rt.declared[pattern]
	if !ok {
		panic(fmt.Sprintf("web: route %q was not declared with a role", pattern))
	}
	if !route.Public {
		h = rt.checkURLText(route, h)
	}
	switch {
	case route.Console && !route.Public:
		h = crossOriginProtection.Handler(rt.sessionAuth(route.Role, h))
	case route.Console:
		h = crossOriginProtection.Handler(h)
	case !route.Public:
		h = rt.authorize(route.Role, h)
	}
	if rt.limit != nil {
		h = rt.limit(route, h)
	}
	rt.routes = append(rt.routes, route)
	rt.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).route = route.Pattern
		h.ServeHTTP(w, r)
	}))
}

// checkURLText lets a request through to next once it is authorised and
// its path values and query parameters are text the database can hold
// (fireline.TextProblem); otherwise it answers 400 naming them. A NUL in
// an id or a filter would reach a PostgreSQL query, which fails with a
// 500 where SQLite finds nothing. Public routes are left out: their path
// values are keys and tokens that are hashed or verified before any
// lookup, and the webhooks read no query.
func (rt *router) checkURLText(route Route, next http.Handler) http.Handler {
	names := pathWildcards(route.Pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := urlTextError(r, names); err != nil {
			rt.refuse(w, r, route, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// urlTextError is an EInvalid error naming each path value (path.id) and
// query parameter (query.q) of r that is not storable text, or nil.
func urlTextError(r *http.Request, names []string) error {
	var fe []fireline.FieldError
	for _, name := range names {
		if p := fireline.TextProblem(r.PathValue(name)); p != "" {
			fe = append(fe, fireline.FieldError{Field: "path." + name, Message: p})
		}
	}
	for k, vs := range r.URL.Query() {
		if p := fireline.TextProblem(k); p != "" {
			fe = append(fe, fireline.FieldError{Field: "query", Message: "names " + p})
			continue
		}
		for _, v := range vs {
			if p := fireline.TextProblem(v); p != "" {
				fe = append(fe, fireline.FieldError{Field: "query." + k, Message: p})
				break
			}
		}
	}
	if len(fe) == 0 {
		return nil
	}
	slices.SortFunc(fe, func(a, b fireline.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return &fireline.Error{Code: fireline.EInvalid, Message: "invalid request: " + fe[0].Field + " " + fe[0].Message, Fields: fe}
}

// pathWildcards returns the names of a pattern's wildcards: id and rest
// in "/a/{id}/{rest...}".
func pathWildcards(pattern string) []string {
	var names []string
	for seg := range strings.SplitSeq(pattern, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(strings.TrimSuffix(name, "}"), "...")
			if name != "$" {
				names = append(names, name)
			}
		}
	}
	return names
}

// public adds a route from publicRoutes.
func (rt *router) public(pattern string, h http.HandlerFunc) {
	rt.declare(pattern, "")
	rt.handle(pattern, h)
}

// console adds a web console route: role "" for one of publicRoutes.
func (rt *router) console(pattern string, role fireline.Role, h http.HandlerFunc) {
	rt.declare(pattern, role)
	r := rt.declared[pattern]
	r.Console = true
	rt.declared[pattern] = r
	rt.handle(pattern, h)
}

// page adds a non-API route that needs role.
func (rt *router) page(pattern string, role fireline.Role, h http.HandlerFunc) {
	rt.declare(pattern, role)
	rt.handle(pattern, h)
}

// operation adds a JSON API operation that needs role. The role is shown
// in the OpenAPI document as x-fireline-role. When the input embeds
// jsonBody[B], B is documented as the request body.
func operation[I, O any](h *handler, role fireline.Role, op huma.Operation, f func(context.Context, *I) (*O, error)) {
	op.Path = apiPrefix + op.Path
	h.router.declare(op.Method+" "+op.Path, role)
	op.Security = []map[string][]string{{"bearer": {}}}
	op.Extensions = map[string]any{"x-fireline-role": string(role)}
	op.Description = strings.TrimSpace(op.Description + " Needs the " + string(role) + " role.")
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = maxBodyBytes
	}
	huma.Register(h.api, op, f)
	if b, ok := any(new(I)).(interface{ bodyType() reflect.Type }); ok {
		documentBody(h.api, op, b.bodyType())
	}
}

// apiPrefix starts every JSON API path.
const apiPrefix = "/api/v1"

// maxBodyBytes caps request bodies; a larger one gets 413.
const maxBodyBytes = 1 << 20

// documentBody replaces the raw request body that huma documents for a
// jsonBody input with the JSON schema of the body type. The change also
// reaches the registered operation, which shares the documented value.
func documentBody(api huma.API, op huma.Operation, t reflect.Type) {
	item := api.OpenAPI().Paths[op.Path]
	var doc *huma.Operation
	switch op.Method {
	case http.MethodPost:
		doc = item.Post
	case http.MethodPut:
		doc = item.Put
	case http.MethodPatch:
		doc = item.Patch
	case http.MethodDelete:
		doc = item.Delete
	}
	if doc == nil {
		panic(fmt.Sprintf("web: %s %s has a body but no documented operation", op.Method, op.Path))
	}
	schema := api.OpenAPI().Components.Schemas.Schema(t, true, op.OperationID+"-request")
	doc.RequestBody = &huma.RequestBody{
		Content: map[string]*huma.MediaType{"application/json": {Schema: schema}},
	}
}
