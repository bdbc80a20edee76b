package web

import (
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// sumGatherer gathers registries that hold the same families (the same
// counters and histograms, counted for different audiences) as one: series
// with the same name and labels are added up, others kept as they are.
type sumGatherer []prometheus.Gatherer

// Gather implements prometheus.Gatherer.
func (g sumGatherer) Gather() ([]*dto.MetricFamily, error) {
	var out []*dto.MetricFamily
	byName := map[string]*dto.MetricFamily{}
	for _, gg := range g {
		families, err := gg.Gather()
		if err != nil {
			return nil, err
		}
		for _, f := range families {
			have, ok := byName[f.GetName()]
			if !ok {
				byName[f.GetName()] = f
				out = append(out, f)
				continue
			}
			if err := addFamily(have, f); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// addFamily adds from's series to into's.
func addFamily(into, from *dto.MetricFamily) error {
	if into.GetType() != from.GetType() {
		return fmt.Errorf("metric %s is a %s and a %s", into.GetName(), into.GetType(), from.GetType())
	}
	series := make(map[string]*dto.Metric, len(into.Metric))
	for _, m := range into.Metric {
		series[labelKey(m)] = m
	}
	for _, m := range from.Metric {
		have, ok := series[labelKey(m)]
		if !ok {
			into.Metric = append(into.Metric, m)
			continue
		}
		if err := addMetric(into.GetType(), have, m); err != nil {
			return fmt.Errorf("metric %s: %w", into.GetName(), err)
		}
	}
	return nil
}

// addMetric adds from's counts to into's: a counter's value, a
// histogram's count, sum and buckets (both from one definition, so with
// the same bounds).
func addMetric(t dto.MetricType, into, from *dto.Metric) error {
	switch t {
	case dto.MetricType_COUNTER:
		v := into.GetCounter().GetValue() + from.GetCounter().GetValue()
		into.Counter.Value = &v
	case dto.MetricType_HISTOGRAM:
		a, b := into.GetHistogram(), from.GetHistogram()
		if len(a.Bucket) != len(b.Bucket) {
			return fmt.Errorf("histograms with %d and %d buckets", len(a.Bucket), len(b.Bucket))
		}
		n, sum := a.GetSampleCount()+b.GetSampleCount(), a.GetSampleSum()+b.GetSampleSum()
		a.SampleCount, a.SampleSum = &n, &sum
		for i, bk := range b.Bucket {
			if bk.GetUpperBound() != a.Bucket[i].GetUpperBound() {
				return fmt.Errorf("histograms with different buckets")
			}
			c := a.Bucket[i].GetCumulativeCount() + bk.GetCumulativeCount()
			a.Bucket[i].CumulativeCount = &c
		}
	default:
		return fmt.Errorf("cannot add up a %s", t)
	}
	return nil
}

// labelKey identifies a series within its family by its labels, which a
// registry gathers sorted by name.
func labelKey(m *dto.Metric) string {
	var b strings.Builder
	for _, l := range m.Label {
		b.WriteString(l.GetName())
		b.WriteByte(0)
		b.WriteString(l.GetValue())
		b.WriteByte(0)
	}
	return b.String()
}
