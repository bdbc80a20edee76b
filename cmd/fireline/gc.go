package main

import "runtime/debug"

// Garbage-collector settings of a server process (docs/adr/0037).
const (
	serverGCPercent   = 400
	serverMemoryLimit = 1 << 30 // 1 GiB, soft
)

// tuneGC lets the heap grow to five times what is live before a
// collection (GOGC=400) under a soft 1 GiB limit, unless GOGC or
// GOMEMLIMIT say otherwise: Fireline's live heap is tens of megabytes, and
// at the default a third of an alert storm's CPU went to collecting it.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serverMemoryLimit)
	}
}
