package web

import (
	"net/http"

	"github.com/fireline-dev/fireline"
)

// healthz answers while the process can serve HTTP at all.
func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the store can serve requests, 503 otherwise.
func (h *handler) readyz(w http.ResponseWriter, r *http.Request) {
	err := h.cfg.Health.Ready(r.Context())
	if err == nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	p := h.problem(r.Context(), err)
	if p.Status != http.StatusServiceUnavailable {
		p = h.problem(r.Context(), fireline.Errorf(fireline.EUnavailable, "not ready"))
	}
	writeProblem(w, p)
}
