package fireline

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// User is someone who signs in to the web console: an email, a name, an
// access role and the person in the policy's directory they act as. The
// password hash never leaves the store.
type User struct {
	ID          string     `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	PersonID    string     `json:"person"`
	HasPassword bool       `json:"has_password"`
	Disabled    bool       `json:"disabled"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

// Actor returns who the user acts as in the services.
func (u *User) Actor() Actor {
	return Actor{Role: u.Role, PersonID: u.PersonID, UserID: u.ID}
}

// Session and login-link lifetimes. A session ends after IdleTimeout
// without a request or AbsoluteTimeout after sign-in, whichever comes
// first (docs/adr/0030-console-sessions.md).
const (
	SessionIdleTimeout     = 12 * time.Hour
	SessionAbsoluteTimeout = 7 * 24 * time.Hour
	LoginLinkLifetime      = 24 * time.Hour
	MinPasswordLength      = 12
	MaxPasswordLength      = 256
)

// UserInput describes a user to create.
type UserInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	PersonID string `json:"person"`
}

// Validate checks the input against the policy and returns a normalised
// copy (trimmed, email lower-cased), or an EInvalid error listing every
// problem.
func (in UserInput) Validate(p *Policy) (UserInput, error) {
	var fe []FieldError
	// Checked before lower-casing, which would rewrite invalid UTF-8.
	emailProblem := TextProblem(in.Email)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
	if p := emailProblem; p != "" {
		fe = append(fe, FieldError{"email", p})
	} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		fe = append(fe, FieldError{"email", "must be an email address such as alex@example.com"})
	}
	fe = checkText(fe, "name", in.Name, 1, 100)
	if !in.Role.Valid() {
		fe = append(fe, FieldError{"role", "must be viewer, responder or admin"})
	}
	if _, ok := p.Person(in.PersonID); !ok {
		fe = append(fe, FieldError{"person", "no person " + quote(in.PersonID) + " in the policy's directory"})
	}
	if len(fe) > 0 {
		return in, &Error{Code: EInvalid, Message: "invalid user", Fields: fe}
	}
	return in, nil
}

// CheckPassword returns an EInvalid error when a new password is too short
// or too long.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength || len(pw) > MaxPasswordLength || !utf8.ValidString(pw) {
		return &Error{Code: EInvalid, Message: "invalid password", Fields: []FieldError{{"password",
			"must be 12 to 256 characters; a passphrase of several words is easiest"}}}
	}
	return nil
}

// LoginLink is a one-time sign-in link for a user: its secret is shown
// once and is stored hashed.
type LoginLink struct {
	Secret    string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Path is the console path that redeems the link.
func (l LoginLink) Path() string { return "/login/link?token=" + l.Secret }

// UserService manages console users. Every method needs an actor in ctx
// (EUnauthorized without one); routes restrict it to admins.
type UserService interface {
	// CreateUser stores a new user without a password and returns a
	// one-time login link for them. EInvalid for bad input; EConflict
	// when the email is taken.
	CreateUser(ctx context.Context, in UserInput) (*User, LoginLink, error)
	// ListUsers returns every user, by email.
	ListUsers(ctx context.Context) ([]*User, error)
	// SetUserRole changes a user's role; ref is the user's id or email.
	// ENotFound, EInvalid for an unknown role.
	SetUserRole(ctx context.Context, ref string, role Role) (*User, error)
	// SetUserPerson changes the person of the policy's directory a user
	// acts as (their name on the timeline, their memberships of restricted
	// incidents); ref is the user's id or email. It applies from the
	// user's next request. EInvalid for a person the directory lacks.
	SetUserPerson(ctx context.Context, ref, person string) (*User, error)
	// DisableUser disables a user and ends all their sessions. ENotFound;
	// EConflict when already disabled.
	DisableUser(ctx context.Context, ref string) (*User, error)
	// CreateLoginLink issues a new one-time login link. ENotFound;
	// EConflict for a disabled user.
	CreateLoginLink(ctx context.Context, ref string) (LoginLink, error)
}

// Session is a signed-in browser: the user it belongs to and its secret,
// which only the cookie holds (the store keeps its hash).
type Session struct {
	Secret    string
	User      *User
	ExpiresAt time.Time
}

// SessionService signs users in and out of the console.
type SessionService interface {
	// Login checks an email and password and starts a session.
	// EUnauthorized for a wrong email or password or a disabled user, with
	// the same message for each.
	Login(ctx context.Context, email, password string) (*Session, error)
	// RedeemLoginLink uses a one-time link and starts a session.
	// EUnauthorized for an unknown, used or expired link.
	RedeemLoginLink(ctx context.Context, secret string) (*Session, error)
	// Session returns the user of an active session and extends its idle
	// timeout. EUnauthorized for an unknown, expired or ended session.
	Session(ctx context.Context, secret string) (*User, error)
	// Logout ends a session; ending an unknown one is not an error.
	Logout(ctx context.Context, secret string) error
	// SetPassword sets the password of the user acting in ctx, when the
	// change proves it may: the user has no password yet, or it was
	// proven by a login link, or Current is the password. EInvalid for a
	// new password CheckPassword refuses or a missing current one;
	// EUnauthorized, naming the field current_password, for a wrong one;
	// EConflict when the password changed or the user was disabled since
	// it was checked.
	SetPassword(ctx context.Context, ch PasswordChange) error
}

// PasswordChange is a console user's new password and what proves they
// may set it: the current password, or a session that a one-time login
// link started moments ago (an admin's link for a forgotten password
// proves who the user is as the password does). A user without a
// password yet needs neither.
type PasswordChange struct {
	Current string
	New     string
	ByLink  bool
}

// LoginFailures is what is known of the failed console logins counted
// under one key (docs/adr/0034-login-throttling.md).
type LoginFailures struct {
	Count   int
	Last    time.Time // the latest failure
	Blocked time.Time // no attempt under the key before this instant
}

// LoginFailuresForgotten is how long after its latest failure a key's
// count is forgotten.
const LoginFailuresForgotten = 24 * time.Hour

// LoginThrottleStore keeps failed-login counts where every replica of the
// server sees them. Keys are opaque to it: the console counts under
// hashes of what it throttles (account, address, device).
type LoginThrottleStore interface {
	// LoginBlockedUntil returns the latest instant until which any of keys
	// is blocked; zero when none is.
	LoginBlockedUntil(ctx context.Context, keys []string) (time.Time, error)
	// CountLoginFailure applies count to the failures of each key (zero
	// for a new key) and stores the result, each key's read and write
	// atomic with respect to every other replica's.
	CountLoginFailure(ctx context.Context, keys []string, now time.Time, count func(key string, f *LoginFailures)) error
	// ClearLoginFailures forgets keys.
	ClearLoginFailures(ctx context.Context, keys []string) error
}
