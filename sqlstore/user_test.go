package sqlstore_test

import (
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

func newUsers(t *testing.T, e *env) *sqlstore.UserService {
	t.Helper()
	return sqlstore.NewUserService(e.db, policy.Default())
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	if got := fireline.ErrorCode(err); got != want {
		t.Fatalf("error %v: code %q, want %q", err, got, want)
	}
}

func TestUsersAndLoginLinks(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		us := newUsers(t, e)
		_, _, err := us.CreateUser(noContext, fireline.UserInput{Email: "a@example.com", Name: "A", Role: "viewer", PersonID: "alex"})
		code(t, err, fireline.EUnauthorized)
		_, _, err = us.CreateUser(as(admin), fireline.UserInput{Email: "nope", Role: "boss", PersonID: "nobody"})
		code(t, err, fireline.EInvalid)
		if fe := err.(*fireline.Error); len(fe.Fields) != 4 {
			t.Errorf("want 4 field errors (email, name, role, person), got %v", fe.Fields)
		}
		u, link, err := us.CreateUser(as(admin), fireline.UserInput{Email: " Alex@Example.com ", Name: "Alex", Role: "responder", PersonID: "alex"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "alex@example.com" || u.HasPassword || u.CreatedBy != "kai" || len(link.Secret) < 26 {
			t.Fatalf("user %+v link %+v", u, link)
		}
		_, _, err = us.CreateUser(as(admin), fireline.UserInput{Email: "ALEX@example.com", Name: "Again", Role: "viewer", PersonID: "alex"})
		code(t, err, fireline.EConflict)

		// A link works once, and starts a session for its user.
		sess, err := us.RedeemLoginLink(noContext, link.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if sess.User.ID != u.ID || len(sess.Secret) < 40 || sess.User.Actor() != (fireline.Actor{Role: "responder", PersonID: "alex", UserID: u.ID}) {
			t.Fatalf("session %+v user %+v", sess, sess.User)
		}
		_, err = us.RedeemLoginLink(noContext, link.Secret)
		code(t, err, fireline.EUnauthorized)
		_, err = us.RedeemLoginLink(noContext, "not-a-link")
		code(t, err, fireline.EUnauthorized)

		// Links expire.
		old, err := us.CreateLoginLink(as(admin), "alex@example.com")
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(fireline.LoginLinkLifetime)
		_, err = us.RedeemLoginLink(noContext, old.Secret)
		code(t, err, fireline.EUnauthorized)

		// Roles change; bad roles and unknown users are refused.
		if u, err = us.SetUserRole(as(admin), u.ID, fireline.RoleAdmin); err != nil || u.Role != fireline.RoleAdmin {
			t.Fatalf("set role: %+v %v", u, err)
		}
		_, err = us.SetUserRole(as(admin), u.ID, "root")
		code(t, err, fireline.EInvalid)
		_, err = us.SetUserRole(as(admin), "ghost@example.com", fireline.RoleViewer)
		code(t, err, fireline.ENotFound)
		list, err := us.ListUsers(as(admin))
		if err != nil || len(list) != 1 || list[0].Role != fireline.RoleAdmin || list[0].LastLoginAt == nil {
			t.Fatalf("list %+v %v", list, err)
		}
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		us := newUsers(t, e)
		u, link, err := us.CreateUser(as(admin), fireline.UserInput{Email: "blake@example.com", Name: "Blake", Role: "viewer", PersonID: "blake"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = us.Login(noContext, "blake@example.com", "")
		code(t, err, fireline.EUnauthorized) // no password yet
		first, err := us.RedeemLoginLink(noContext, link.Secret)
		if err != nil {
			t.Fatal(err)
		}
		me := as(first.User.Actor())
		code(t, us.SetPassword(me, fireline.PasswordChange{New: "short"}), fireline.EInvalid)
		code(t, us.SetPassword(as(blake), fireline.PasswordChange{New: "a long enough passphrase"}), fireline.EUnauthorized) // a token, not a user
		// The first password: not asked for a current one.
		if err := us.SetPassword(me, fireline.PasswordChange{New: "correct horse battery staple"}); err != nil {
			t.Fatal(err)
		}
		// From now on, the current password or a login link's proof.
		code(t, us.SetPassword(me, fireline.PasswordChange{New: "another long passphrase"}), fireline.EInvalid)
		code(t, us.SetPassword(me, fireline.PasswordChange{Current: "not it at all", New: "another long passphrase"}), fireline.EUnauthorized)
		if err := us.SetPassword(me, fireline.PasswordChange{Current: "correct horse battery staple", New: "another long passphrase"}); err != nil {
			t.Fatal(err)
		}
		if err := us.SetPassword(me, fireline.PasswordChange{New: "correct horse battery staple", ByLink: true}); err != nil {
			t.Fatal(err)
		}
		_, err = us.Login(noContext, "blake@example.com", "wrong password here")
		code(t, err, fireline.EUnauthorized)
		_, err = us.Login(noContext, "nobody@example.com", "correct horse battery staple")
		code(t, err, fireline.EUnauthorized)
		second, err := us.Login(noContext, "BLAKE@example.com", "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		if second.Secret == first.Secret {
			t.Fatal("login reused a session secret")
		}

		// Idle timeout: a session used within the window lives on.
		e.clock.Advance(fireline.SessionIdleTimeout - time.Minute)
		if _, err := us.Session(noContext, second.Secret); err != nil {
			t.Fatalf("active session refused: %v", err)
		}
		e.clock.Advance(fireline.SessionIdleTimeout - time.Minute)
		if _, err := us.Session(noContext, second.Secret); err != nil {
			t.Fatalf("session used within the idle timeout refused: %v", err)
		}
		_, err = us.Session(noContext, first.Secret) // idle since sign-in
		code(t, err, fireline.EUnauthorized)

		// Absolute timeout, however busy.
		for e.clock.Now().Before(second.ExpiresAt) {
			if _, err := us.Session(noContext, second.Secret); err != nil {
				t.Fatalf("session refused before its absolute expiry at %v: %v", e.clock.Now(), err)
			}
			e.clock.Advance(fireline.SessionIdleTimeout / 2)
		}
		_, err = us.Session(noContext, second.Secret)
		code(t, err, fireline.EUnauthorized)

		// Logout ends a session; disabling ends them all and stops logins.
		third, err := us.Login(noContext, "blake@example.com", "correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		fourth, _ := us.Login(noContext, "blake@example.com", "correct horse battery staple")
		if err := us.Logout(noContext, third.Secret); err != nil {
			t.Fatal(err)
		}
		_, err = us.Session(noContext, third.Secret)
		code(t, err, fireline.EUnauthorized)
		if _, err := us.Session(noContext, fourth.Secret); err != nil {
			t.Fatal(err)
		}
		spare, _ := us.CreateLoginLink(as(admin), u.ID)
		if _, err := us.DisableUser(as(admin), u.ID); err != nil {
			t.Fatal(err)
		}
		_, err = us.DisableUser(as(admin), u.ID)
		code(t, err, fireline.EConflict)
		_, err = us.Session(noContext, fourth.Secret)
		code(t, err, fireline.EUnauthorized)
		_, err = us.Login(noContext, "blake@example.com", "correct horse battery staple")
		code(t, err, fireline.EUnauthorized)
		_, err = us.RedeemLoginLink(noContext, spare.Secret)
		code(t, err, fireline.EUnauthorized)
		_, err = us.CreateLoginLink(as(admin), u.ID)
		code(t, err, fireline.EConflict)
	})
}
