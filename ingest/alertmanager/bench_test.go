package alertmanager

import (
	"fmt"
	"testing"
)

// BenchmarkDecode measures decoding one single-alert webhook as
// Alertmanager sends it (the intake's per-request decode).
func BenchmarkDecode(b *testing.B) {
	body := []byte(`{"version":"4","groupKey":"{}:{alertname=\"BenchLoad\"}","truncatedAlerts":0,"status":"firing","receiver":"fireline",` +
		`"groupLabels":{"alertname":"BenchLoad"},"commonLabels":{"alertname":"BenchLoad"},"commonAnnotations":{},` +
		`"externalURL":"http://alertmanager:9093","alerts":[` +
		fmt.Sprintf(`{"status":"firing","labels":{"alertname":"BenchLoad","instance":"host-%d","severity":"warning"},`+
			`"annotations":{"summary":"Load on host %d"},"startsAt":"2026-12-01T15:00:00Z","endsAt":"0001-01-01T00:00:00Z",`+
			`"generatorURL":"http://prometheus:9090/graph","fingerprint":"%016x"}`, 7, 7, 7) + `]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}
