package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/fireline-dev/fireline"
)

// SubscriberService implements fireline.SubscriberService, and gives the
// engine the confirmed subscribers to send to.
type SubscriberService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.SubscriberService = (*SubscriberService)(nil)

// NewSubscriberService returns customer subscriptions over db.
func NewSubscriberService(db *DB, p *fireline.Policy) *SubscriberService {
	return &SubscriberService{db: db, policy: p}
}

// resendAfter is how long a pending subscription waits before asking
// for its confirmation email again: a form posted over and over does not
// flood the address.
const resendAfter = 10 * time.Minute

const selectSubscriberSQL = "SELECT id, email, components, created_at, confirmed_at, confirm_sent_at FROM subscribers"

// Subscribe records a pending subscription, or refreshes a pending one's
// components, and queues the confirmation email in the same transaction
// (at most one every resendAfter). A confirmed address is left as it is:
// nobody changes another's subscription by knowing the address.
func (s *SubscriberService) Subscribe(ctx context.Context, in fireline.SubscribeInput) error {
	in, err := in.Validate(s.policy)
	if err != nil {
		return err
	}
	comps, err := json.Marshal(nonNilStrings(in.Components))
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, "subscribe", func(tx *Tx) error {
		sub, sent, err := findSubscriber(ctx, tx, "email", in.Email)
		switch {
		case err != nil:
			return err
		case sub == nil:
			sub = &fireline.Subscriber{ID: uuid.NewString()}
			if _, err := tx.exec(ctx, `INSERT INTO subscribers (id, email, components, created_at, confirm_sent_at) VALUES (?, ?, ?, ?, ?)`,
				sub.ID, in.Email, string(comps), micros(tx.now), micros(tx.now)); err != nil {
				return err
			}
		case sub.ConfirmedAt != nil:
			return nil
		default:
			if _, err := tx.exec(ctx, "UPDATE subscribers SET components = ? WHERE id = ?", string(comps), sub.ID); err != nil {
				return err
			}
			if tx.now.Sub(sent) < resendAfter {
				return nil
			}
			if _, err := tx.exec(ctx, "UPDATE subscribers SET confirm_sent_at = ? WHERE id = ?", micros(tx.now), sub.ID); err != nil {
				return err
			}
		}
		return tx.Enqueue(ctx, fireline.Job{Kind: fireline.JobSubscriberConfirm, Group: "customers", RunAt: tx.now, MaxAttempts: 20,
			Key: "confirm:" + sub.ID + ":" + tx.now.Format(time.RFC3339Nano), Args: fireline.SubscriberJob{Subscriber: sub.ID}})
	})
}

// ConfirmSubscriber confirms a subscription (again: no change).
// ENotFound when there is none.
func (s *SubscriberService) ConfirmSubscriber(ctx context.Context, id string) (*fireline.Subscriber, error) {
	var sub *fireline.Subscriber
	err := s.db.writeTx(ctx, "confirm subscriber", func(tx *Tx) error {
		var err error
		if sub, _, err = findSubscriber(ctx, tx, "id", id); err != nil {
			return err
		}
		if sub == nil {
			return fireline.Errorf(fireline.ENotFound, "no such subscription (it was removed)")
		}
		if sub.ConfirmedAt == nil {
			now := tx.now
			sub.ConfirmedAt = &now
			_, err = tx.exec(ctx, "UPDATE subscribers SET confirmed_at = ? WHERE id = ?", micros(now), id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// Unsubscribe removes a subscription.
func (s *SubscriberService) Unsubscribe(ctx context.Context, id string) error {
	return s.db.writeTx(ctx, "unsubscribe", func(tx *Tx) error {
		_, err := tx.exec(ctx, "DELETE FROM subscribers WHERE id = ?", id)
		return err
	})
}

// Subscriber returns one subscription (nil when it is gone), confirmed
// or not.
func (s *SubscriberService) Subscriber(ctx context.Context, id string) (*fireline.Subscriber, error) {
	var sub *fireline.Subscriber
	err := s.db.readTx(ctx, "subscriber", func(tx *Tx) error {
		var err error
		sub, _, err = findSubscriber(ctx, tx, "id", id)
		return err
	})
	return sub, err
}

// Confirmed returns up to limit confirmed subscriptions with ids after
// after, in id order: the fan-out's next batch.
func (s *SubscriberService) Confirmed(ctx context.Context, after string, limit int) ([]*fireline.Subscriber, error) {
	return s.subscribersAfter(ctx, " AND confirmed_at IS NOT NULL", after, limit)
}

// subscribersAfter returns up to limit subscriptions with ids after
// after that meet the condition and, in id order.
func (s *SubscriberService) subscribersAfter(ctx context.Context, and, after string, limit int) ([]*fireline.Subscriber, error) {
	var out []*fireline.Subscriber
	err := s.db.readTx(ctx, "subscribers", func(tx *Tx) error {
		rows, err := tx.query(ctx, selectSubscriberSQL+" WHERE id > ?"+and+" ORDER BY id LIMIT ?", after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			sub, _, err := scanSubscriber(rows)
			if err != nil {
				return err
			}
			out = append(out, sub)
		}
		return rows.Err()
	})
	return out, err
}

func findSubscriber(ctx context.Context, tx *Tx, column, v string) (*fireline.Subscriber, time.Time, error) {
	sub, sent, err := scanSubscriber(tx.queryRow(ctx, selectSubscriberSQL+" WHERE "+column+" = ?", v))
	if isNoRows(err) {
		return nil, time.Time{}, nil
	}
	return sub, sent, err
}

func scanSubscriber(row scanner) (*fireline.Subscriber, time.Time, error) {
	var sub fireline.Subscriber
	var comps string
	var created, sent int64
	var confirmed sql.NullInt64
	if err := row.Scan(&sub.ID, &sub.Email, &comps, &created, &confirmed, &sent); err != nil {
		return nil, time.Time{}, err
	}
	if err := json.Unmarshal([]byte(comps), &sub.Components); err != nil {
		return nil, time.Time{}, err
	}
	sub.CreatedAt, sub.ConfirmedAt = instant(created), instantPtr(confirmed)
	return &sub, instant(sent), nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
