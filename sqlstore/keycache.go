package sqlstore

import (
	"context"
	"sync"
	"time"

	"github.com/fireline-dev/fireline"
)

// Integration key cache (docs/adr/0013-intake-throughput.md).
//
// Every webhook request authenticates by its integration key; reading the
// integration for each one was a read transaction per request (on
// PostgreSQL a pool connection and two round trips). The DB keeps the
// integrations it found by key hash for keyCacheTTL. Correctness:
//   - this process's rotation or deletion clears the cache right after its
//     commit, and a lookup that read the database before that clearing
//     does not store what it read (the generation check), so a rotated-out
//     or deleted key stops working in this process as soon as the change
//     commits;
//   - another replica's rotation or deletion takes effect here within
//     keyCacheTTL;
//   - an entry found by a previous key never outlives that key's grace
//     period;
//   - unknown keys are not cached (every miss reads the database), so a
//     key created anywhere works at once and random keys cannot fill it.

// keyCacheTTL bounds how long another replica's rotation or deletion of
// an integration can go unnoticed here.
const keyCacheTTL = 2 * time.Second

// maxCachedKeys bounds the cache; it is cleared when full.
const maxCachedKeys = 4096

type keyCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]keyEntry
}

type keyEntry struct {
	in      fireline.Integration
	expires time.Time
}

// integrationByKey returns the live integration whose current key, or
// previous key within its grace period, hashes to hash; nil if none.
func (db *DB) integrationByKey(ctx context.Context, hash string) (*fireline.Integration, error) {
	now := db.frozenNow()
	c := &db.keys
	c.mu.Lock()
	e, ok := c.entries[hash]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		in := e.in
		return &in, nil
	}
	var in *fireline.Integration
	var viaPrevious bool
	err := db.readTx(ctx, "integration by key", func(tx *Tx) (err error) {
		in, viaPrevious, err = integrationByKeyHash(ctx, tx, hash)
		return err
	})
	if err != nil || in == nil {
		return nil, err
	}
	expires := now.Add(keyCacheTTL)
	if viaPrevious && in.PreviousKeyExpiresAt != nil && in.PreviousKeyExpiresAt.Before(expires) {
		expires = *in.PreviousKeyExpiresAt
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.entries == nil || len(c.entries) >= maxCachedKeys {
			c.entries = map[string]keyEntry{}
		}
		c.entries[hash] = keyEntry{in: *in, expires: expires}
	}
	c.mu.Unlock()
	return in, nil
}

// forgetIntegrationKeys empties the key cache: call it after a commit that
// rotates or deletes an integration (or changes what intake reads of it).
func (db *DB) forgetIntegrationKeys() {
	c := &db.keys
	c.mu.Lock()
	c.gen++
	c.entries = nil
	c.mu.Unlock()
}
