package engine

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline/jobs"
)

// KindStatistics is the periodic job that keeps the database's planner
// statistics current, every StatisticsEvery (docs/adr/0054).
const (
	KindStatistics  = "db.statistics"
	StatisticsEvery = 10 * time.Minute
)

// StatisticsKeeper is a Store that keeps its query planner's statistics
// current: it analyzes the tables that grew or changed much since they
// were last analyzed, and names them. The job runs only where the Store
// is one.
type StatisticsKeeper interface {
	RefreshStatistics(ctx context.Context) ([]string, error)
}

// statistics refreshes the planner statistics, if the store keeps any; a
// failure is logged and tried again next time.
func (e *Engine) statistics(ctx context.Context, j *jobs.Job) error {
	if k, ok := e.Store.(StatisticsKeeper); ok {
		tables, err := k.RefreshStatistics(ctx)
		switch {
		case err != nil:
			e.log().Warn("refreshing the database's planner statistics", "err", err)
		case len(tables) > 0:
			e.log().Info("analyzed tables that changed much since their statistics were gathered", "tables", tables)
		}
	}
	return e.reschedule(ctx, j, KindStatistics, StatisticsEvery)
}
