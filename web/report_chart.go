package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts drawn by the server as SVG (the reports page): readable without
// JavaScript, printable, and within the console's Content Security
// Policy, which allows no inline style: colours are SVG presentation
// attributes. Each chart has a title and a description for screen
// readers, and the page shows the same figures in a table beside it.

// chartSeries is one line or one set of bars: a value per x label, NaN
// where there is none (a period without incidents).
type chartSeries struct {
	Name   string
	Colour string
	Values []float64
}

// chart geometry, in SVG user units.
const (
	chartW, chartH           = 640, 220
	chartLeft, chartRight    = 56, 12
	chartTop, chartBottom    = 16, 40
	chartPlotW               = chartW - chartLeft - chartRight
	chartPlotH               = chartH - chartTop - chartBottom
	chartLegendY             = chartH - 6
	chartLabelEvery          = 13 // at most this many x labels
	chartFont                = `font-family="system-ui, sans-serif" font-size="11"`
	chartAxisColour          = "#9ca3af"
	chartGridColour, chartFg = "#e5e7eb", "#374151"
)

// severityColours are the series colours, by severity in the policy's
// order; others take the last.
var severityColours = []string{"#b91c1c", "#d97706", "#2563eb", "#6b7280"}

func seriesColour(i int) string { return severityColours[min(i, len(severityColours)-1)] }

// lineChart draws series as lines over the x labels, the y axis in unit.
func lineChart(id, title, unit string, xs []string, series []chartSeries) template.HTML {
	top, ticks := chartMax(series)
	var b strings.Builder
	chartOpen(&b, id, title, unit, xs, series, top, ticks)
	for _, s := range series {
		var seg []string
		flush := func() {
			if len(seg) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, s.Colour, strings.Join(seg, " "))
			}
			seg = seg[:0]
		}
		for i, v := range s.Values {
			if math.IsNaN(v) {
				flush()
				continue
			}
			x, y := chartX(i, len(xs)), chartY(v, top)
			seg = append(seg, fmt.Sprintf("%.1f,%.1f", x, y))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s %s: %s</title></circle>`,
				x, y, s.Colour, template.HTMLEscapeString(s.Name), template.HTMLEscapeString(xs[i]), chartValue(v, unit))
		}
		flush()
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws one series as bars over the x labels.
func barChart(id, title, unit string, xs []string, s chartSeries) template.HTML {
	series := []chartSeries{s}
	top, ticks := chartMax(series)
	var b strings.Builder
	chartOpen(&b, id, title, unit, xs, series, top, ticks)
	w := float64(chartPlotW) / float64(max(len(xs), 1))
	for i, v := range s.Values {
		if math.IsNaN(v) || v <= 0 {
			continue
		}
		y := chartY(v, top)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			chartLeft+float64(i)*w+w*0.15, y, w*0.7, float64(chartTop+chartPlotH)-y, s.Colour,
			template.HTMLEscapeString(xs[i]), chartValue(v, unit))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartOpen writes the svg element, its title and description, the grid
// with the y axis's ticks, the x labels and the legend.
func chartOpen(b *strings.Builder, id, title, unit string, xs []string, series []chartSeries, top float64, ticks int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" id="%s" class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" %s>`,
		id, chartW, chartH, id, id, chartFont)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s, %d periods from %s; the table below has the figures.</desc>`,
		id, template.HTMLEscapeString(title), id, template.HTMLEscapeString(unit), len(xs), template.HTMLEscapeString(firstOf(xs)))
	for t := 0; t <= ticks; t++ {
		v := top * float64(t) / float64(ticks)
		y := chartY(v, top)
		colour := chartGridColour
		if t == 0 {
			colour = chartAxisColour
		}
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, chartLeft, chartLeft+chartPlotW, y, y, colour)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`, chartLeft-4, y+4, chartFg, chartTick(v))
	}
	every := max(1, (len(xs)+chartLabelEvery-1)/chartLabelEvery)
	for i, x := range xs {
		if i%every == 0 {
			fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`,
				chartX(i, len(xs)), chartTop+chartPlotH+14, chartFg, template.HTMLEscapeString(x))
		}
	}
	fmt.Fprintf(b, `<text x="4" y="%d" fill="%s">%s</text>`, chartTop-4, chartFg, template.HTMLEscapeString(unit))
	for i, s := range series {
		x := chartLeft + i*90
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" fill="%s">%s</text>`,
			x, chartLegendY-9, s.Colour, x+14, chartLegendY, chartFg, template.HTMLEscapeString(s.Name))
	}
}

// chartMax is the y axis's top, the largest value rounded up to a round
// figure (1 when there is none), and how many ticks divide it into round
// steps.
func chartMax(series []chartSeries) (float64, int) {
	top := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	if top <= 0 {
		return 1, 4
	}
	step := math.Pow(10, math.Floor(math.Log10(top)))
	for _, m := range []struct {
		top   float64
		ticks int
	}{{1, 5}, {2, 4}, {2.5, 5}, {5, 5}, {10, 5}} {
		if top <= m.top*step {
			return m.top * step, m.ticks
		}
	}
	return 10 * step, 5
}

func chartX(i, n int) float64 {
	w := float64(chartPlotW) / float64(max(n, 1))
	return chartLeft + w*(float64(i)+0.5)
}

func chartY(v, top float64) float64 {
	return chartTop + chartPlotH - v/top*chartPlotH
}

func chartTick(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func chartValue(v float64, unit string) string {
	return chartTick(math.Round(v*10)/10) + " " + template.HTMLEscapeString(unit)
}

func firstOf(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}
