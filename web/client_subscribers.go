package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fireline-dev/fireline"
)

// ImportSubscribers implements fireline.SubscriberAdmin.
func (c *Client) ImportSubscribers(ctx context.Context, in []fireline.SubscribeInput) (fireline.SubscriberImport, error) {
	res, err := call[fireline.SubscriberImport](ctx, c, http.MethodPost, "/subscribers/import", nil, subscriberImportBody{Subscribers: in})
	if err != nil {
		return fireline.SubscriberImport{}, err
	}
	return *res, nil
}

// ListSubscribers implements fireline.SubscriberAdmin.
func (c *Client) ListSubscribers(ctx context.Context, after string, limit int) ([]*fireline.Subscriber, error) {
	q := url.Values{"after": {after}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	l, err := call[subscriberList](ctx, c, http.MethodGet, "/subscribers", q, nil)
	if err != nil {
		return nil, err
	}
	return l.Subscribers, nil
}

// RemoveSubscriber implements fireline.SubscriberAdmin.
func (c *Client) RemoveSubscriber(ctx context.Context, ref string) error {
	_, err := call[struct{}](ctx, c, http.MethodDelete, "/subscribers/"+url.PathEscape(ref), nil, nil)
	return err
}

var _ fireline.SubscriberAdmin = (*Client)(nil)
