package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/fireline-dev/fireline"
)

// liveHeartbeat keeps idle event streams open through proxies.
const liveHeartbeat = 25 * time.Second

// liveIncident streams a "change" event each time the incident's timeline
// grows. Visibility is checked when the stream opens (an incident the
// user may not see does not exist here either: 404) and again at each
// recheck, with the user as the session then says they are.
func (h *handler) liveIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.stream(w, r, func(ctx context.Context) (func(fireline.IncidentChange) bool, error) {
		inc, err := h.cfg.Incidents.FindIncident(ctx, id)
		if err != nil {
			return nil, err
		}
		return func(c fireline.IncidentChange) bool { return c.Refresh || c.Incident.Number == inc.Number }, nil
	})
}

// liveDashboard streams a "change" event for every incident the user may
// see, checked per change with the same rule the store applies.
func (h *handler) liveDashboard(w http.ResponseWriter, r *http.Request) {
	h.stream(w, r, func(ctx context.Context) (func(fireline.IncidentChange) bool, error) {
		actor, _ := fireline.ActorFromContext(ctx)
		return func(c fireline.IncidentChange) bool { return c.Refresh || c.Incident.VisibleTo(actor) }, nil
	})
}

// liveFilter returns which changes a stream passes on, for the user acting
// in ctx; an error ends the stream.
type liveFilter func(ctx context.Context) (func(fireline.IncidentChange) bool, error)

// stream serves server-sent events: the changes that pass the filter, as
// "event: change" with the incident's id and sequence number as data
// (never its content: the page fetches that itself), or "refresh" when
// changes may have been missed (the page reloads all the same), and a
// comment every liveHeartbeat. Every LiveRecheck it looks the session up
// again and rebuilds the filter for the user as they are now; it ends when
// the session has ended or the filter refuses (the browser reconnects and
// is sent to log in, or finds the incident gone), when the client leaves,
// or when the feed closes (at shutdown, or when this client fell behind).
func (h *handler) stream(w http.ResponseWriter, r *http.Request, filter liveFilter) {
	want, err := filter(r.Context())
	if err != nil {
		h.renderError(w, r, err)
		return
	}
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
	every := h.cfg.LiveRecheck
	if every <= 0 {
		every = defaultLiveRecheck
	}
	recheck := time.NewTicker(every)
	defer recheck.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			fmt.Fprint(w, ": heartbeat\n\n")
		case <-recheck.C:
			if want = h.refilter(r, filter); want == nil {
				return
			}
			continue
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

// defaultLiveRecheck is LiveRecheck's default.
const defaultLiveRecheck = 10 * time.Second

// refilter looks the stream's session up again and returns the filter
// for its user as they are now, or nil when the stream must end: the
// session ended (logout, expiry, user disabled), or the user may no
// longer see what the stream shows.
func (h *handler) refilter(r *http.Request, filter liveFilter) func(fireline.IncidentChange) bool {
	if h.cfg.Sessions == nil {
		return nil
	}
	user, err := h.cfg.Sessions.Session(r.Context(), sessionSecret(r))
	if err != nil {
		return nil
	}
	ctx := fireline.NewContextWithActor(r.Context(), user.Actor())
	want, err := filter(context.WithValue(ctx, userKey{}, user))
	if err != nil {
		return nil
	}
	return want
}
