package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/fireline-dev/fireline"
)

// CreateUser creates a console user and returns them with the path of
// their one-time login link on the server.
func (c *Client) CreateUser(ctx context.Context, in fireline.UserInput) (*fireline.User, fireline.LoginLink, error) {
	cu, err := call[createdUser](ctx, c, http.MethodPost, "/users", nil, in)
	if err != nil {
		return nil, fireline.LoginLink{}, err
	}
	return cu.User, cu.LoginLink, nil
}

// ListUsers returns every console user.
func (c *Client) ListUsers(ctx context.Context) ([]*fireline.User, error) {
	l, err := call[userList](ctx, c, http.MethodGet, "/users", nil, nil)
	if err != nil {
		return nil, err
	}
	return l.Users, nil
}

// SetUserRole changes a user's role; ref is an id or an email.
func (c *Client) SetUserRole(ctx context.Context, ref string, role fireline.Role) (*fireline.User, error) {
	return call[fireline.User](ctx, c, http.MethodPost, "/users/"+url.PathEscape(ref)+"/role", nil, userRoleBody{Role: role})
}

// SetUserPerson changes the person a user acts as; ref is an id or an
// email.
func (c *Client) SetUserPerson(ctx context.Context, ref, person string) (*fireline.User, error) {
	return call[fireline.User](ctx, c, http.MethodPost, "/users/"+url.PathEscape(ref)+"/person", nil, userPersonBody{Person: person})
}

// DisableUser disables a user and ends their sessions.
func (c *Client) DisableUser(ctx context.Context, ref string) (*fireline.User, error) {
	return call[fireline.User](ctx, c, http.MethodPost, "/users/"+url.PathEscape(ref)+"/disable", nil, nil)
}

// CreateLoginLink issues a new one-time login link for a user.
func (c *Client) CreateLoginLink(ctx context.Context, ref string) (fireline.LoginLink, error) {
	cu, err := call[createdUser](ctx, c, http.MethodPost, "/users/"+url.PathEscape(ref)+"/login-link", nil, nil)
	if err != nil {
		return fireline.LoginLink{}, err
	}
	return cu.LoginLink, nil
}

var _ fireline.UserService = (*Client)(nil)
