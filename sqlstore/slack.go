package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/fireline-dev/fireline"
)

const (
	selectSlackSQL = "SELECT state FROM incident_slack WHERE incident_number = ?"
	upsertSlackSQL = `INSERT INTO incident_slack (incident_number, channel_id, state) VALUES (?, ?, ?)
		ON CONFLICT (incident_number) DO UPDATE SET channel_id = excluded.channel_id, state = excluded.state`
	channelIncidentSQL = "SELECT incident_number FROM incident_slack WHERE channel_id = ? AND channel_id <> ''"
)

// loadSlack reads inc's Slack channel into it (nil: it has none).
func loadSlack(ctx context.Context, tx *Tx, inc *fireline.Incident) error {
	var data string
	err := tx.queryRow(ctx, selectSlackSQL, inc.Number).Scan(&data)
	if isNoRows(err) {
		return decodeSlack(inc, sql.NullString{})
	}
	if err != nil {
		return fmt.Errorf("slack channel of %s: %w", inc.ID, err)
	}
	return decodeSlack(inc, sql.NullString{String: data, Valid: true})
}

// decodeSlack sets inc's Slack channel from its row's (NULL: no row).
func decodeSlack(inc *fireline.Incident, data sql.NullString) error {
	inc.Slack = nil
	if !data.Valid {
		return nil
	}
	inc.Slack = &fireline.SlackChannel{}
	if err := json.Unmarshal([]byte(data.String), inc.Slack); err != nil {
		return fmt.Errorf("slack channel of %s: %w", inc.ID, err)
	}
	return nil
}

// SaveSlack stores the incident's Slack channel as the engine's Slack job
// left it, in this transaction.
func (tx *PageTx) SaveSlack(ctx context.Context, ch *fireline.SlackChannel) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, upsertSlackSQL, tx.inc.Number, ch.ID, string(data)); err != nil {
		return fmt.Errorf("save slack channel of %s: %w", tx.inc.ID, err)
	}
	tx.inc.Slack = ch
	return nil
}

// SlackChannelIncident returns the human id of the incident whose Slack
// channel is channel. ENotFound when none is.
func (s *PagingStore) SlackChannelIncident(ctx context.Context, channel string) (string, error) {
	var n int64
	err := s.db.readTx(ctx, "slack channel", func(tx *Tx) error {
		return tx.queryRow(ctx, channelIncidentSQL, channel).Scan(&n)
	})
	if isNoRows(err) {
		return "", fireline.Errorf(fireline.ENotFound, "no incident has the Slack channel %s", channel)
	}
	if err != nil {
		return "", err
	}
	return fireline.IncidentID(n), nil
}

// EventsAfter reads incident n's events numbered above after (at most
// the newest fireline.MaxTimelinePage), oldest first.
func (s *PagingStore) EventsAfter(ctx context.Context, n, after int64) ([]*fireline.Event, error) {
	var events []*fireline.Event
	err := s.db.readTx(ctx, "slack events", func(tx *Tx) error {
		page, err := listEventsPage(ctx, tx, n, fireline.TimelineFilter{After: after, Limit: fireline.MaxTimelinePage})
		if err == nil {
			events = page.Events
		}
		return err
	})
	return events, err
}
