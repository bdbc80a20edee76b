package sqlstore

import (
	"context"

	"modernc.org/sqlite"
)

// SQLite checkpoints (docs/adr/0045). A checkpoint copies the pages the
// WAL holds back into the database file, so that the WAL can start over.
// SQLite's own runs inside the commit that takes the WAL past 1,000
// frames. Under a storm of alerts every large group commit crosses that
// mark, and each checkpoint rewrites, at random places in the file, as
// many pages as the commit just logged. The writer instead checkpoints
// after its commits itself: at 1,000 frames while intake keeps up, as
// SQLite would, so that latency below saturation stays as it was, and
// only at walCheckpointFrames (SQLite's own, set on the writer) while
// intake has a storm queued, so that one checkpoint writes the pages
// several commits shared.
const (
	// walEarlyCheckpointFrames is the WAL size past which the writer
	// checkpoints when no storm is queued.
	walEarlyCheckpointFrames = 1000
	// walCheckpointFrames is the writer's wal_autocheckpoint: SQLite
	// checkpoints inside any commit past it, whoever writes (jobs write
	// on the writer's pool without writeTx).
	walCheckpointFrames = 8000
	// stormAlerts is the count of alerts waiting for intake's next group
	// commit from which checkpoints wait for walCheckpointFrames.
	stormAlerts = 1000
)

// checkpointIfDue runs a passive checkpoint on the SQLite writer when
// the frames it has logged since the last one reach
// walEarlyCheckpointFrames and intake has no storm queued. writeTx calls
// it after each commit, and intake after answering each batch's
// requests; a failure is left for the next commit (or SQLite's own
// checkpoint) to make up.
func (db *DB) checkpointIfDue(ctx context.Context) {
	if db.dialect != DialectSQLite {
		return
	}
	if b := db.intake.Load(); b != nil && b.queuedAlerts.Load() >= stormAlerts {
		return
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	var written int
	// The connection's count of pages it wrote, every one of them a WAL
	// frame; it holds the writer, so no commit slips in between.
	if err := conn.Raw(func(dc any) error {
		written, _, err = dc.(sqlite.DBStatus).Status(sqlite.DBStatusCacheWrite, false)
		return err
	}); err != nil {
		return
	}
	at := db.framesAtCheckpoint.Load()
	if int64(written) < at {
		at = 0 // a new connection, counting from zero
	}
	if int64(written)-at < walEarlyCheckpointFrames {
		return
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		db.logger.Warn("checkpoint failed; the next commit tries again", "err", err)
		return
	}
	db.framesAtCheckpoint.Store(int64(written))
}
