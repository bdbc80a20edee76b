package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/fireline-dev/fireline"
)

// liveHeartbeat keeps idle event streams open through proxies.
const liveHeartbeat = 25 * time.Second

// liveIncident streams a "change" event each time the incident's timeline
// grows. Visibility is checked when the stream opens: an incident the
// user may not see does not exist here either (404), and a restricted
// incident never stops being restricted, nor loses members.
func (h *handler) liveIncident(w http.ResponseWriter, r *http.Request) {
	inc, err := h.cfg.Incidents.FindIncident(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	h.stream(w, r, func(c fireline.IncidentChange) bool { return c.Refresh || c.Incident.Number == inc.Number })
}

// liveDashboard streams a "change" event for every incident the user may
// see, checked per change with the same rule the store applies.
func (h *handler) liveDashboard(w http.ResponseWriter, r *http.Request) {
	actor, _ := fireline.ActorFromContext(r.Context())
	h.stream(w, r, func(c fireline.IncidentChange) bool { return c.Refresh || c.Incident.VisibleTo(actor) })
}

// stream serves server-sent events: the changes that pass want, as
// "event: change" with the incident's id and sequence number as data
// (never its content: the page fetches that itself), or "refresh" when
// changes may have been missed (the page reloads all the same), and a
// comment every
// liveHeartbeat. It ends when the client leaves or the feed closes (at
// shutdown, or when this client fell behind); browsers then reconnect.
func (h *handler) stream(w http.ResponseWriter, r *http.Request, want func(fireline.IncidentChange) bool) {
	if h.cfg.Live == nil {
		w.WriteHeader(http.StatusNoContent) // tells EventSource not to retry
		return
	}
	changes, cancel := h.cfg.Live.Subscribe()
	defer cancel()
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // the server's write timeout does not suit a stream
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	rc.Flush()
	beat := time.NewTicker(liveHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			fmt.Fprint(w, ": heartbeat\n\n")
		case c, ok := <-changes:
			if !ok {
				return
			}
			if !want(c) {
				continue
			}
			if c.Refresh {
				fmt.Fprint(w, "event: change\ndata: refresh\n\n")
			} else {
				fmt.Fprintf(w, "event: change\nid: %s/%d\ndata: %s %d\n\n", c.Incident.ID, c.Seq, c.Incident.ID, c.Seq)
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
