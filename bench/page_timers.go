package bench

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/sqlstore"
)

// timers enqueues cfg.Timers pending escalation steps on the probes'
// incidents: cfg.DueTimers of them due over the next 10 s, the rest hours
// ahead. It waits for the due ones and returns how late each ran (the
// instant its step was recorded, minus its due time).
func (b *pageRun) timers(ctx context.Context) ([]time.Duration, string, error) {
	b.mu.Lock()
	incs := slices.Clone(b.incidents)
	b.mu.Unlock()
	if len(incs) == 0 {
		return nil, "", fmt.Errorf("no probe incident to hang timers on")
	}
	db := b.srv.Store()
	spec := func(i int, at time.Time, prefix string) fireline.Job {
		n := incs[i%len(incs)]
		return fireline.Job{Kind: fireline.JobStepEscalate, Key: fmt.Sprintf("%s:%d", prefix, i), Group: fireline.JobGroup(n), RunAt: at,
			Args: fireline.StepJob{Incident: n, Epoch: -1, Steps: []fireline.WalkStep{{Index: 1000 + i, Name: "bench timer", At: at}}}}
	}
	insert := func(count int, mk func(i int) fireline.Job) error {
		for i := 0; i < count; i += 1000 {
			var specs []fireline.Job
			for k := i; k < min(i+1000, count); k++ {
				specs = append(specs, mk(k))
			}
			if err := db.JobTx(ctx, func(tx *sqlstore.Tx) error { return tx.Enqueue(ctx, specs...) }); err != nil {
				return err
			}
		}
		return nil
	}
	// First the timers due hours ahead, then the ones due over the next
	// 10 s (from 1 s after they are in).
	insertStart := time.Now()
	far := b.cfg.Timers - b.cfg.DueTimers
	if err := insert(far, func(i int) fireline.Job {
		return spec(i, insertStart.Add(time.Hour+time.Duration(i)*time.Second), "bench-far")
	}); err != nil {
		return nil, "", err
	}
	inserted := time.Since(insertStart)
	// Timers pile up over hours, not in one burst: let the database finish
	// the burst's housekeeping (SQLite's WAL checkpoint; PostgreSQL's
	// statistics) before the measured ones fall due.
	settle := "PRAGMA wal_checkpoint(TRUNCATE)"
	if db.Dialect() == sqlstore.DialectPostgres {
		settle = "ANALYZE jobs"
	}
	if _, err := db.Writer().ExecContext(ctx, settle); err != nil {
		return nil, "", err
	}
	time.Sleep(2 * time.Second)
	// Leave twice the time inserting the due ones should take at the rate
	// the others went in, and a second.
	perRow := inserted / time.Duration(max(far, 1))
	due := time.Now().Add(time.Second + 2*perRow*time.Duration(b.cfg.DueTimers))
	if err := insert(b.cfg.DueTimers, func(i int) fireline.Job {
		return spec(i, due.Add(time.Duration(i)*b.cfg.DueOver/time.Duration(b.cfg.DueTimers)), "bench-due")
	}); err != nil {
		return nil, "", err
	}
	if time.Now().After(due) {
		return nil, "", fmt.Errorf("inserting the due timers went past the first one")
	}
	deadline := due.Add(b.cfg.DueOver + 30*time.Second)
	var lat []time.Duration
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		var err error
		if lat, err = lateness(ctx, db.Writer(), db.Dialect()); err != nil {
			return nil, "", err
		}
		if len(lat) >= b.cfg.DueTimers {
			break
		}
	}
	var pending int64
	db.Writer().QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE state = 'pending'").Scan(&pending)
	rss, peak := memoryMB()
	return lat, fmt.Sprintf("%d pending during the run; RSS %.0f MB (peak %.0f MB, whole bench process); inserted in %s",
		pending, rss, peak, inserted.Round(time.Millisecond)), nil
}

// lateness reads how late each finished due timer ran.
func lateness(ctx context.Context, db *sql.DB, dialect string) ([]time.Duration, error) {
	rows, err := db.QueryContext(ctx, "SELECT run_at, finished_at FROM jobs WHERE key LIKE 'bench-due:%' AND state = 'done'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var runAt, finished int64
		if err := rows.Scan(&runAt, &finished); err != nil {
			return nil, err
		}
		out = append(out, time.Duration(finished-runAt)*time.Microsecond)
	}
	return out, rows.Err()
}
