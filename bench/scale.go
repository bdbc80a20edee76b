package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/policy"
	"github.com/fireline-dev/fireline/sqlstore"
)

// ScaleConfig is what `bench scale` takes.
type ScaleConfig struct {
	DSNs      []string
	Sizes     []int
	Requests  int
	Timeline  int
	OpenShare float64
	// Start starts the server at each size.
	Start StartFunc
}

// Check refuses sizes the bench cannot seed, naming the flag.
func (cfg ScaleConfig) Check() error {
	if len(cfg.Sizes) == 0 || !slices.IsSorted(cfg.Sizes) || cfg.Sizes[0] < 2 {
		return fmt.Errorf("--sizes wants increasing counts of at least 2")
	}
	return nil
}

// Scale seeds each database size by size and times the reads at each,
// printing progress lines and then its table to out.
func Scale(ctx context.Context, cfg ScaleConfig, out io.Writer) error {
	rows, err := eachDatabase(cfg.DSNs, func(dsn string) ([]scaleRow, error) { return scaleDatabase(ctx, cfg, dsn, out) })
	if err != nil {
		return err
	}
	printScaleRows(out, rows)
	return nil
}

// scaleRow is one request timed at one size.
type scaleRow struct {
	db, request string
	size        int
	p50, p99    time.Duration
	bytes       int
}

// printScaleRows writes each request's figures at every size, with its
// p50 against the first size's and against GET incident's at the same
// size.
func printScaleRows(out io.Writer, rows []scaleRow) {
	first := map[string]time.Duration{} // db/request -> p50 at the first size
	base := map[string]time.Duration{}  // db/size -> GET incident p50
	for _, r := range rows {
		if _, ok := first[r.db+"/"+r.request]; !ok {
			first[r.db+"/"+r.request] = r.p50
		}
		if r.request == scaleGetIncident {
			base[r.db+"/"+strconv.Itoa(r.size)] = r.p50
		}
	}
	fmt.Fprintf(out, "\nfireline bench scale: target each p50 within 2x of its figure at the first size\n\n")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "database\trequest\tincidents\tp50 ms\tp99 ms\tx first size\tx GET incident\tKB\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t\n", r.db, r.request, r.size, ms(r.p50), ms(r.p99),
			ratio(r.p50, first[r.db+"/"+r.request]), ratio(r.p50, base[r.db+"/"+strconv.Itoa(r.size)]), float64(r.bytes)/1024)
	}
	tw.Flush()
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

const (
	scaleGetIncident = "GET incident"
	scaleReportPage  = "reports page (console)"
)

// scaleDatabase seeds one database size by size and times the reads
// at each.
func scaleDatabase(ctx context.Context, cfg ScaleConfig, dsn string, log io.Writer) ([]scaleRow, error) {
	name, dsn, drop, err := benchDatabase(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer drop()
	quiet := slog.New(slog.DiscardHandler)
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Logger: quiet, Planner: planNothing})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	s := &scaleSeeder{incidents: sqlstore.NewIncidentService(db, policy.Default()), rand: mrand.New(mrand.NewPCG(7, 11))}
	start := time.Now()
	if err := s.longTimeline(ctx, cfg.Timeline); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "%s: a timeline of %d events in %s\n", name, cfg.Timeline, time.Since(start).Round(time.Millisecond))
	admin := fireline.TokenPrefix + rand.Text() // the first server makes it the admin token
	var rows []scaleRow
	for _, size := range cfg.Sizes {
		start := time.Now()
		if err := s.grow(ctx, size, cfg.OpenShare); err != nil {
			return nil, err
		}
		// What the periodic statistics job does within 10 minutes.
		if _, err := db.RefreshStatistics(ctx); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "%s: %d incidents (%d open) in %s\n", name, size, s.open, time.Since(start).Round(time.Millisecond))
		r, err := timeReads(ctx, cfg, name, dsn, admin, size, log)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}
