package web

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
)

// BenchmarkStatusRender is what a cache miss costs: the view of a public
// record (30 incidents with updates over the policy's five public
// components) and the summary JSON and the HTML page rendered from it,
// with no database read.
//
//	go test ./web -run '^$' -bench BenchmarkStatusRender
func BenchmarkStatusRender(b *testing.B) {
	p := policy.Default()
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	rec := &fireline.PublicRecord{}
	services := []string{"api-gateway", "auth-service", "web-dashboard", "agent-orchestrator", "model-orchestration"}
	for i := range 30 {
		at := now.Add(-time.Duration(i) * 60 * time.Hour)
		pub := at.Add(10 * time.Minute)
		inc := fireline.PublicIncident{Number: int64(i + 1), Severity: fireline.P2, Services: []string{services[i%5]}, DeclaredAt: at,
			Updates: []fireline.PublicUpdate{{Number: 1, Status: fireline.PublicInvestigating, Name: "Errors", Text: "We are investigating.", PublishedAt: &pub,
				Components: []fireline.ComponentImpact{{Service: services[i%5], State: fireline.StatePartialOutage}}}}}
		span := fireline.OutageSpan{Number: inc.Number, Services: inc.Services, Severity: inc.Severity, Start: at}
		if i > 0 {
			end := at.Add(2 * time.Hour)
			inc.ResolvedAt, span.End = &end, &end
		}
		rec.Incidents, rec.Outages = append(rec.Incidents, inc), append(rec.Outages, span)
	}
	h := &handler{cfg: Config{Policy: p}, publicViews: mustParsePublicViews(p)}
	b.ReportAllocs()
	for b.Loop() {
		d := newStatusDoc(p, p.StatusView(rec, now), []byte("key"), "https://status.example.com")
		v, _ := d.document("summary.json")
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
		if _, _, err := h.renderPublic("status", d, &publicPage{Title: "Status"}); err != nil {
			b.Fatal(err)
		}
	}
}
