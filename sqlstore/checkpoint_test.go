package sqlstore

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/fireline-dev/fireline/firelinetest"
)

// walFrame is one WAL frame: a 24-byte header and a 4 KB page.
const walFrame = 24 + 4096

// TestCheckpointsWaitForTheStormToPass: commits through the writer keep
// the SQLite WAL near 1,000 frames while intake keeps up, as SQLite's own
// checkpoints would; while a storm of alerts is queued, checkpoints wait
// until walCheckpointFrames, and SQLite's own checkpoint still bounds
// the WAL there (docs/adr/0045).
func TestCheckpointsWaitForTheStormToPass(t *testing.T) {
	t.Parallel()
	const pagesPerCommit = 50
	// write commits n transactions of pagesPerCommit pages each and
	// returns the WAL file's size in frames: its high-water mark, since
	// SQLite reuses the file from the start after a checkpoint.
	write := func(t *testing.T, db *DB, path string, n int) int64 {
		t.Helper()
		page := strings.Repeat("x", 4000) // one row per page
		for range n {
			err := db.writeTx(context.Background(), "test", func(tx *Tx) error {
				for range pagesPerCommit {
					if _, err := tx.exec(context.Background(), "INSERT INTO scratch (b) VALUES (?)", page); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size() / walFrame
	}
	open := func(t *testing.T) (*DB, string) {
		path := firelinetest.SQLiteDSN(t)
		db, err := Open(context.Background(), path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.writeTx(context.Background(), "test", func(tx *Tx) error {
			_, err := tx.exec(context.Background(), "CREATE TABLE scratch (b TEXT)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return db, path
	}

	t.Run("no storm", func(t *testing.T) {
		db, path := open(t)
		// 6,000 frames in all, in about six checkpoints, not one a commit.
		checkpoints, last := 0, db.framesAtCheckpoint.Load()
		for range 120 {
			if frames := write(t, db, path, 1); frames > walEarlyCheckpointFrames+3*pagesPerCommit {
				t.Fatalf("the WAL grew to %d frames without a storm, want about %d", frames, walEarlyCheckpointFrames)
			}
			if at := db.framesAtCheckpoint.Load(); at != last {
				checkpoints, last = checkpoints+1, at
			}
		}
		if checkpoints < 5 || checkpoints > 7 {
			t.Fatalf("%d checkpoints for 6,000 frames, want 5 to 7 (one each %d)", checkpoints, walEarlyCheckpointFrames)
		}
	})
	t.Run("storm", func(t *testing.T) {
		db, path := open(t)
		storm := &batcher{}
		storm.queuedAlerts.Store(stormAlerts)
		db.intake.Store(storm)
		if frames := write(t, db, path, 100); frames < 5000-pagesPerCommit {
			t.Fatalf("the WAL holds %d frames after 5,000 written in a storm, want them all (checkpoints deferred)", frames)
		}
		// SQLite's own checkpoint still bounds it.
		if frames := write(t, db, path, 200); frames > walCheckpointFrames+3*pagesPerCommit {
			t.Fatalf("the WAL grew to %d frames in a storm, want at most about %d", frames, walCheckpointFrames)
		}
		// Once the storm has passed, the next commit checkpoints.
		storm.queuedAlerts.Store(0)
		before := db.framesAtCheckpoint.Load()
		write(t, db, path, 1)
		if db.framesAtCheckpoint.Load() == before {
			t.Fatal("no checkpoint after the storm passed")
		}
	})
}

// TestQueuedAlertsAreCounted: the batcher's count of queued alerts, which
// defers checkpoints, goes back to zero once every job has been taken,
// whether it committed, was cancelled while queued, or met a shutdown.
func TestQueuedAlertsAreCounted(t *testing.T) {
	t.Parallel()
	db, err := Open(context.Background(), firelinetest.SQLiteDSN(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBatcher(db, newIntakeDialect(db), nil, 8000) // its jobs plan no incident
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			ctx := context.Background()
			if i%8 == 0 {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			b.do(ctx, 100, func(context.Context, *intakeBatch) error { return nil })
		})
	}
	wg.Wait()
	if n := b.queuedAlerts.Load(); n != 0 {
		t.Fatalf("%d alerts counted as queued after every job was answered", n)
	}
	b.Close()
	if err := b.do(context.Background(), 100, func(context.Context, *intakeBatch) error { return nil }); err == nil {
		t.Fatal("a job after Close was run")
	}
	if n := b.queuedAlerts.Load(); n != 0 {
		t.Fatalf("%d alerts counted as queued after a job refused at shutdown", n)
	}
}
