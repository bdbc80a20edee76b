package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
)

// statusOf is the one table from Fireline error codes to HTTP statuses.
var statusOf = map[string]int{
	fireline.EInvalid:      http.StatusBadRequest,
	fireline.ENotFound:     http.StatusNotFound,
	fireline.EConflict:     http.StatusConflict,
	fireline.EUnauthorized: http.StatusUnauthorized,
	fireline.EForbidden:    http.StatusForbidden,
	fireline.EUnavailable:  http.StatusServiceUnavailable,
	fireline.EInternal:     http.StatusInternalServerError,
}

// codeOf maps an HTTP status back to a Fireline error code: the inverse of
// statusOf, plus the statuses that huma or a proxy may answer with.
func codeOf(status int) string {
	for code, s := range statusOf {
		if s == status {
			return code
		}
	}
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusBadGateway || status == http.StatusGatewayTimeout:
		return fireline.EUnavailable
	case status >= 400 && status < 500: // 405, 406, 413, 415, 422 ...
		return fireline.EInvalid
	}
	return fireline.EInternal
}

// problem turns err into an RFC 9457 problem. Internal errors are logged
// here, once, and shown only as "internal error".
func (h *handler) problem(ctx context.Context, err error) *huma.ErrorModel {
	code := fireline.ErrorCode(err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		code = fireline.EUnavailable
		err = fireline.Errorf(code, "the request was cancelled or timed out")
	}
	status, ok := statusOf[code]
	if !ok {
		code, status = fireline.EInternal, http.StatusInternalServerError
	}
	p := &huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: "internal error"}
	var fe *fireline.Error
	if code == fireline.EInternal {
		info := infoFrom(ctx)
		h.log.ErrorContext(ctx, "internal error", "err", err.Error(), "route", info.route, "actor", info.actor)
	} else if errors.As(err, &fe) {
		p.Detail = fe.Message
		for _, f := range fe.Fields {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Location: f.Field, Message: f.Message})
		}
	}
	return p
}

// refuse answers a request turned away before its handler: an HTML page
// on a console route, problem+json elsewhere.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, route Route, err error) {
	if route.Console {
		h.renderError(w, r, err)
		return
	}
	h.writeError(w, r, err)
}

// writeError writes err as problem+json, for handlers outside huma.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, h.problem(r.Context(), err))
}

func writeProblem(w http.ResponseWriter, p *huma.ErrorModel) {
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="fireline"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// jsonBody is embedded in the input of an operation with a JSON body of
// type B. Huma hands over the raw bytes (capped at maxBodyBytes) and
// decode parses them strictly, so that every body error is a Fireline
// EInvalid (400) with the field at fault. routes.go documents B.
type jsonBody[B any] struct {
	RawBody []byte
}

func (jsonBody[B]) bodyType() reflect.Type { return reflect.TypeFor[B]() }

// decode parses the body: one JSON value, no unknown fields, valid UTF-8
// (encoding/json would rewrite bad bytes unseen). An empty body is B's
// zero value, left to the domain's validation.
func (b *jsonBody[B]) decode() (B, error) {
	var v B
	return v, decodeJSON(b.RawBody, &v)
}

func decodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := ingest.CheckUTF8(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fireline.Errorf(fireline.EInvalid, "the request body must hold one JSON value")
	}
	return nil
}

// bodyError explains a JSON decoding error, naming the field when it can.
func bodyError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return fireline.Errorf(fireline.EInvalid, "the request body is not valid JSON: %v", err)
	case errors.As(err, &typ) && typ.Field != "":
		return invalidField(typ.Field, "must be "+jsonKind(typ.Type))
	case errors.As(err, &typ):
		return fireline.Errorf(fireline.EInvalid, "the request body must be a JSON %s", jsonKind(typ.Type))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalidField(strings.Trim(name, `"`), "is not a known field")
	}
	return fireline.Errorf(fireline.EInvalid, "invalid request body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func invalidField(field, message string) error {
	return &fireline.Error{Code: fireline.EInvalid, Message: "invalid request body",
		Fields: []fireline.FieldError{{Field: field, Message: message}}}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}
