package sqlstore

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// Audit records of signing in and out (session.go).

// anonymous is the origin of an attempt to sign in that did not succeed:
// nobody known, from the request's address.
func anonymous(ctx context.Context) fireline.AuditOrigin {
	return fireline.AuditOrigin{Actor: "anonymous", Address: fireline.AddressFromContext(ctx)}
}

// userOrigin is the origin of an act of console user u on their own
// session: signing in or out.
func userOrigin(ctx context.Context, u *fireline.User) fireline.AuditOrigin {
	return fireline.AuditOriginOf(u.Actor(), fireline.AddressFromContext(ctx))
}

// failureSubject is the subject of a refused sign-in by op ("login" or
// "redeem login link") as typed email (none for a link).
func failureSubject(op, email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	switch {
	case email != "":
		return "user:" + email
	case op != "login":
		return "login-link"
	}
	return "login"
}

// appendLoginFailure audits a refused proof of identity (a sign-in, or
// the current password at a password change) by o, never its password
// or link, within the hourly limit of fireline.LoginFailureRecord. It
// returns whether the failure was recorded.
func appendLoginFailure(ctx context.Context, tx *Tx, o fireline.AuditOrigin, subject, reason string) (bool, error) {
	recorded, err := loginFailuresThisHour(ctx, tx)
	if err != nil {
		return false, err
	}
	rec, ok := fireline.LoginFailureRecord(subject, fireline.AuditLoginFailure{Reason: reason}, recorded)
	if !ok {
		return false, nil
	}
	return true, appendAuditAs(ctx, tx, o, rec)
}

// loginFailuresThisHour counts the failed sign-ins recorded since the
// start of the current hour, after locking the log's head (PostgreSQL)
// so that replicas count one after another. It reads the entries of the
// hour through the at index, then the failures among them through the
// (action, seq) index: at most the limit's worth of rows.
func loginFailuresThisHour(ctx context.Context, tx *Tx) (int, error) {
	var seq int64
	if err := tx.queryRow(ctx, "SELECT seq FROM audit_head WHERE id = 1"+tx.forUpdate()).Scan(&seq); err != nil {
		return 0, err
	}
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ?
		AND seq >= COALESCE((SELECT MIN(seq) FROM audit_log WHERE at >= ?), ?)`,
		string(fireline.AuditLoginFailed), micros(tx.now.Truncate(time.Hour)), int64(math.MaxInt64)).Scan(&n)
	return n, err
}

// auditLoginFailure records a wrong password by o on subject in a
// transaction of its own: passwords are checked outside any. The login
// throttle bounds how many a client gets to make; the hourly limit, how
// many all clients together get recorded (docs/adr/0058).
func (s *UserService) auditLoginFailure(ctx context.Context, o fireline.AuditOrigin, subject, reason string) error {
	recorded := false
	err := s.db.writeTx(ctx, "audit login failure", func(tx *Tx) (err error) {
		recorded, err = appendLoginFailure(ctx, tx, o, subject, reason)
		return err
	})
	if err == nil && !recorded {
		s.db.logger.Warn("failed login not audited: the hourly limit is reached", "limit", fireline.MaxLoginFailuresAudited,
			"address", fireline.AddressFromContext(ctx))
	}
	return err
}

// passwordAudit is what the log keeps of a password change: whether a
// login link proved it instead of the current password.
type passwordAudit struct {
	ByLink bool `json:"by_link"`
}
