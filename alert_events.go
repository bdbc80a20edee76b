package fireline

import "time"

// Event data of the timeline events that alerts and change events add.
type (
	// AlertAttachedData describes the first alert attached; MoreAlerts
	// are the ids of the others the same integration attached to the
	// incident at the same instant (a storm is one event, not thousands).
	AlertAttachedData struct {
		Alert       int64    `json:"alert"`
		Integration string   `json:"integration"`
		DedupKey    string   `json:"dedup_key"`
		Summary     string   `json:"summary"`
		Severity    Severity `json:"severity"`
		MoreAlerts  []int64  `json:"more_alerts,omitempty"`
		// Rewalk says the alert came while nobody had answered the
		// incident's finished walk: it starts the walk again, so that new
		// evidence is not added silently.
		Rewalk bool `json:"rewalk,omitempty"`
	}
	// AlertResolvedData describes the first alert resolved; MoreAlerts as
	// in AlertAttachedData.
	AlertResolvedData struct {
		Alert      int64   `json:"alert"`
		DedupKey   string  `json:"dedup_key"`
		MoreAlerts []int64 `json:"more_alerts,omitempty"`
	}
	ChangeEventData struct {
		Integration string       `json:"integration"`
		Summary     string       `json:"summary"`
		Source      string       `json:"source,omitempty"`
		Timestamp   *time.Time   `json:"timestamp,omitempty"`
		Links       []ChangeLink `json:"links,omitempty"`
	}
)
