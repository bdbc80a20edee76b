package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fireline-dev/fireline"
)

// requestInfo is what the inner layers tell the outer one about a request,
// for its log line and metrics.
type requestInfo struct {
	route string // the matched pattern; "" when the mux matched none
	actor string // the authenticated actor's name
	// restricted marks a webhook request of a security integration,
	// which only admins' scrapes count (docs/adr/0053).
	restricted bool
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// instrument logs one line per request and records its duration, turns a
// panic into a logged 500, and answers the mux's own 404 and 405 with
// problem+json.
func (h *handler) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		info := &requestInfo{}
		rec := &recorder{ResponseWriter: w, info: info}
		// The peer address goes with every request, for the audit log.
		ctx := fireline.NewContextWithAddress(context.WithValue(r.Context(), infoKey{}, info), peerAddress(r))
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeProblem(rec, &huma.ErrorModel{Title: "Internal Server Error", Status: http.StatusInternalServerError, Detail: "internal error"})
				}
			}
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			d := h.now().Sub(start)
			route := info.route
			if route == "" {
				route = "unmatched"
			}
			h.metrics.observe(r.Method, route, rec.status, d, info.restricted)
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelWarn
			}
			h.log.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.String("actor", info.actor))
		}()
		next.ServeHTTP(rec, r)
	})
}

// peerAddress is the address a request came from, as the audit log
// records it: the peer's IP (no forwarding header is trusted).
func peerAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// recorder remembers the status, and replaces the plain-text error body of
// a response that no route wrote (the mux's 404 and 405) with problem+json.
type recorder struct {
	http.ResponseWriter
	info    *requestInfo
	status  int
	swallow bool
}

func (w *recorder) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.info.route == "" && code >= 400 {
		w.swallow = true
		w.Header().Del("X-Content-Type-Options")
		detail := "no route for " + http.StatusText(code)
		if code == http.StatusNotFound {
			detail = "there is nothing at this path"
		} else if code == http.StatusMethodNotAllowed {
			detail = "this path does not take that method; see the Allow header"
		}
		writeProblem(w.ResponseWriter, &huma.ErrorModel{Title: http.StatusText(code), Status: code, Detail: detail})
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// authorize lets a request through when it carries a token whose role
// includes role, with the token's actor in the request's context: 401
// without a valid token, 403 when the role falls short.
func (h *handler) authorize(role fireline.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := h.authenticate(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		infoFrom(r.Context()).actor = actor.Name()
		if !actor.Role.Includes(role) {
			h.writeError(w, r, fireline.Errorf(fireline.EForbidden,
				"this needs the %s role; the token's role is %s", role, actor.Role))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r.WithContext(fireline.NewContextWithActor(r.Context(), actor)))
	})
}

func (h *handler) authenticate(r *http.Request) (fireline.Actor, error) {
	secret := bearerSecret(r)
	if secret == "" {
		return fireline.Actor{}, fireline.Errorf(fireline.EUnauthorized,
			"this needs an API token: send Authorization: Bearer <token>")
	}
	return h.cfg.Auth.Authenticate(r.Context(), secret)
}

// bearerSecret returns the token of an Authorization: Bearer header, or "".
func bearerSecret(r *http.Request) string {
	scheme, secret, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(secret)
}
