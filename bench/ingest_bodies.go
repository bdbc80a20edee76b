package bench

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// The bodies the senders post: Alertmanager webhooks of one or a hundred
// alerts of a host each, all of one alert group (alertname), as
// Alertmanager sends them.

const benchAlert = `{"status":"firing","labels":{"alertname":"%s","instance":"host-%d","severity":"warning"},` +
	`"annotations":{"summary":"Load on host %d"},"startsAt":"2026-12-01T15:00:00Z","endsAt":"0001-01-01T00:00:00Z",` +
	`"generatorURL":"http://prometheus:9090/graph","fingerprint":"%016x"}`

func amBody(alertname string, alerts []string) []byte {
	return []byte(`{"version":"4","groupKey":"{}:{alertname=\"` + alertname + `\"}","truncatedAlerts":0,"status":"firing","receiver":"fireline",` +
		`"groupLabels":{"alertname":"` + alertname + `"},"commonLabels":{"alertname":"` + alertname + `"},"commonAnnotations":{},` +
		`"externalURL":"http://alertmanager:9093","alerts":[` + strings.Join(alerts, ",") + `]}`)
}

// alertname is the alert group of host n: BenchLoad with one group (every
// alert joins one incident), else BenchLoad-G, G being n modulo the
// groups, which the bench policy groups by (ingestPolicy).
func (b *sender) alertname(n int64) string {
	if b.cfg.Groups <= 1 {
		return "BenchLoad"
	}
	return "BenchLoad-" + strconv.FormatInt(n%int64(b.cfg.Groups), 10)
}

// alert is the bench alert of host n in group alertname.
func alert(alertname string, n int64) string {
	return fmt.Sprintf(benchAlert, alertname, n, n, fingerprint(alertname, n))
}

// fingerprint is the fingerprint Alertmanager would send for the bench
// alert of host n: like Alertmanager's, a 64-bit FNV-1a hash of the sorted
// label names and values, so the keys of a storm are as scattered as real
// ones (a counter would insert them in index order, which costs a
// database far less; docs/adr/0042).
func fingerprint(alertname string, n int64) uint64 {
	h := fnv.New64a()
	for _, kv := range [][2]string{{"alertname", alertname}, {"instance", "host-" + strconv.FormatInt(n, 10)}, {"severity", "warning"}} {
		h.Write([]byte(kv[0]))
		h.Write([]byte{0xff})
		h.Write([]byte(kv[1]))
		h.Write([]byte{0xff})
	}
	return h.Sum64()
}

func (b *sender) distinct(int64) []byte {
	n := b.seq.Add(1)
	name := b.alertname(n)
	return amBody(name, []string{alert(name, n)})
}

// duplicateKeys is how many alerts the duplicates scenario repeats.
const duplicateKeys = 64

func (b *sender) duplicate(i int64) []byte {
	n := 1 + i%duplicateKeys // after the first round, all deduplicated
	name := b.alertname(n)
	return amBody(name, []string{alert(name, n)})
}

// batch is a hundred new alerts in the group of the first.
func (b *sender) batch(int64) []byte {
	alerts := make([]string, 100)
	var name string
	for i := range alerts {
		n := b.seq.Add(1)
		if i == 0 {
			name = b.alertname(n)
		}
		alerts[i] = alert(name, n)
	}
	return amBody(name, alerts)
}
