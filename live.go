package fireline

// IncidentChange says that an incident's timeline grew: the incident as it
// stands after the commit, and its newest event's sequence number. It
// carries no event data, so a subscriber that is told reads what it may
// see through the services.
//
// A change with Refresh set names no incident (Incident is nil): changes
// may have been missed (a replica's listener reconnected), so a
// subscriber should reload whatever it shows.
type IncidentChange struct {
	Incident *Incident
	Seq      int64
	Refresh  bool
}

// EventPublisher is told about each committed change to an incident, by
// any writer. The store calls Publish after the commit, never inside the
// transaction, and never for one rolled back; Publish must not block.
type EventPublisher interface {
	Publish(c IncidentChange)
}

// PublishFunc adapts a function to EventPublisher.
type PublishFunc func(IncidentChange)

// Publish calls f(c).
func (f PublishFunc) Publish(c IncidentChange) { f(c) }

// ChangeFeed hands out subscriptions to committed incident changes, for
// live views. A subscriber that falls behind has its channel closed and
// should reload what it shows.
type ChangeFeed interface {
	// Subscribe returns a channel of changes and a function that ends the
	// subscription. The channel is closed when the feed shuts down, when
	// the subscriber falls behind, or after cancel.
	Subscribe() (changes <-chan IncidentChange, cancel func())
}

// Publishers tells each of its publishers, in order: the store publishes
// to the console's live hub and the status page's cache through one.
type Publishers []EventPublisher

// Publish calls each publisher's Publish.
func (ps Publishers) Publish(c IncidentChange) {
	for _, p := range ps {
		p.Publish(c)
	}
}
