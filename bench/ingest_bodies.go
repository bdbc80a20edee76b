package bench

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// The bodies the senders post: Alertmanager webhooks of one or a hundred
// alerts of a host each.

const benchAlert = `{"status":"%s","labels":{"alertname":"BenchLoad","instance":"host-%d","severity":"warning"},` +
	`"annotations":{"summary":"Load on host %d"},"startsAt":"2026-12-01T15:00:00Z","endsAt":"0001-01-01T00:00:00Z",` +
	`"generatorURL":"http://prometheus:9090/graph","fingerprint":"%016x"}`

func amBody(alerts []string) []byte {
	return []byte(`{"version":"4","groupKey":"{}:{alertname=\"BenchLoad\"}","truncatedAlerts":0,"status":"firing","receiver":"fireline",` +
		`"groupLabels":{"alertname":"BenchLoad"},"commonLabels":{"alertname":"BenchLoad"},"commonAnnotations":{},` +
		`"externalURL":"http://alertmanager:9093","alerts":[` + strings.Join(alerts, ",") + `]}`)
}

// fingerprint is the fingerprint Alertmanager would send for the bench
// alert of host n: like Alertmanager's, a 64-bit FNV-1a hash of the sorted
// label names and values, so the keys of a storm are as scattered as real
// ones (a counter would insert them in index order, which costs a
// database far less; docs/adr/0042).
func fingerprint(n int64) uint64 {
	h := fnv.New64a()
	for _, kv := range [][2]string{{"alertname", "BenchLoad"}, {"instance", "host-" + strconv.FormatInt(n, 10)}, {"severity", "warning"}} {
		h.Write([]byte(kv[0]))
		h.Write([]byte{0xff})
		h.Write([]byte(kv[1]))
		h.Write([]byte{0xff})
	}
	return h.Sum64()
}

func (b *sender) distinct(int64) []byte {
	n := b.seq.Add(1)
	return amBody([]string{fmt.Sprintf(benchAlert, "firing", n, n, fingerprint(n))})
}

// duplicateKeys is how many alerts the duplicates scenario repeats.
const duplicateKeys = 64

func (b *sender) duplicate(i int64) []byte {
	n := 1 + i%duplicateKeys // after the first round, all deduplicated
	return amBody([]string{fmt.Sprintf(benchAlert, "firing", n, n, fingerprint(n))})
}

func (b *sender) batch(int64) []byte {
	alerts := make([]string, 100)
	for i := range alerts {
		n := b.seq.Add(1)
		alerts[i] = fmt.Sprintf(benchAlert, "firing", n, n, fingerprint(n))
	}
	return amBody(alerts)
}
