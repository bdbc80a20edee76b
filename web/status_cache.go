package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fireline-dev/fireline"
)

// StatusCache keeps the public status page's documents (HTML, feeds,
// Statuspage JSON) as rendered, until a committed change to an incident
// that could show there (one that is not restricted) or a maintenance
// window written through this server invalidates them, or the view's own
// ValidUntil passes (a window starting or ending, a day turning). It is
// an EventPublisher: the store publishes every commit to it (cmd wires
// it beside the live hub). The documents hold only what the store's
// public record holds, which never has a restricted incident.
type StatusCache struct {
	gen     atomic.Uint64
	mu      sync.Mutex
	entries map[string]*cachedDoc
	// hits and misses count answers, for tests and the benchmark.
	hits, misses atomic.Int64
}

var _ fireline.EventPublisher = (*StatusCache)(nil)

// NewStatusCache returns an empty cache.
func NewStatusCache() *StatusCache { return &StatusCache{entries: map[string]*cachedDoc{}} }

// Publish implements fireline.EventPublisher: a committed change to an
// unrestricted incident (or a refresh) drops every document.
func (c *StatusCache) Publish(ch fireline.IncidentChange) {
	if ch.Incident != nil && ch.Incident.Restricted && !ch.Refresh {
		return
	}
	c.Invalidate()
}

// Invalidate drops every document.
func (c *StatusCache) Invalidate() {
	c.gen.Add(1)
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// changed drops the public page's documents once an action on an
// unrestricted incident committed, so that the actor's next look at the
// page shows it; the store's publication, which every writer's commits
// reach, follows shortly after.
func (h *handler) changed(inc *fireline.Incident) {
	if inc != nil && !inc.Restricted {
		h.statusCache.Invalidate()
	}
}

// Stats returns how many answers came from the cache and how many were
// rendered.
func (c *StatusCache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// cachedDoc is one rendered document.
type cachedDoc struct {
	body        []byte
	etag        string
	contentType string
	until       time.Time
	gen         uint64
}

// maxStatusEntries bounds the documents kept.
const maxStatusEntries = 256

// maxStatusAge bounds how long a document is kept whatever happens.
const maxStatusAge = 5 * time.Minute

// get returns the document under key, rendering it with render when it
// is missing or stale. render returns the body, its content type and
// until when it holds.
func (c *StatusCache) get(key string, now time.Time, render func() ([]byte, string, time.Time, error)) (*cachedDoc, error) {
	gen := c.gen.Load()
	c.mu.Lock()
	d := c.entries[key]
	c.mu.Unlock()
	if d != nil && d.gen == gen && now.Before(d.until) {
		c.hits.Add(1)
		return d, nil
	}
	c.misses.Add(1)
	body, ctype, until, err := render()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	d = &cachedDoc{body: body, contentType: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`,
		until: minT(until, now.Add(maxStatusAge)), gen: gen}
	c.mu.Lock()
	if len(c.entries) >= maxStatusEntries { // many hosts or pages asked for: start again
		clear(c.entries)
	}
	if c.gen.Load() == gen { // not invalidated while rendering
		c.entries[key] = d
	}
	c.mu.Unlock()
	return d, nil
}

func minT(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// statusMaxAge is the Cache-Control max-age of public documents: short,
// so that widgets and proxies see an update within it.
const statusMaxAge = 30

// serveDoc writes a cached document with its ETag, Cache-Control and, for
// the JSON and feeds, an open CORS header; 304 for a matching
// If-None-Match.
func serveDoc(w http.ResponseWriter, r *http.Request, d *cachedDoc, cors bool) {
	hd := w.Header()
	hd.Set("Content-Type", d.contentType)
	hd.Set("ETag", d.etag)
	hd.Set("Cache-Control", "public, max-age="+strconv.Itoa(statusMaxAge))
	hd.Set("X-Content-Type-Options", "nosniff")
	if cors {
		hd.Set("Access-Control-Allow-Origin", "*")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, d.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(d.body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(d.body)
}

func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		p := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if p == etag || p == "*" {
			return true
		}
	}
	return false
}
