package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		expires := start.Add(48 * time.Hour)
		tok, secret, err := e.tokens.CreateToken(as(admin), fireline.TokenInput{Role: fireline.RoleResponder, PersonID: "alex", ExpiresAt: &expires})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "fl_") || len(secret) < 20 || tok.Name != "alex" || tok.CreatedBy != "kai" {
			t.Fatalf("token %+v secret %q", tok, secret)
		}
		checkStoredHash(t, e, tok.ID, secret)

		a, err := e.tokens.Authenticate(context.Background(), secret)
		if err != nil || a != (fireline.Actor{TokenID: tok.ID, Role: fireline.RoleResponder, PersonID: "alex"}) {
			t.Fatalf("authenticate: %+v %v", a, err)
		}
		checkLastUsed(t, e, secret, tok.ID)

		e.clock.Set(expires)
		_, err = e.tokens.Authenticate(context.Background(), secret)
		wantCode(t, err, fireline.EUnauthorized)
		if err.Error() != "invalid or expired token" {
			t.Fatalf("expired: %q", err)
		}
		_, err = e.tokens.Authenticate(context.Background(), "fl_unknown")
		wantCode(t, err, fireline.EUnauthorized)

		_, _, err = e.tokens.CreateToken(as(admin), fireline.TokenInput{Role: "root", PersonID: "nobody"})
		wantCode(t, err, fireline.EInvalid)
		checkRevoke(t, e)
	})
}

// checkStoredHash asserts the database holds the secret's hash only.
func checkStoredHash(t *testing.T, e *env, id, secret string) {
	t.Helper()
	var hash string
	if err := raw(t, e.dsn).QueryRow("SELECT secret_hash FROM tokens WHERE id = '" + id + "'").Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if hash != fireline.HashToken(secret) || strings.Contains(hash, secret[3:]) {
		t.Fatalf("stored %q", hash)
	}
}

// checkLastUsed asserts that last use is written at most once a minute.
func checkLastUsed(t *testing.T, e *env, secret, id string) {
	t.Helper()
	lastUsed := func() time.Time {
		toks, err := e.tokens.ListTokens(as(admin))
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			if tok.ID == id && tok.LastUsedAt != nil {
				return *tok.LastUsedAt
			}
		}
		return time.Time{}
	}
	first := e.clock.Now()
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("last used %v, want %v", got, first)
	}
	e.clock.Advance(30 * time.Second)
	e.tokens.Authenticate(context.Background(), secret)
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("last used rewritten within a minute: %v", got)
	}
	e.clock.Advance(31 * time.Second)
	e.tokens.Authenticate(context.Background(), secret)
	if got := lastUsed(); !got.Equal(e.clock.Now()) {
		t.Fatalf("last used %v, want %v", got, e.clock.Now())
	}
}

func checkRevoke(t *testing.T, e *env) {
	t.Helper()
	tok, secret, err := e.tokens.CreateToken(context.Background(), fireline.TokenInput{Role: fireline.RoleViewer, Automation: "status-bot"})
	if err != nil || tok.CreatedBy != "system" {
		t.Fatalf("create without actor: %+v %v", tok, err)
	}
	if err := e.tokens.RevokeToken(as(admin), tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.tokens.Authenticate(context.Background(), secret)
	wantCode(t, err, fireline.EUnauthorized)
	wantCode(t, e.tokens.RevokeToken(as(admin), tok.ID), fireline.EConflict)
	wantCode(t, e.tokens.RevokeToken(as(admin), "no-such-token"), fireline.ENotFound)
	toks, err := e.tokens.ListTokens(as(admin))
	if err != nil || len(toks) != 2 || toks[0].ID != tok.ID || toks[0].RevokedAt == nil {
		t.Fatalf("list: %+v %v", toks, err)
	}
}

func TestEnsureAdminToken(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		e := newEnv(t, dsn)
		ctx := context.Background()
		_, err := e.tokens.EnsureAdminToken(ctx, "fl_short")
		wantCode(t, err, fireline.EInvalid)
		_, err = e.tokens.EnsureAdminToken(ctx, "xx_aaaaaaaaaaaaaaaaaaaaaaa")
		wantCode(t, err, fireline.EInvalid)

		given := "fl_bootstrap-secret-for-tests"
		got, err := e.tokens.EnsureAdminToken(ctx, given)
		if err != nil || got != given {
			t.Fatalf("first: %q %v", got, err)
		}
		a, err := e.tokens.Authenticate(ctx, given)
		if err != nil || a.Role != fireline.RoleAdmin || a.Name() != "automation:bootstrap" {
			t.Fatalf("bootstrap actor %+v %v", a, err)
		}
		if got, err := e.tokens.EnsureAdminToken(ctx, ""); got != "" || err != nil {
			t.Fatalf("second: %q %v", got, err)
		}
		wantCode(t, e.tokens.RevokeToken(as(a), a.TokenID), "")
		_, err = e.tokens.EnsureAdminToken(ctx, given)
		wantCode(t, err, fireline.EConflict)
		generated, err := e.tokens.EnsureAdminToken(ctx, "")
		if err != nil || !strings.HasPrefix(generated, "fl_") {
			t.Fatalf("generated: %q %v", generated, err)
		}
		if _, err := e.tokens.Authenticate(ctx, generated); err != nil {
			t.Fatal(err)
		}
	})
}
