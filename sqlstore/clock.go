package sqlstore

import (
	"context"
	"sync"
	"time"

	"github.com/fireline-dev/fireline"
)

// clockCheckEvery is how often a replica measures its clock against the
// database's: readiness probes and the job runner ask more often, and
// share the last measurement.
const clockCheckEvery = 5 * time.Second

// clockGuard remembers the last measurement of this replica's clock
// against the database's (docs/adr/0052).
type clockGuard struct {
	max time.Duration // 0: not checked
	mu  sync.Mutex
	at  time.Time     // when measured, on this replica's clock
	off time.Duration // the database's clock minus this replica's
	err error
}

// ClockSkew measures how far the database's clock is ahead of this
// replica's (negative: behind), halving the query's round trip. On SQLite
// the process is the only writer and its clock is the one clock: 0.
func (db *DB) ClockSkew(ctx context.Context) (time.Duration, error) {
	if db.dialect != DialectPostgres {
		return 0, nil
	}
	before := db.now()
	var dbNow time.Time
	if err := db.read.QueryRowContext(ctx, "SELECT clock_timestamp()").Scan(&dbNow); err != nil {
		return 0, db.dbError("clock", err)
	}
	after := db.now()
	return dbNow.Sub(before.Add(after.Sub(before) / 2)), nil
}

// CheckClock refuses (EUnavailable, naming the fix) when this replica's
// clock differs from the database's by more than Options.MaxClockSkew:
// every replica decides what is due by its own clock, so one running
// fast would run every step of a walk early. Measured at most every few
// seconds; nil when the check is off or on SQLite.
func (db *DB) CheckClock(ctx context.Context) error {
	g := &db.clock
	if g.max == 0 || db.dialect != DialectPostgres {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := db.now()
	if !g.at.IsZero() && now.Sub(g.at) >= 0 && now.Sub(g.at) < clockCheckEvery {
		return g.err
	}
	off, err := db.ClockSkew(ctx)
	if err != nil {
		return err // unmeasured: the next call measures again
	}
	g.at, g.off, g.err = now, off, nil
	if off > g.max || off < -g.max {
		way, by := "behind", off
		if off < 0 {
			way, by = "ahead of", -off
		}
		g.err = fireline.Errorf(fireline.EUnavailable,
			"this replica's clock is %s %s the database's (at most %s is allowed): fix its time synchronisation (NTP); until then it claims no due jobs and is not ready",
			by.Round(time.Second), way, g.max)
		db.logger.Error("clock skew", "skew", off.String(), "max", g.max.String())
	}
	return g.err
}

// LastClockSkew is the last measured offset of the database's clock from
// this replica's (for /metrics); 0 before any measurement.
func (db *DB) LastClockSkew() time.Duration {
	db.clock.mu.Lock()
	defer db.clock.mu.Unlock()
	return db.clock.off
}
