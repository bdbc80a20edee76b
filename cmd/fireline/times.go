package main

import (
	"context"
	"sync"
	"time"

	"github.com/fireline-dev/fireline/web"
)

// timeLayout is how the CLI prints an instant for people: to the minute,
// with the offset of the zone it is read in, so "10:00 -05:00" needs no
// converting at 3 a.m. and cannot be taken for UTC. -o json keeps the
// API's RFC 3339 in UTC.
const timeLayout = "2006-01-02 15:04 -07:00"

// timeFormat prints instants in tables and messages: in the zone its
// loader returns, asked the first time an instant is printed and then
// kept. The zero value prints in UTC.
type timeFormat struct {
	load func() *time.Location // nil or a nil result: UTC
	once sync.Once
	loc  *time.Location
}

// format prints t in the zone, to the minute, with the offset.
func (f *timeFormat) format(t time.Time) string {
	f.once.Do(func() {
		f.loc = time.UTC
		if f.load != nil {
			if loc := f.load(); loc != nil {
				f.loc = loc
			}
		}
	})
	return t.In(f.loc).Format(timeLayout)
}

// optional prints t, or "-" when there is none.
func (f *timeFormat) optional(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return f.format(*t)
}

// times returns the process's time format: UTC under --utc, else the
// policy calendar's zone, fetched from the server through c the first time
// an instant is printed.
func (g *globals) times(ctx context.Context, c *web.Client) *timeFormat {
	if g.timeFmt == nil {
		g.timeFmt = &timeFormat{}
		if !g.utc {
			g.timeFmt.load = func() *time.Location { return policyZone(ctx, c) }
		}
	}
	return g.timeFmt
}

// policyZone is the server's calendar time zone, or nil (read: UTC) when
// the server does not say, as an older server or a failed request may not:
// the offset printed beside every time keeps UTC unmistakable.
func policyZone(ctx context.Context, c *web.Client) *time.Location {
	p, err := c.Policy(ctx)
	if err != nil {
		return nil
	}
	loc, err := time.LoadLocation(p.Calendar.TimeZone)
	if err != nil {
		return nil
	}
	return loc
}
