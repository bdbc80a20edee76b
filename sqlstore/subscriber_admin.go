package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/google/uuid"

	"github.com/fireline-dev/fireline"
)

var _ fireline.SubscriberAdmin = (*SubscriberService)(nil)

// ImportSubscribers adds or updates each row, confirmed, in one
// transaction: a bad row changes nothing.
func (s *SubscriberService) ImportSubscribers(ctx context.Context, rows []fireline.SubscribeInput) (fireline.SubscriberImport, error) {
	var res fireline.SubscriberImport
	rows, err := fireline.ValidateImport(s.policy, rows)
	if err != nil {
		return res, err
	}
	err = s.db.writeTx(ctx, "import subscribers", func(tx *Tx) error {
		res = fireline.SubscriberImport{}
		for _, r := range rows {
			added, err := importSubscriber(ctx, tx, r)
			if err != nil {
				return err
			}
			if added {
				res.Added++
			} else {
				res.Updated++
			}
		}
		return nil
	})
	return res, err
}

// importSubscriber inserts a confirmed subscription or replaces the
// components of the address's one (confirming it); true when new.
func importSubscriber(ctx context.Context, tx *Tx, r fireline.SubscribeInput) (bool, error) {
	comps, err := json.Marshal(nonNilStrings(r.Components))
	if err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, "UPDATE subscribers SET components = ?, confirmed_at = COALESCE(confirmed_at, ?) WHERE email = ?",
		string(comps), micros(tx.now), r.Email)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return false, err
	}
	_, err = tx.exec(ctx, `INSERT INTO subscribers (id, email, components, created_at, confirmed_at, confirm_sent_at) VALUES (?, ?, ?, ?, ?, ?)`,
		uuid.NewString(), r.Email, string(comps), micros(tx.now), micros(tx.now), micros(tx.now))
	return true, err
}

// ListSubscribers returns up to limit subscriptions after the id after,
// confirmed or not, in id order.
func (s *SubscriberService) ListSubscribers(ctx context.Context, after string, limit int) ([]*fireline.Subscriber, error) {
	return s.subscribersAfter(ctx, "", after, limit)
}

// RemoveSubscriber removes a subscription by id or by email.
func (s *SubscriberService) RemoveSubscriber(ctx context.Context, ref string) error {
	where, ref := "id = ?", strings.TrimSpace(ref)
	if strings.Contains(ref, "@") {
		// Addresses are compared without case: nobody keeps two
		// subscriptions that differ only in it.
		where, ref = "LOWER(email) = ?", strings.ToLower(ref)
	}
	return s.db.writeTx(ctx, "remove subscriber", func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM subscribers WHERE "+where, ref)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return fireline.Errorf(fireline.ENotFound, "no subscriber %q", ref)
	})
}
