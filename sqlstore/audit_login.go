package sqlstore

import (
	"context"
	"strings"

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

// loginFailure audits a refused sign-in by op ("login" or "redeem login
// link") as typed email (none for a link), never its password or link.
func loginFailure(op, email, reason string) fireline.AuditRecord {
	email = fireline.CleanAuditText(strings.ToLower(strings.TrimSpace(email)))
	subject := "login-link"
	if op == "login" || email != "" {
		subject = "user:" + email
	}
	return fireline.AuditRecord{Action: fireline.AuditLoginFailed, Subject: subject,
		Data: fireline.AuditLoginFailure{Email: email, Reason: reason}}
}

// auditLoginFailure records a wrong email or password in a transaction of
// its own: Login checks passwords outside any. The login throttle bounds
// how many a client gets to make (docs/adr/0058).
func (s *UserService) auditLoginFailure(ctx context.Context, email, reason string) error {
	return s.db.writeTx(ctx, "audit login failure", func(tx *Tx) error {
		return appendAuditAs(ctx, tx, anonymous(ctx), loginFailure("login", email, reason))
	})
}

// passwordAudit is what the log keeps of a password change: whether a
// login link proved it instead of the current password.
type passwordAudit struct {
	ByLink bool `json:"by_link"`
}
