package fireline

// Security is what a security incident keeps beside its row: the
// evidence preserved (evidence.go), the regulatory notification clock
// and the regulators told (regulatory.go). Every part of it is replayed
// from the timeline.
type Security struct {
	Evidence   []Evidence        `json:"evidence,omitempty"`
	Regulatory *RegulatoryClock  `json:"regulatory,omitempty"`
	Notices    []RegulatorNotice `json:"regulator_notices,omitempty"`
}

// IsZero reports whether nothing was preserved, started or told.
func (s Security) IsZero() bool {
	return len(s.Evidence) == 0 && s.Regulatory == nil && len(s.Notices) == 0
}

// ChangesSecurity reports whether changes changed an incident's Security.
func ChangesSecurity(changes []Change) bool {
	for _, c := range changes {
		switch d := c.Data.(type) {
		case *EvidenceAddedData, *RegulatoryStartedData, *RegulatorNotifiedData:
			return true
		case *ClockData:
			if d.Clock == ClockRegulatory {
				return true
			}
		}
	}
	return false
}
