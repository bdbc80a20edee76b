package bench

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentile is the p-th (0 to 1) of lat, which it does not change; 0 for
// none.
func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// perAlert divides CPU time by a count of alerts; 0 when there are none.
func perAlert(cpu time.Duration, alerts int64) time.Duration {
	if alerts == 0 {
		return 0
	}
	return cpu / time.Duration(alerts)
}

// residentMB reads this process's resident memory in MB (Linux); 0
// elsewhere.
func residentMB() float64 {
	rss, _ := memoryMB()
	return rss
}

// memoryMB reads this process's resident and peak resident memory in MB
// (Linux); zeros elsewhere.
func memoryMB() (rss, peak float64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch name {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// eachDatabase runs a bench on each database in turn, its rows in order;
// the first failure ends it.
func eachDatabase[R any](dsns []string, run func(dsn string) ([]R, error)) ([]R, error) {
	var rows []R
	for _, dsn := range dsns {
		r, err := run(dsn)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}
