package fireline

import "time"

// Event data of the timeline events that alerts and change events add.
type (
	AlertAttachedData struct {
		Alert       int64    `json:"alert"`
		Integration string   `json:"integration"`
		DedupKey    string   `json:"dedup_key"`
		Summary     string   `json:"summary"`
		Severity    Severity `json:"severity"`
	}
	AlertResolvedData struct {
		Alert    int64  `json:"alert"`
		DedupKey string `json:"dedup_key"`
	}
	ChangeEventData struct {
		Integration string       `json:"integration"`
		Summary     string       `json:"summary"`
		Source      string       `json:"source,omitempty"`
		Timestamp   *time.Time   `json:"timestamp,omitempty"`
		Links       []ChangeLink `json:"links,omitempty"`
	}
)
