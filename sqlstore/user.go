package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/fireline-dev/fireline"
)

// UserService implements fireline.UserService and fireline.SessionService.
type UserService struct {
	db     *DB
	policy *fireline.Policy
}

var (
	_ fireline.UserService    = (*UserService)(nil)
	_ fireline.SessionService = (*UserService)(nil)
)

// NewUserService returns the console user service over db; users' people
// are checked against policy p's directory.
func NewUserService(db *DB, p *fireline.Policy) *UserService {
	return &UserService{db: db, policy: p}
}

const userColumns = "id, email, name, role, person_id, password_hash, disabled_at, created_by, created_at, last_login_at"

// CreateUser stores a new user without a password and returns a one-time
// login link. EInvalid for bad input; EConflict for a taken email.
func (s *UserService) CreateUser(ctx context.Context, in fireline.UserInput) (*fireline.User, fireline.LoginLink, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, fireline.LoginLink{}, err
	}
	if in, err = in.Validate(s.policy); err != nil {
		return nil, fireline.LoginLink{}, err
	}
	var u *fireline.User
	var link fireline.LoginLink
	err = s.db.writeTx(ctx, "create user", func(tx *Tx) error {
		if old, _, err := findUser(ctx, tx, in.Email); err != nil {
			return err
		} else if old != nil {
			return fireline.Errorf(fireline.EConflict, "a user with email %q already exists", in.Email)
		}
		u = &fireline.User{ID: uuid.NewString(), Email: in.Email, Name: in.Name, Role: in.Role, PersonID: in.PersonID,
			CreatedBy: actor.Name(), CreatedAt: tx.now}
		_, err := tx.exec(ctx, "INSERT INTO users ("+userColumns+") VALUES (?, ?, ?, ?, ?, '', NULL, ?, ?, NULL)",
			u.ID, u.Email, u.Name, string(u.Role), u.PersonID, u.CreatedBy, micros(u.CreatedAt))
		if err != nil {
			return err
		}
		if link, err = insertLoginLink(ctx, tx, u.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, userRecord(fireline.AuditUserCreated, u, u))
	})
	if err != nil {
		return nil, fireline.LoginLink{}, err
	}
	return u, link, nil
}

// ListUsers returns every user, by email.
func (s *UserService) ListUsers(ctx context.Context) ([]*fireline.User, error) {
	if _, err := actorFrom(ctx); err != nil {
		return nil, err
	}
	users := []*fireline.User{}
	err := s.db.readTx(ctx, "list users", func(tx *Tx) error {
		rows, err := tx.query(ctx, "SELECT "+userColumns+" FROM users ORDER BY email")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, _, err := scanUser(rows)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// SetUserRole changes a user's role. ENotFound; EInvalid for a bad role.
// The user's sessions keep working and carry the new role from their next
// request, since every request reads the user.
func (s *UserService) SetUserRole(ctx context.Context, ref string, role fireline.Role) (*fireline.User, error) {
	if _, err := actorFrom(ctx); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, &fireline.Error{Code: fireline.EInvalid, Message: "invalid role",
			Fields: []fireline.FieldError{{Field: "role", Message: "must be viewer, responder or admin"}}}
	}
	var u *fireline.User
	err := s.db.writeTx(ctx, "set user role", func(tx *Tx) (err error) {
		if u, err = mustFindUser(ctx, tx, ref); err != nil {
			return err
		}
		change := fireline.AuditChange{From: string(u.Role), To: string(role)}
		u.Role = role
		if _, err = tx.exec(ctx, "UPDATE users SET role = ? WHERE id = ?", string(role), u.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, userRecord(fireline.AuditUserRoleChanged, u, change))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SetUserPerson implements fireline.UserService. ENotFound; EInvalid for
// a person not in the policy's directory.
func (s *UserService) SetUserPerson(ctx context.Context, ref, person string) (*fireline.User, error) {
	if _, err := actorFrom(ctx); err != nil {
		return nil, err
	}
	person = strings.TrimSpace(person)
	if _, ok := s.policy.Person(person); !ok {
		return nil, &fireline.Error{Code: fireline.EInvalid, Message: "invalid person",
			Fields: []fireline.FieldError{{Field: "person", Message: "no person " + strconv.Quote(person) + " in the policy's directory"}}}
	}
	var u *fireline.User
	err := s.db.writeTx(ctx, "set user person", func(tx *Tx) (err error) {
		if u, err = mustFindUser(ctx, tx, ref); err != nil {
			return err
		}
		change := fireline.AuditChange{From: u.PersonID, To: person}
		u.PersonID = person
		if _, err = tx.exec(ctx, "UPDATE users SET person_id = ? WHERE id = ?", person, u.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, userRecord(fireline.AuditUserPersonChanged, u, change))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// DisableUser disables a user, ends all their sessions and voids their
// unused login links. ENotFound; EConflict when already disabled.
func (s *UserService) DisableUser(ctx context.Context, ref string) (*fireline.User, error) {
	if _, err := actorFrom(ctx); err != nil {
		return nil, err
	}
	var u *fireline.User
	err := s.db.writeTx(ctx, "disable user", func(tx *Tx) (err error) {
		if u, err = mustFindUser(ctx, tx, ref); err != nil {
			return err
		}
		if u.Disabled {
			return fireline.Errorf(fireline.EConflict, "user %s is already disabled", u.Email)
		}
		u.Disabled = true
		for _, q := range []string{"UPDATE users SET disabled_at = ? WHERE id = ?",
			"UPDATE login_links SET used_at = ? WHERE user_id = ? AND used_at IS NULL"} {
			if _, err := tx.exec(ctx, q, micros(tx.now), u.ID); err != nil {
				return err
			}
		}
		if _, err = tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, userRecord(fireline.AuditUserDisabled, u, nil))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// CreateLoginLink issues a new one-time login link for an enabled user.
func (s *UserService) CreateLoginLink(ctx context.Context, ref string) (fireline.LoginLink, error) {
	if _, err := actorFrom(ctx); err != nil {
		return fireline.LoginLink{}, err
	}
	var link fireline.LoginLink
	err := s.db.writeTx(ctx, "create login link", func(tx *Tx) error {
		u, err := mustFindUser(ctx, tx, ref)
		if err != nil {
			return err
		}
		if u.Disabled {
			return fireline.Errorf(fireline.EConflict, "user %s is disabled", u.Email)
		}
		if link, err = insertLoginLink(ctx, tx, u.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, userRecord(fireline.AuditLoginLinkCreated, u, loginLinkAudit{ExpiresAt: link.ExpiresAt}))
	})
	return link, err
}

func insertLoginLink(ctx context.Context, tx *Tx, userID string) (fireline.LoginLink, error) {
	link := fireline.LoginLink{Secret: rand.Text(), ExpiresAt: tx.now.Add(fireline.LoginLinkLifetime)}
	_, err := tx.exec(ctx, "INSERT INTO login_links (secret_hash, user_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, NULL)",
		fireline.HashToken(link.Secret), userID, micros(tx.now), micros(link.ExpiresAt))
	return link, err
}

// findUser returns the user whose id or email is ref, with its password
// hash, or nil.
func findUser(ctx context.Context, tx *Tx, ref string) (*fireline.User, string, error) {
	ref = strings.TrimSpace(ref)
	col := "id"
	if strings.Contains(ref, "@") {
		col, ref = "email", strings.ToLower(ref)
	}
	u, hash, err := scanUser(tx.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE "+col+" = ?", ref))
	if err == sql.ErrNoRows {
		return nil, "", nil
	}
	return u, hash, err
}

func mustFindUser(ctx context.Context, tx *Tx, ref string) (*fireline.User, error) {
	u, _, err := findUser(ctx, tx, ref)
	if err == nil && u == nil {
		err = fireline.Errorf(fireline.ENotFound, "user %q not found", ref)
	}
	return u, err
}

func scanUser(row scanner) (*fireline.User, string, error) {
	var u fireline.User
	var hash string
	var created int64
	var disabled, lastLogin sql.NullInt64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PersonID, &hash, &disabled, &u.CreatedBy, &created, &lastLogin)
	if err != nil {
		return nil, "", err
	}
	u.HasPassword, u.Disabled = hash != "", disabled.Valid
	u.CreatedAt, u.LastLoginAt = instant(created), instantPtr(lastLogin)
	return &u, hash, nil
}
