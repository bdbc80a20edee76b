package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/template"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// realisticAlert is an alert as kube-prometheus's KubePodCrashLooping
// rule makes it: twelve labels, three annotations and a generator URL
// holding the rule's expression, about 960 bytes in a message.
func realisticAlert(i int, at time.Time) template.Alert {
	pod := fmt.Sprintf("checkout-7d9f8b6c5d-%05d", i)
	labels := template.KV{"alertname": "KubePodCrashLooping", "container": "app", "endpoint": "http",
		"instance": fmt.Sprintf("10.42.%d.%d:8080", i/256%256, i%256), "job": "kube-state-metrics", "namespace": "payments",
		"pod": pod, "prometheus": "monitoring/k8s", "reason": "CrashLoopBackOff", "service": "kube-state-metrics",
		"severity": "warning", "uid": fmt.Sprintf("3f9c2a7e-5b1d-4c8e-9a6f-%012d", i)}
	return template.Alert{Status: "firing", Labels: labels, Annotations: template.KV{
		"description": `Pod payments/` + pod + ` (app) is in waiting state (reason: "CrashLoopBackOff").`,
		"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping",
		"summary":     "Pod is crash looping."},
		StartsAt: at, Fingerprint: fireline.LabelsFingerprint(labels),
		GeneratorURL: "http://prometheus-k8s-0:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason%7Bjob%3D%22kube-state-metrics%22%2Creason%3D%22CrashLoopBackOff%22%7D%5B5m%5D%29+%3E%3D+1&g0.tab=1"}
}

// largeGroup is an Alertmanager message of n realistic alerts, the ith
// numbered from first.
func largeGroup(t testing.TB, first, n int, at time.Time) string {
	alerts := make([]template.Alert, n)
	for i := range alerts {
		alerts[i] = realisticAlert(first+i, at)
	}
	return amMessage(t, "firing", alerts...)
}

// TestLargeAlertmanagerGroup: a message of 5,000 realistic alerts (about
// 4.6 MB, what Alertmanager's default max_alerts: 0 sends for a large
// group) is stored whole and answered after its commit; only a body past
// the route's limit is refused, with 413, and stores nothing.
func TestLargeAlertmanagerGroup(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		am := s.createIntegration(t, "--type", "alertmanager", "--service", "api-gateway")
		tooBig := largeGroup(t, 0, 18000, s.clock.Now())
		code, hdr, body := s.request(t, "POST", "/integrations/alertmanager", am.Key, tooBig)
		if code != http.StatusRequestEntityTooLarge || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") || !strings.Contains(string(body), "16 MB") {
			t.Errorf("%d-byte message: %d %s, want 413 naming the 16 MB limit", len(tooBig), code, body)
		}
		code, _, body = s.request(t, "POST", "/integrations/alertmanager", am.Key, largeGroup(t, 0, 5000, s.clock.Now()))
		wantStatus(t, "5,000 alerts", code, body, http.StatusOK)
		var ans struct{ Alerts []fireline.AlertResult }
		json.Unmarshal(body, &ans)
		created := 0
		for _, r := range ans.Alerts {
			if r.Outcome == fireline.OutcomeCreated && r.Incident == "INC-1" {
				created++
			}
		}
		if created != 5000 {
			t.Fatalf("answer: %d alerts created in INC-1, want 5000", created)
		}
		// Answered only after the commit: every alert is listed at once.
		stored, cursor := 0, ""
		for {
			args := []string{"--incident", "INC-1", "--limit", "500"}
			if cursor != "" {
				args = append(args, "--cursor", cursor)
			}
			page := s.alerts(t, adminSecret, args...)
			stored += len(page.Alerts)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if stored != 5000 {
			t.Errorf("%d alerts stored, want 5000", stored)
		}
		if m := s.metrics(t); !strings.Contains(m, `fireline_alerts_total{outcome="created",type="alertmanager"} 5000`) {
			t.Errorf("metrics do not count 5000 created alerts")
		}
	})
}

// BenchmarkAlertmanagerGroup times the answer to one Alertmanager message
// of n new realistic alerts, through the real server: read, decode,
// check, one group commit, answer. Each iteration sends alerts not seen
// before, which join the storm's one incident. With the server's garbage
// collector settings, as fireline serve has them:
//
//	FIRELINE_TEST_POSTGRES=... go test ./cmd/fireline -run '^$' -bench AlertmanagerGroup -benchtime 5x
func BenchmarkAlertmanagerGroup(b *testing.B) {
	tuneGC(os.Getenv)
	for _, db := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", firelinetest.SQLiteDSN}, {"postgres", firelinetest.PostgresDSN}} {
		for _, n := range []int{1000, 5000, 10000} {
			b.Run(fmt.Sprintf("%s/alerts=%d", db.name, n), func(b *testing.B) {
				s := startTestServer(b, db.dsn(b))
				am := s.createIntegration(b, "--type", "alertmanager", "--service", "api-gateway")
				size := 0
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					body := largeGroup(b, i*n, n, s.clock.Now())
					size = len(body)
					b.StartTimer()
					if code, _, resp := s.request(b, "POST", "/integrations/alertmanager", am.Key, body); code != http.StatusOK {
						b.Fatalf("%d %.300s", code, resp)
					}
				}
				b.ReportMetric(float64(size)/(1<<20), "MB/msg")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
			})
		}
	}
}
