package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline/web"
)

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, "GET", "/api/v1/openapi.json", "", "")
	if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Type"), "json") {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct{ Title, Version string }
		Paths   map[string]map[string]struct {
			Security    []map[string][]string `json:"security"`
			Role        string                `json:"x-fireline-role"`
			RequestBody *struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas         map[string]json.RawMessage `json:"schemas"`
			SecuritySchemes map[string]struct{ Type, Scheme string }
		} `json:"components"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Info.Version != "1.2.3-test" {
		t.Errorf("info.version %q", doc.Info.Version)
	}
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("bearer scheme %+v", s)
	}
	for _, p := range []string{"/api/v1/incidents", "/api/v1/incidents/{id}", "/api/v1/incidents/{id}/timeline",
		"/api/v1/incidents/{id}/export", "/api/v1/incidents/{id}/acknowledge", "/api/v1/tokens"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("path %s missing", p)
		}
	}
	// Every API route is documented with its role and the bearer scheme.
	for _, r := range web.Routes(e.handler) {
		if r.Public || !strings.HasPrefix(r.Pattern, "/api/v1/") {
			continue
		}
		op, ok := doc.Paths[r.Pattern][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("%s %s is not documented", r.Method, r.Pattern)
			continue
		}
		if op.Role != string(r.Role) || len(op.Security) != 1 || op.Security[0]["bearer"] == nil {
			t.Errorf("%s %s: role %q, security %v", r.Method, r.Pattern, op.Role, op.Security)
		}
		bodyless := strings.HasSuffix(r.Pattern, "/acknowledge") || strings.HasSuffix(r.Pattern, "/approve") || strings.HasSuffix(r.Pattern, "/disable") || strings.HasSuffix(r.Pattern, "/login-link") || strings.HasSuffix(r.Pattern, "/push")
		if slices.Contains([]string{"POST", "PATCH"}, r.Method) && !bodyless {
			// An upload (evidence) documents its multipart form instead.
			if op.RequestBody == nil || op.RequestBody.Content["application/json"].Schema.Ref == "" && op.RequestBody.Content["multipart/form-data"].Schema.Ref == "" {
				t.Errorf("%s %s has no documented JSON body", r.Method, r.Pattern)
			}
		}
	}
	if ref := doc.Paths["/api/v1/incidents"]["post"].RequestBody.Content["application/json"].Schema.Ref; ref != "#/components/schemas/DeclareInput" {
		t.Errorf("declare body %q", ref)
	}
	var declare struct{ Required []string }
	json.Unmarshal(doc.Components.Schemas["DeclareInput"], &declare)
	if strings.Join(declare.Required, ",") != "title,severity" {
		t.Errorf("DeclareInput requires %v", declare.Required)
	}
	var incident struct{ Properties map[string]any }
	json.Unmarshal(doc.Components.Schemas["Incident"], &incident)
	for _, f := range []string{"id", "severity", "declared_at", "respond_by", "head_hash"} {
		if _, ok := incident.Properties[f]; !ok {
			t.Errorf("Incident schema lacks %s", f)
		}
	}
}
