package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"time"

	"github.com/fireline-dev/fireline"
)

// sessionTouchEvery is how stale a session's last-seen time may get: a
// request writes it at most this often, not on every request.
const sessionTouchEvery = time.Minute

// newSessionSecret returns 256 random bits, URL-safe.
func newSessionSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// badLogin is the one answer to a wrong email, a wrong password and a
// disabled user, so that a login form does not tell which emails exist.
func badLogin() error {
	return fireline.Errorf(fireline.EUnauthorized, "wrong email or password")
}

// Login checks an email and password and starts a session. The password
// is verified outside any transaction: argon2id is slow on purpose, and on
// SQLite the writer must not wait for it.
func (s *UserService) Login(ctx context.Context, email, password string) (*fireline.Session, error) {
	var u *fireline.User
	var hash string
	err := s.db.readTx(ctx, "login", func(tx *Tx) (err error) {
		u, hash, err = findUser(ctx, tx, email)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u == nil || !checkPassword(hash, password) {
		reason := "wrong password"
		if u == nil {
			checkPassword(dummyHash(), password)
			reason = "no such user"
		}
		if err := s.auditLoginFailure(ctx, anonymous(ctx), failureSubject("login", email), reason); err != nil {
			return nil, err
		}
		return nil, badLogin()
	}
	return s.startSession(ctx, "login", fireline.AuditLoginSucceeded, func(tx *Tx) (string, error) {
		// The user may have been disabled or given a new password since.
		cur, curHash, err := findUser(ctx, tx, u.ID)
		if err != nil || cur == nil || cur.Disabled || curHash != hash {
			return "", firstError(err, badLogin())
		}
		return u.ID, nil
	})
}

// RedeemLoginLink uses a one-time link and starts a session.
func (s *UserService) RedeemLoginLink(ctx context.Context, secret string) (*fireline.Session, error) {
	return s.startSession(ctx, "redeem login link", fireline.AuditLoginLinkRedeemed, func(tx *Tx) (string, error) {
		invalid := fireline.Errorf(fireline.EUnauthorized, "this login link is unknown, used or expired; ask an administrator for a new one")
		var userID string
		var expires int64
		var used sql.NullInt64
		err := tx.queryRow(ctx, "SELECT user_id, expires_at, used_at FROM login_links WHERE secret_hash = ?"+tx.forUpdate(),
			fireline.HashToken(secret)).Scan(&userID, &expires, &used)
		switch {
		case err == sql.ErrNoRows:
			return "", invalid
		case err != nil:
			return "", err
		case used.Valid || !tx.now.Before(instant(expires)):
			return "", invalid
		}
		if _, err := tx.exec(ctx, "UPDATE login_links SET used_at = ? WHERE secret_hash = ?", micros(tx.now), fireline.HashToken(secret)); err != nil {
			return "", err
		}
		return userID, nil
	})
}

// startSession runs check in a write transaction to choose the user, then
// stores a new session for them. A new session is always a new secret:
// signing in never reuses an existing one. Either way the attempt is
// audited as action or a failed login, in the same transaction.
func (s *UserService) startSession(ctx context.Context, op string, action fireline.AuditAction, check func(*Tx) (string, error)) (*fireline.Session, error) {
	sess := &fireline.Session{Secret: newSessionSecret()}
	var failure error
	err := s.db.writeTx(ctx, op, func(tx *Tx) error {
		userID, err := check(tx)
		if err != nil {
			if fireline.ErrorCode(err) == fireline.EUnauthorized {
				failure = err // commit what check wrote, e.g. nothing
				_, err := appendLoginFailure(ctx, tx, anonymous(ctx), failureSubject(op, ""), err.Error())
				return err
			}
			return err
		}
		u, err := mustFindUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			failure = badLogin()
			_, err := appendLoginFailure(ctx, tx, anonymous(ctx), failureSubject(op, u.Email), "the user is disabled")
			return err
		}
		sess.ExpiresAt = tx.now.Add(fireline.SessionAbsoluteTimeout)
		if _, err := tx.exec(ctx, "INSERT INTO sessions (secret_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			fireline.HashToken(sess.Secret), u.ID, micros(tx.now), micros(tx.now), micros(sess.ExpiresAt)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE users SET last_login_at = ? WHERE id = ?", micros(tx.now), u.ID); err != nil {
			return err
		}
		loginAt := tx.now
		u.LastLoginAt = &loginAt
		sess.User = u
		return appendAuditAs(ctx, tx, userOrigin(ctx, u), userRecord(action, u, nil))
	})
	if err != nil {
		return nil, err
	}
	if failure != nil {
		return nil, failure
	}
	return sess, nil
}

// Session returns the user of an active session: known, not past its
// absolute expiry, seen within the idle timeout, and its user enabled.
func (s *UserService) Session(ctx context.Context, secret string) (*fireline.User, error) {
	ended := fireline.Errorf(fireline.EUnauthorized, "your session has ended; log in again")
	if secret == "" {
		return nil, ended
	}
	var u *fireline.User
	var lastSeen, expires int64
	var now time.Time
	err := s.db.readTx(ctx, "session", func(tx *Tx) error {
		now = tx.now
		var userID string
		err := tx.queryRow(ctx, "SELECT user_id, last_seen_at, expires_at FROM sessions WHERE secret_hash = ?",
			fireline.HashToken(secret)).Scan(&userID, &lastSeen, &expires)
		if err == sql.ErrNoRows {
			return ended
		} else if err != nil {
			return err
		}
		u, _, err = findUser(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u == nil || u.Disabled || !now.Before(instant(expires)) || now.Sub(instant(lastSeen)) >= fireline.SessionIdleTimeout {
		return nil, ended
	}
	if now.Sub(instant(lastSeen)) >= sessionTouchEvery {
		s.touchSession(ctx, secret)
	}
	return u, nil
}

// touchSession records a session's use; a failure is logged only.
func (s *UserService) touchSession(ctx context.Context, secret string) {
	err := s.db.writeTx(ctx, "touch session", func(tx *Tx) error {
		_, err := tx.exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE secret_hash = ?", micros(tx.now), fireline.HashToken(secret))
		return err
	})
	if err != nil {
		s.db.logger.Warn("record session use", "err", err)
	}
}

// Logout ends a session.
func (s *UserService) Logout(ctx context.Context, secret string) error {
	return s.db.writeTx(ctx, "logout", func(tx *Tx) error {
		var userID string
		err := tx.queryRow(ctx, "SELECT user_id FROM sessions WHERE secret_hash = ?", fireline.HashToken(secret)).Scan(&userID)
		if err == sql.ErrNoRows {
			return nil // no session, no act
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE secret_hash = ?", fireline.HashToken(secret)); err != nil {
			return err
		}
		u, err := mustFindUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		return appendAuditAs(ctx, tx, userOrigin(ctx, u), userRecord(fireline.AuditLogout, u, nil))
	})
}

// SetPassword sets the password of the console user acting in ctx.
// EUnauthorized when the actor is not a console user. The current
// password is verified outside any transaction, as at login, and the new
// one is written only if the password is still the one verified.
func (s *UserService) SetPassword(ctx context.Context, ch fireline.PasswordChange) error {
	actor, err := actorFrom(ctx)
	if err != nil {
		return err
	}
	if actor.UserID == "" {
		return fireline.Errorf(fireline.EUnauthorized, "only a signed-in console user has a password")
	}
	if err := fireline.CheckPassword(ch.New); err != nil {
		return err
	}
	var u *fireline.User
	var old string
	err = s.db.readTx(ctx, "find user", func(tx *Tx) (err error) {
		u, old, err = findUser(ctx, tx, actor.UserID)
		return err
	})
	if err != nil {
		return err
	}
	if old != "" && !ch.ByLink {
		if ch.Current == "" {
			return &fireline.Error{Code: fireline.EInvalid, Message: "password not changed",
				Fields: []fireline.FieldError{{Field: "current_password", Message: "required: type the password you have now"}}}
		}
		if !checkPassword(old, ch.Current) {
			if err := s.auditLoginFailure(ctx, userOrigin(ctx, u), "user:"+u.Email, "wrong current password at a password change"); err != nil {
				return err
			}
			return &fireline.Error{Code: fireline.EUnauthorized, Message: "password not changed",
				Fields: []fireline.FieldError{{Field: "current_password", Message: "is not your current password"}}}
		}
	}
	hash := hashPassword(ch.New)
	return s.db.writeTx(ctx, "set password", func(tx *Tx) error {
		res, err := tx.exec(ctx, "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ? AND disabled_at IS NULL", hash, actor.UserID, old)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fireline.Errorf(fireline.EConflict, "your password was changed, or your account disabled, meanwhile; nothing was saved")
		}
		return appendAudit(ctx, tx, userRecord(fireline.AuditPasswordChanged, u, passwordAudit{ByLink: ch.ByLink}))
	})
}
