package sqlstore

import "github.com/fireline-dev/fireline"

// SetPublisher makes the service tell p about every change it commits,
// after the commit. Call it before serving; nil turns publishing off.
func (s *IncidentService) SetPublisher(p fireline.EventPublisher) { s.publisher = p }

// publish tells the publisher, if any, that inc was committed with its
// newest event. The publisher gets its own copy of the incident.
func (s *IncidentService) publish(inc *fireline.Incident) {
	if s.publisher == nil || inc == nil {
		return
	}
	c := *inc
	s.publisher.Publish(fireline.IncidentChange{Incident: &c, Seq: inc.EventCount})
}
