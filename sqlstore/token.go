package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fireline-dev/fireline"
)

// lastUsedEvery is how stale a token's last-use time may get: Authenticate
// writes it at most this often per token, not on every request.
const lastUsedEvery = time.Minute

// Bootstrap token settings.
const (
	bootstrapAutomation = "bootstrap"
	minBootstrapSecret  = 20
)

// TokenService implements fireline.TokenService and fireline.Authenticator.
type TokenService struct {
	db     *DB
	policy *fireline.Policy
}

var (
	_ fireline.TokenService  = (*TokenService)(nil)
	_ fireline.Authenticator = (*TokenService)(nil)
)

// NewTokenService returns the token service over db; tokens acting for
// people are checked against policy p's directory.
func NewTokenService(db *DB, p *fireline.Policy) *TokenService {
	return &TokenService{db: db, policy: p}
}

// newSecret returns a fresh API token secret.
func newSecret() string { return fireline.TokenPrefix + rand.Text() }

// CreateToken stores a new token and returns it with its secret, which is
// never stored. EInvalid for bad input. The actor in ctx is recorded as
// its creator ("system" when there is none).
func (s *TokenService) CreateToken(ctx context.Context, in fireline.TokenInput) (*fireline.Token, string, error) {
	createdBy := "system"
	if a, ok := fireline.ActorFromContext(ctx); ok {
		createdBy = a.Name()
	}
	secret := newSecret()
	var tok *fireline.Token
	err := s.db.writeTx(ctx, "create token", func(tx *Tx) error {
		v, err := in.Validate(s.policy, tx.now)
		if err != nil {
			return err
		}
		tok = newToken(v, createdBy, tx.now)
		return insertToken(ctx, tx, tok, secret)
	})
	if err != nil {
		return nil, "", err
	}
	return tok, secret, nil
}

func newToken(in fireline.TokenInput, createdBy string, now time.Time) *fireline.Token {
	tok := &fireline.Token{
		ID: uuid.NewString(), Name: in.Name, Role: in.Role, PersonID: in.PersonID, Automation: in.Automation,
		CreatedBy: createdBy, CreatedAt: now,
	}
	if in.ExpiresAt != nil {
		exp := in.ExpiresAt.UTC().Truncate(time.Microsecond)
		tok.ExpiresAt = &exp
	}
	return tok
}

// ListTokens returns every token, newest first. EUnauthorized without an
// actor.
func (s *TokenService) ListTokens(ctx context.Context) ([]*fireline.Token, error) {
	if _, err := actorFrom(ctx); err != nil {
		return nil, err
	}
	var toks []*fireline.Token
	err := s.db.readTx(ctx, "list tokens", func(tx *Tx) (err error) {
		toks, err = listTokens(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return toks, nil
}

// RevokeToken revokes a token by id. ENotFound if there is none; EConflict
// if it is already revoked; EUnauthorized without an actor.
func (s *TokenService) RevokeToken(ctx context.Context, id string) error {
	if _, err := actorFrom(ctx); err != nil {
		return err
	}
	return s.db.writeTx(ctx, "revoke token", func(tx *Tx) error {
		return revokeToken(ctx, tx, id)
	})
}

func revokeToken(ctx context.Context, tx *Tx, id string) error {
	var revoked sql.NullInt64
	err := tx.queryRow(ctx, "SELECT revoked_at FROM tokens WHERE id = ?"+tx.forUpdate(), id).Scan(&revoked)
	switch {
	case err == sql.ErrNoRows:
		return fireline.Errorf(fireline.ENotFound, "token %q not found", id)
	case err != nil:
		return err
	case revoked.Valid:
		return fireline.Errorf(fireline.EConflict, "token %q is already revoked", id)
	}
	if _, err = tx.exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ?", micros(tx.now), id); err != nil {
		return err
	}
	return appendAudit(ctx, tx, fireline.AuditRecord{Action: fireline.AuditTokenRevoked, Subject: "token:" + id})
}

// Authenticate returns the actor of an active token. EUnauthorized for an
// unknown, revoked or expired token; EUnavailable when the database cannot
// be reached.
func (s *TokenService) Authenticate(ctx context.Context, secret string) (fireline.Actor, error) {
	invalid := fireline.Errorf(fireline.EUnauthorized, "invalid or expired token")
	if !strings.HasPrefix(secret, fireline.TokenPrefix) {
		return fireline.Actor{}, invalid
	}
	var tok *fireline.Token
	var now time.Time
	err := s.db.readTx(ctx, "authenticate", func(tx *Tx) (err error) {
		now = tx.now
		tok, err = findTokenByHash(ctx, tx, fireline.HashToken(secret))
		return err
	})
	if err != nil {
		return fireline.Actor{}, err
	}
	if tok == nil || !tok.Active(now) {
		return fireline.Actor{}, invalid
	}
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= lastUsedEvery {
		s.touch(ctx, tok.ID)
	}
	return tok.Actor(), nil
}

// touch records a token's use. A failure is logged, not returned: the
// token was valid, and its last use is only a hint for administrators.
func (s *TokenService) touch(ctx context.Context, id string) {
	err := s.db.writeTx(ctx, "touch token", func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE tokens SET last_used_at = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
			micros(tx.now), id, micros(tx.now.Add(-lastUsedEvery)))
		return err
	})
	if err != nil {
		s.db.logger.Warn("record token use", "token", id, "err", err)
	}
}

// EnsureAdminToken makes sure an active admin token exists. If none does,
// it stores secret (or, when secret is empty, a new one) as an admin token
// acting for the automation "bootstrap" and returns the secret; otherwise
// it changes nothing and returns "". EInvalid for a secret that does not
// start with "fl_" or is shorter than 20 characters; EConflict for a secret
// that was stored before and is no longer active.
func (s *TokenService) EnsureAdminToken(ctx context.Context, secret string) (string, error) {
	if secret != "" && (!strings.HasPrefix(secret, fireline.TokenPrefix) || len(secret) < minBootstrapSecret) {
		return "", fireline.Errorf(fireline.EInvalid, "the bootstrap token must start with %q and be at least %d characters", fireline.TokenPrefix, minBootstrapSecret)
	}
	if secret == "" {
		secret = newSecret()
	}
	created := false
	err := s.db.writeTx(ctx, "ensure admin token", func(tx *Tx) (err error) {
		created, err = ensureAdminToken(ctx, tx, secret)
		return err
	})
	if err != nil || !created {
		return "", err
	}
	return secret, nil
}

func ensureAdminToken(ctx context.Context, tx *Tx, secret string) (bool, error) {
	var n int64
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM tokens
		WHERE role = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
		string(fireline.RoleAdmin), micros(tx.now)).Scan(&n)
	if err != nil || n > 0 {
		return false, err
	}
	if old, err := findTokenByHash(ctx, tx, fireline.HashToken(secret)); err != nil {
		return false, err
	} else if old != nil {
		return false, fireline.Errorf(fireline.EConflict, "the bootstrap token was used before and is revoked or expired; choose a new one")
	}
	in := fireline.TokenInput{Name: bootstrapAutomation, Role: fireline.RoleAdmin, Automation: bootstrapAutomation}
	return true, insertToken(ctx, tx, newToken(in, "system", tx.now), secret)
}

const tokenColumns = "id, name, role, person_id, automation, created_by, created_at, expires_at, last_used_at, revoked_at"

func insertToken(ctx context.Context, tx *Tx, tok *fireline.Token, secret string) error {
	_, err := tx.exec(ctx, "INSERT INTO tokens ("+tokenColumns+", secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		tok.ID, tok.Name, string(tok.Role), tok.PersonID, tok.Automation, tok.CreatedBy,
		micros(tok.CreatedAt), microsPtr(tok.ExpiresAt), microsPtr(tok.LastUsedAt), microsPtr(tok.RevokedAt),
		fireline.HashToken(secret))
	if err != nil {
		return err
	}
	return appendAudit(ctx, tx, fireline.AuditRecord{Action: fireline.AuditTokenCreated, Subject: "token:" + tok.ID, Data: tok})
}

// findTokenByHash returns the token with the secret hash, or nil.
func findTokenByHash(ctx context.Context, tx *Tx, hash string) (*fireline.Token, error) {
	tok, err := scanToken(tx.queryRow(ctx, "SELECT "+tokenColumns+" FROM tokens WHERE secret_hash = ?", hash))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return tok, err
}

func listTokens(ctx context.Context, tx *Tx) ([]*fireline.Token, error) {
	rows, err := tx.query(ctx, "SELECT "+tokenColumns+" FROM tokens ORDER BY created_at DESC, id DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	toks := []*fireline.Token{}
	for rows.Next() {
		tok, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		toks = append(toks, tok)
	}
	return toks, rows.Err()
}

func scanToken(row scanner) (*fireline.Token, error) {
	var tok fireline.Token
	var created int64
	var expires, lastUsed, revoked sql.NullInt64
	err := row.Scan(&tok.ID, &tok.Name, &tok.Role, &tok.PersonID, &tok.Automation, &tok.CreatedBy,
		&created, &expires, &lastUsed, &revoked)
	if err != nil {
		return nil, err
	}
	tok.CreatedAt = instant(created)
	tok.ExpiresAt, tok.LastUsedAt, tok.RevokedAt = instantPtr(expires), instantPtr(lastUsed), instantPtr(revoked)
	return &tok, nil
}
