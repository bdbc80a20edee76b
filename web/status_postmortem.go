package web

import (
	"net/http"
	"strings"

	"github.com/fireline-dev/fireline"
)

// statusPostmortem is a public incident's postmortem page: what its
// review's publisher chose for customers (review_publish.go), beside the
// incident's public name, times and components. An incident without a
// published postmortem, or not on the public page, is 404.
func (h *handler) statusPostmortem(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if len(id) != 12 {
		http.NotFound(w, r)
		return
	}
	h.serveStatus(w, r, "html:postmortem:"+id, false, func(d *statusDoc) ([]byte, string, error) {
		if iv := publicIncident(d, id); iv != nil && iv.Postmortem != nil {
			return h.renderPublic("postmortem", d, &publicPage{Title: "Postmortem: " + iv.Name, Incident: iv})
		}
		return nil, "", errNoIncident // not cached: serveStatus answers 404
	})
}

// publicIncident is the public incident of a public id, if the page
// shows it.
func publicIncident(d *statusDoc, id string) *fireline.IncidentView {
	for i := range d.v.Incidents {
		if d.incidentID(d.v.Incidents[i].Number) == id {
			iv := d.v.Incidents[i]
			return &iv
		}
	}
	return nil
}

// paragraphs splits text at blank lines, for a page's <p>s.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
