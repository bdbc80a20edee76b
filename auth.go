package fireline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Role is an access role. Each includes the ones below it:
// admin > responder > viewer.
type Role string

// Access roles.
const (
	RoleViewer    Role = "viewer"    // reads incidents, timelines and the policy
	RoleResponder Role = "responder" // works incidents
	RoleAdmin     Role = "admin"     // manages tokens and people; sees restricted incidents
)

var roleRank = map[Role]int{RoleViewer: 1, RoleResponder: 2, RoleAdmin: 3}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// Includes reports whether r grants everything need grants. An unknown
// need is included in no role, so a mistyped requirement fails closed.
func (r Role) Includes(need Role) bool {
	return r.Valid() && need.Valid() && roleRank[r] >= roleRank[need]
}

// Actor is who makes a request: a token's role and the person or automation
// it acts for.
type Actor struct {
	TokenID    string `json:"token_id,omitempty"`
	Role       Role   `json:"role"`
	PersonID   string `json:"person,omitempty"`
	Automation string `json:"automation,omitempty"`
	// UserID is the console user of a browser session; empty for tokens.
	UserID string `json:"user_id,omitempty"`
}

// Name is how the actor appears on timelines: a person's id, or
// "automation:NAME".
func (a Actor) Name() string {
	if a.PersonID != "" {
		return a.PersonID
	}
	if a.Automation != "" {
		return "automation:" + a.Automation
	}
	return "system"
}

type actorKey struct{}

// NewContextWithActor returns ctx carrying the actor.
func NewContextWithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor in ctx, and false when there is none.
// Services treat a missing actor as having no access at all.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// TokenPrefix starts every API token, so that leaked tokens are easy to spot.
const TokenPrefix = "fl_"

// HashToken returns the stored form of an API token: its SHA-256 in hex.
// Tokens carry 130 random bits, so a fast hash is enough.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Token is an API token as stored: never the secret itself.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	PersonID   string     `json:"person,omitempty"`
	Automation string     `json:"automation,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Active reports whether the token can still authenticate at now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// Actor returns who the token acts as.
func (t *Token) Actor() Actor {
	return Actor{TokenID: t.ID, Role: t.Role, PersonID: t.PersonID, Automation: t.Automation}
}

// TokenInput describes a token to create. A token acts for exactly one of a
// person in the directory or a named automation.
type TokenInput struct {
	Name       string     `json:"name,omitempty"`
	Role       Role       `json:"role"`
	PersonID   string     `json:"person,omitempty"`
	Automation string     `json:"automation,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

// Validate checks the input against the policy and returns a normalised
// copy, or an EInvalid error listing every problem.
func (in TokenInput) Validate(p *Policy, now time.Time) (TokenInput, error) {
	var fe []FieldError
	if !in.Role.Valid() {
		fe = append(fe, FieldError{"role", "must be viewer, responder or admin"})
	}
	switch {
	case in.PersonID != "" && in.Automation != "":
		fe = append(fe, FieldError{"person", "give a person or an automation, not both"})
	case in.PersonID == "" && in.Automation == "":
		fe = append(fe, FieldError{"person", "a token acts for a person in the directory or a named automation"})
	case in.PersonID != "":
		if _, ok := p.Person(in.PersonID); !ok {
			fe = append(fe, FieldError{"person", "no person " + quote(in.PersonID) + " in the policy's directory"})
		}
	case !validSlug(in.Automation):
		fe = append(fe, FieldError{"automation", "must be 1-64 characters of a-z, 0-9, '-', '_' or '.'"})
	}
	fe = checkText(fe, "name", in.Name, 0, 100)
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		fe = append(fe, FieldError{"expires_at", "must be in the future"})
	}
	if len(fe) > 0 {
		return in, &Error{Code: EInvalid, Message: "invalid token", Fields: fe}
	}
	if in.Name == "" {
		in.Name = Actor{PersonID: in.PersonID, Automation: in.Automation}.Name()
	}
	return in, nil
}

// TokenService manages API tokens.
type TokenService interface {
	// CreateToken stores a new token and returns it with its secret, which is
	// never shown again. EInvalid for bad input.
	CreateToken(ctx context.Context, in TokenInput) (*Token, string, error)
	// ListTokens returns every token, newest first.
	ListTokens(ctx context.Context) ([]*Token, error)
	// RevokeToken revokes a token by id. ENotFound if there is none;
	// EConflict if it is already revoked.
	RevokeToken(ctx context.Context, id string) error
}

// Authenticator turns a bearer secret into an actor.
type Authenticator interface {
	// Authenticate returns the actor of an active token. EUnauthorized for
	// an unknown, revoked or expired token; EUnavailable when the database
	// cannot be reached.
	Authenticate(ctx context.Context, secret string) (Actor, error)
}
