// Package live fans committed incident changes out to the live views of
// the web console, within one process. The store publishes to a Hub after
// each commit; each open server-sent-event stream subscribes.
//
// It imports only the fireline domain package and the standard library.
// Several replicas on one PostgreSQL will relay changes between them with
// LISTEN/NOTIFY into each replica's Hub (docs/adr/0031-live-updates.md).
package live

import (
	"sync"

	"github.com/fireline-dev/fireline"
)

// buffer is how many changes a subscriber may lag behind before it is
// dropped; a dropped subscriber reconnects and reloads.
const buffer = 64

// Hub is an in-process broadcast of incident changes. The zero value is
// not ready; use NewHub. A Hub is safe for concurrent use.
type Hub struct {
	mu     sync.Mutex
	subs   map[chan fireline.IncidentChange]struct{}
	closed bool
}

var (
	_ fireline.EventPublisher = (*Hub)(nil)
	_ fireline.ChangeFeed     = (*Hub)(nil)
)

// NewHub returns an open hub with no subscribers.
func NewHub() *Hub {
	return &Hub{subs: map[chan fireline.IncidentChange]struct{}{}}
}

// Publish sends c to every subscriber without blocking: a subscriber whose
// buffer is full is dropped (its channel closed) rather than waited for.
func (h *Hub) Publish(c fireline.IncidentChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- c:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// Subscribe implements fireline.ChangeFeed. After Close it returns a
// closed channel.
func (h *Hub) Subscribe() (<-chan fireline.IncidentChange, func()) {
	ch := make(chan fireline.IncidentChange, buffer)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return ch, func() {}
	}
	h.subs[ch] = struct{}{}
	return ch, func() { h.remove(ch) }
}

func (h *Hub) remove(ch chan fireline.IncidentChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// Close ends every subscription and refuses new ones, so that open
// streams end and a server can shut down.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}
