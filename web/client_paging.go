package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fireline-dev/fireline"
)

var _ fireline.OnCallService = (*Client)(nil)

// WhoIsOnCall implements fireline.OnCallService.
func (c *Client) WhoIsOnCall(ctx context.Context, at time.Time) ([]fireline.OnCallNow, error) {
	q := url.Values{}
	if !at.IsZero() {
		q.Set("at", at.Format(time.RFC3339Nano))
	}
	out, err := call[onCallList](ctx, c, http.MethodGet, "/oncall", q, nil)
	if err != nil {
		return nil, err
	}
	return out.OnCall, nil
}

// CreateOverride implements fireline.OnCallService.
func (c *Client) CreateOverride(ctx context.Context, in fireline.OverrideInput) (*fireline.Override, error) {
	return call[fireline.Override](ctx, c, http.MethodPost, "/oncall/overrides", nil, in)
}

// ListOverrides implements fireline.OnCallService.
func (c *Client) ListOverrides(ctx context.Context, from, to time.Time) ([]fireline.Override, error) {
	q := url.Values{"from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}}
	out, err := call[overrideList](ctx, c, http.MethodGet, "/oncall/overrides", q, nil)
	if err != nil {
		return nil, err
	}
	return out.Overrides, nil
}

// DeleteOverride implements fireline.OnCallService.
func (c *Client) DeleteOverride(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/oncall/overrides/"+url.PathEscape(id), nil, nil, nil)
}

// Readiness implements fireline.OnCallService. The horizon is rounded up
// to whole days.
func (c *Client) Readiness(ctx context.Context, from time.Time, horizon time.Duration) ([]fireline.ReadinessProblem, error) {
	days := int((horizon + 24*time.Hour - 1) / (24 * time.Hour))
	q := url.Values{"days": {strconv.Itoa(days)}}
	if !from.IsZero() {
		q.Set("from", from.Format(time.RFC3339Nano))
	}
	out, err := call[readinessBody](ctx, c, http.MethodGet, "/oncall/check", q, nil)
	if err != nil {
		return nil, err
	}
	return out.Problems, nil
}

// TestPage implements fireline.OnCallService. The server answers once it
// has tried every contact method, so the call waits past the client's
// usual timeout, up to the server's bound on a test page and a margin.
func (c *Client) TestPage(ctx context.Context, person string) ([]fireline.TestResult, error) {
	slow := *c
	if c.HTTP != nil && c.HTTP.Timeout > 0 {
		hc := *c.HTTP
		hc.Timeout = max(hc.Timeout, fireline.TestPageTimeout+15*time.Second)
		slow.HTTP = &hc
	}
	out, err := call[testPageResults](ctx, &slow, http.MethodPost, "/notify/test", nil, testPageBody{Person: person})
	if err != nil {
		return nil, err
	}
	return out.Results, nil
}

// FeedURL returns the secret URL of a schedule's or a person's calendar
// feed.
func (c *Client) FeedURL(ctx context.Context, r fireline.FeedRef) (string, error) {
	q := url.Values{string(r.Kind): {r.ID}}
	out, err := call[feedURLBody](ctx, c, http.MethodGet, "/oncall/feed", q, nil)
	if err != nil {
		return "", err
	}
	return out.URL, nil
}
