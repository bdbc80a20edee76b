package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// TestStatisticsRefreshedAndRescheduled: the statistics job asks a store
// that keeps statistics to refresh them, and comes back in
// StatisticsEvery whether that worked or not; with a store that keeps
// none it only comes back.
func TestStatisticsRefreshedAndRescheduled(t *testing.T) {
	for _, refreshErr := range []error{nil, errors.New("database busy")} {
		e, s := newTestEngine(t, fireline.P3)
		s.now = tuesday
		ks := &keeperStore{fakeStore: s, err: refreshErr}
		e.Store = ks
		if err := e.statistics(context.Background(), job(t, struct{}{}, 1)); !errors.Is(err, jobs.ErrFinished) {
			t.Fatalf("statistics job: %v", err)
		}
		if ks.refreshed != 1 || !s.tx.completed || len(s.tx.enqueued) != 1 ||
			s.tx.enqueued[0].Kind != KindStatistics || !s.tx.enqueued[0].RunAt.Equal(tuesday.Add(StatisticsEvery)) {
			t.Fatalf("refresh error %v: refreshed %d times, then %+v", refreshErr, ks.refreshed, s.tx)
		}
	}
	e, s := newTestEngine(t, fireline.P3)
	if err := e.statistics(context.Background(), job(t, struct{}{}, 1)); !errors.Is(err, jobs.ErrFinished) || len(s.tx.enqueued) != 1 {
		t.Fatalf("a store without statistics: %v %+v", err, s.tx)
	}
}

// keeperStore is the fake store keeping planner statistics.
type keeperStore struct {
	*fakeStore
	refreshed int
	err       error
}

func (s *keeperStore) RefreshStatistics(ctx context.Context) ([]string, error) {
	s.refreshed++
	return []string{"incidents"}, s.err
}
