package sqlstore

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
)

// LoginThrottle keeps the console's failed-login counts in the database,
// so that every replica counts every failure (docs/adr/0034).
type LoginThrottle struct{ db *DB }

var _ fireline.LoginThrottleStore = (*LoginThrottle)(nil)

// NewLoginThrottle returns the failed-login counts of db.
func NewLoginThrottle(db *DB) *LoginThrottle { return &LoginThrottle{db: db} }

// LoginBlockedUntil implements fireline.LoginThrottleStore.
func (s *LoginThrottle) LoginBlockedUntil(ctx context.Context, keys []string) (time.Time, error) {
	if len(keys) == 0 {
		return time.Time{}, nil
	}
	var until int64
	err := s.db.readTx(ctx, "login blocked", func(tx *Tx) error {
		return tx.queryRow(ctx, "SELECT COALESCE(MAX(blocked_until), 0) FROM login_failures WHERE key IN ("+placeholders(len(keys))+")",
			anys(keys)...).Scan(&until)
	})
	if err != nil || until == 0 {
		return time.Time{}, err
	}
	return instant(until), nil
}

// CountLoginFailure implements fireline.LoginThrottleStore: the keys'
// rows are made if missing, then locked (PostgreSQL; SQLite has one
// writer), read, changed by count and written, in one transaction. Rows
// no failure has touched for a day are dropped on the way.
func (s *LoginThrottle) CountLoginFailure(ctx context.Context, keys []string, now time.Time, count func(string, *fireline.LoginFailures)) error {
	if len(keys) == 0 {
		return nil
	}
	return s.db.writeTx(ctx, "count login failure", func(tx *Tx) error {
		if _, err := tx.exec(ctx, "DELETE FROM login_failures WHERE last_at < ?", micros(now.Add(-fireline.LoginFailuresForgotten))); err != nil {
			return err
		}
		for _, k := range keys {
			// A new key's row exists before it is locked, so that two
			// replicas counting its first failures wait for each other.
			if _, err := tx.exec(ctx, "INSERT INTO login_failures (key, failures, last_at, blocked_until) VALUES (?, 0, 0, 0) ON CONFLICT (key) DO NOTHING", k); err != nil {
				return err
			}
		}
		rows, err := tx.query(ctx, "SELECT key, failures, last_at, blocked_until FROM login_failures WHERE key IN ("+
			placeholders(len(keys))+") ORDER BY key"+tx.forUpdate(), anys(keys)...)
		if err != nil {
			return err
		}
		found := map[string]*fireline.LoginFailures{}
		for rows.Next() {
			var (
				k                  string
				n, last, blockedAt int64
			)
			if err := rows.Scan(&k, &n, &last, &blockedAt); err != nil {
				rows.Close()
				return err
			}
			f := &fireline.LoginFailures{Count: int(n)}
			if last > 0 {
				f.Last = instant(last)
			}
			if blockedAt > 0 {
				f.Blocked = instant(blockedAt)
			}
			found[k] = f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range keys {
			f := found[k]
			if f == nil {
				f = &fireline.LoginFailures{}
			}
			count(k, f)
			var blocked int64
			if !f.Blocked.IsZero() {
				blocked = micros(f.Blocked)
			}
			if _, err := tx.exec(ctx, "UPDATE login_failures SET failures = ?, last_at = ?, blocked_until = ? WHERE key = ?",
				f.Count, micros(f.Last), blocked, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClearLoginFailures implements fireline.LoginThrottleStore.
func (s *LoginThrottle) ClearLoginFailures(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	return s.db.writeTx(ctx, "clear login failures", func(tx *Tx) error {
		_, err := tx.exec(ctx, "DELETE FROM login_failures WHERE key IN ("+placeholders(len(keys))+")", anys(keys)...)
		return err
	})
}
