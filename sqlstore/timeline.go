package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/fireline-dev/fireline"
)

// TimelinePage returns the newest events of a visible incident's timeline
// the filter selects, in order (docs/adr/0054). ENotFound as FindIncident;
// EInvalid for a bad limit.
func (s *IncidentService) TimelinePage(ctx context.Context, id string, f fireline.TimelineFilter) (*fireline.TimelinePage, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := fireline.ParseIncidentID(id)
	if err != nil {
		return nil, err
	}
	if err := checkTimelineFilter(&f); err != nil {
		return nil, err
	}
	var page *fireline.TimelinePage
	err = s.db.readTx(ctx, "timeline page", func(tx *Tx) error {
		var visible int
		err := tx.queryRow(ctx, "SELECT COUNT(*) FROM incidents i WHERE i.number = ? AND "+visibleTo,
			append([]any{n}, visibleArgs(actor)...)...).Scan(&visible)
		if err != nil {
			return err
		}
		if visible == 0 {
			return notFound(id)
		}
		page, err = listEventsPage(ctx, tx, n, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// checkTimelineFilter applies the default limit and checks the filter.
func checkTimelineFilter(f *fireline.TimelineFilter) error {
	var fe []fireline.FieldError
	switch {
	case f.Limit == 0:
		f.Limit = fireline.MaxTimelinePage
	case f.Limit < 0 || f.Limit > fireline.MaxTimelinePage:
		fe = append(fe, fireline.FieldError{Field: "limit", Message: "must be between 1 and " + strconv.Itoa(fireline.MaxTimelinePage)})
	}
	if f.Before < 0 {
		fe = append(fe, fireline.FieldError{Field: "before", Message: "must be an event's number"})
	}
	if f.After < 0 {
		fe = append(fe, fireline.FieldError{Field: "after", Message: "must be an event's number"})
	}
	if len(fe) > 0 {
		return &fireline.Error{Code: fireline.EInvalid, Message: "invalid timeline filter", Fields: fe}
	}
	return nil
}

// summaryTypesSQL selects SummaryEventTypes in the words of the partial
// index that holds them (events_summary, migration 00011).
var summaryTypesSQL = func() string {
	types := make([]string, len(fireline.SummaryEventTypes))
	for i, t := range fireline.SummaryEventTypes {
		types[i] = "'" + string(t) + "'"
	}
	return "e.type IN (" + strings.Join(types, ", ") + ")"
}()

// listEventsPage reads the newest events of incident n the filter selects,
// newest first through the primary key (or the summary index), one more
// than the page holds to tell whether older ones follow.
func listEventsPage(ctx context.Context, tx *Tx, n int64, f fireline.TimelineFilter) (*fireline.TimelinePage, error) {
	where, args := []string{"e.incident_number = ?"}, []any{n}
	if f.Before > 0 {
		where, args = append(where, "e.seq < ?"), append(args, f.Before)
	}
	if f.After > 0 {
		where, args = append(where, "e.seq > ?"), append(args, f.After)
	}
	switch {
	case sameTypes(f.Types, fireline.SummaryEventTypes):
		where = append(where, summaryTypesSQL)
	case len(f.Types) > 0:
		where, args = append(where, "e.type IN ("+placeholders(len(f.Types))+")"), append(args, anys(f.Types)...)
	}
	rows, err := tx.query(ctx, `SELECT e.seq, e.at, e.actor, e.type, e.data, e.prev_hash, e.hash FROM events e
		WHERE `+strings.Join(where, " AND ")+` ORDER BY e.seq DESC LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, err
	}
	events, err := scanEvents(rows, n)
	if err != nil {
		return nil, err
	}
	page := &fireline.TimelinePage{Events: events}
	if len(events) > f.Limit {
		page.Events = events[:f.Limit]
		page.Older = page.Events[f.Limit-1].Seq
	}
	slices.Reverse(page.Events)
	return page, nil
}

// scanEvents reads the events of incident n that rows hold, and closes
// them.
func scanEvents(rows *sql.Rows, n int64) ([]*fireline.Event, error) {
	defer rows.Close()
	events := []*fireline.Event{}
	for rows.Next() {
		e := &fireline.Event{Incident: fireline.IncidentID(n)}
		var at int64
		var data string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Type, &data, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At, e.Data = instant(at), json.RawMessage(data)
		events = append(events, e)
	}
	return events, rows.Err()
}

// sameTypes reports whether types holds exactly the types of set.
func sameTypes(types, set []fireline.EventType) bool {
	if len(types) == 0 {
		return false
	}
	for _, t := range types {
		if !slices.Contains(set, t) {
			return false
		}
	}
	for _, t := range set {
		if !slices.Contains(types, t) {
			return false
		}
	}
	return true
}
