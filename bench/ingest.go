package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// IngestConfig is what `bench ingest` takes.
type IngestConfig struct {
	DSNs []string
	// Senders are the sender counts each rate is measured at (a closed
	// loop measures senders/latency: a peak needs enough of them).
	Senders    []int
	Duration   time.Duration
	CPUProfile string
	// Scenarios limits the run to these (IngestScenarios names them);
	// empty runs all.
	Scenarios []string
	// Replicas are how many servers share each database, the senders
	// spread over them (PostgreSQL's scale-out; SQLite has one writer):
	// each database is measured with each count in turn, in one run.
	Replicas []int
	// Groups spreads the alerts over this many alert groups, so that they
	// land in as many incidents; 1 sends every alert to one.
	Groups int
	// Start starts each server.
	Start StartFunc
}

// IngestScenarios are the scenario names Scenarios takes, in run order.
var IngestScenarios = []string{"distinct", "duplicate", "batch", "half-peak", "sustained"}

// Check refuses a configuration the bench cannot run, naming the flag.
func (cfg IngestConfig) Check() error {
	for _, sc := range cfg.Scenarios {
		if !slices.Contains(IngestScenarios, sc) {
			return fmt.Errorf("unknown scenario %q: want one of %s", sc, strings.Join(IngestScenarios, ", "))
		}
	}
	if len(cfg.Senders) == 0 || slices.Min(cfg.Senders) < 1 {
		return fmt.Errorf("--senders wants one or more counts of at least 1")
	}
	if len(cfg.Replicas) == 0 || slices.Min(cfg.Replicas) < 1 {
		return fmt.Errorf("--replicas wants at least 1")
	}
	if cfg.Groups < 1 {
		return fmt.Errorf("--groups wants at least 1")
	}
	if slices.Contains(cfg.Scenarios, "half-peak") && !slices.Contains(cfg.Scenarios, "distinct") {
		return fmt.Errorf("scenario half-peak needs distinct (it is paced at half of distinct's rate)")
	}
	return nil
}

// trivialScenario names the trivial handler's row, which the others are
// compared with.
const trivialScenario = "trivial handler (ceiling)"

// Rows of the scenarios measured at every sender count.
const (
	distinctScenario  = "distinct alerts"
	duplicateScenario = "duplicate alerts"
	batchScenario     = "100-alert batches"
)

// ingestRow is one measured scenario.
type ingestRow struct {
	db, scenario string
	senders      int
	// storedBefore counts the new alerts the database took before this
	// row: with hashed keys each one grows the dedup index that later
	// rows insert into (docs/adr/0042); -1 for the trivial handler.
	storedBefore int64
	alerts       int64
	alertsPerSec float64
	// trivialPerSec is the trivial handler's rate measured just before
	// this scenario, so that the ratio holds even when other work on the
	// machine comes and goes during the run.
	trivialPerSec float64
	p50, p99      time.Duration
	rssMB         float64
	errors        int64
	// cpuPerAlert is the CPU time the whole process (server and senders)
	// spent per alert: unlike the rate, it does not fall when other work
	// on the machine takes a share of the cores.
	cpuPerAlert time.Duration
}

// Ingest runs the intake bench on each database and prints its table and
// the peaks to out.
func Ingest(ctx context.Context, cfg IngestConfig, out io.Writer) error {
	trivial, closeTrivial, err := startTrivialHandler()
	if err != nil {
		return err
	}
	defer closeTrivial()
	var rows []ingestRow
	for _, dsn := range cfg.DSNs {
		for _, n := range cfg.Replicas {
			r, err := ingestDatabase(ctx, cfg, dsn, n, trivial)
			if err != nil {
				return err
			}
			rows = append(rows, r...)
		}
	}
	groups := ""
	if cfg.Groups > 1 {
		groups = fmt.Sprintf("alerts over %d alert groups, ", cfg.Groups)
	}
	fmt.Fprintf(out, "fireline bench ingest: senders %s, %s per scenario, %sGOMAXPROCS %d, %s\n\n", strings.Trim(fmt.Sprint(cfg.Senders), "[]"), cfg.Duration, groups, runtime.GOMAXPROCS(0), runtime.Version())
	if err := printIngestRows(out, rows); err != nil {
		return err
	}
	p := peaks(rows)
	if err := printPeaks(out, p); err != nil {
		return err
	}
	return printReplicaRatios(out, p)
}

func printIngestRows(out io.Writer, rows []ingestRow) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "database\tscenario\tsenders\tstored before\talerts\talerts/s\tvs trivial just before\tCPU us/alert\tp50 ms\tp99 ms\tRSS MB\terrors\t")
	for _, r := range rows {
		ratio, before := "-", "-"
		if r.trivialPerSec > 0 {
			ratio = fmt.Sprintf("%.0f%% of %.0f", 100*r.alertsPerSec/r.trivialPerSec, r.trivialPerSec)
		}
		if r.storedBefore >= 0 {
			before = strconv.FormatInt(r.storedBefore, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%.0f\t%s\t%.1f\t%.2f\t%.2f\t%.0f\t%d\t\n", r.db, r.scenario, r.senders, before, r.alerts, r.alertsPerSec,
			ratio, float64(r.cpuPerAlert.Nanoseconds())/1000, ms(r.p50), ms(r.p99), r.rssMB, r.errors)
	}
	return tw.Flush()
}
