// Package github is a small client of GitHub's Issues REST API: create an
// issue, read one, open or close one. It is what Fireline's tracker jobs
// (engine/tracker.go) call; the requests go through the HTTP client it is
// given (the outbound guard's). It imports the domain and the standard
// library only.
package github

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// Client calls GitHub's REST API with a token.
type Client struct {
	// BaseURL is the API's root, such as https://api.github.com.
	BaseURL string
	Token   string
	// HTTP makes the requests: the outbound guard's client.
	HTTP *http.Client
	// Now is the clock a rate limit's reset is measured against.
	Now func() time.Time
}

// Issue is what Fireline reads of an issue.
type Issue struct {
	Number  int64  `json:"number"`
	HTMLURL string `json:"html_url"`
	State   string `json:"state"`
	Body    string `json:"body"`
	// ClosedBy is who closed it, when it is closed.
	ClosedBy *User `json:"closed_by,omitempty"`
}

// User is a GitHub account.
type User struct {
	Login string `json:"login"`
}

// Error is a request GitHub refused or failed.
type Error struct {
	Status  int
	Message string
	// Wait is how long GitHub asked to wait (Retry-After, or until
	// X-RateLimit-Reset when the limit is spent); 0 when it did not.
	Wait time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("github: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Retryable reports whether trying again later may work: a rate limit, a
// timeout, or GitHub's own failure. A bad token, an unknown repository or
// a refused issue will not.
func (e *Error) Retryable() bool {
	return e.Wait > 0 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500
}

// RetryAfter is how long GitHub asked to wait.
func (e *Error) RetryAfter() time.Duration { return e.Wait }

// CreateIssue opens an issue in repo (owner/name).
func (c *Client) CreateIssue(ctx context.Context, repo string, in fireline.IssueRequest) (fireline.IssueSeen, error) {
	body := map[string]any{"title": in.Title, "body": in.Body}
	if len(in.Labels) > 0 {
		body["labels"] = in.Labels
	}
	if len(in.Assignees) > 0 {
		body["assignees"] = in.Assignees
	}
	return c.issue(ctx, http.MethodPost, repoPath(repo)+"/issues", body)
}

// FindIssue looks for the issue of repo whose body holds marker among
// the 100 most recently created that changed since since (a list, not a
// search: GitHub's search index lags, its list does not). found is false
// when none does.
func (c *Client) FindIssue(ctx context.Context, repo, marker string, since time.Time) (seen fireline.IssueSeen, found bool, err error) {
	q := url.Values{"state": {"all"}, "sort": {"created"}, "direction": {"desc"}, "per_page": {"100"},
		"since": {since.UTC().Format(time.RFC3339)}}
	var list []Issue
	if err := c.do(ctx, http.MethodGet, repoPath(repo)+"/issues?"+q.Encode(), nil, &list); err != nil {
		return fireline.IssueSeen{}, false, err
	}
	for _, is := range list {
		if strings.Contains(is.Body, marker) {
			return fireline.IssueSeen{Number: is.Number, URL: is.HTMLURL, State: is.State}, true, nil
		}
	}
	return fireline.IssueSeen{}, false, nil
}

// GetIssue reads issue n of repo.
func (c *Client) GetIssue(ctx context.Context, repo string, n int64) (fireline.IssueSeen, error) {
	return c.issue(ctx, http.MethodGet, repoPath(repo)+"/issues/"+strconv.FormatInt(n, 10), nil)
}

// SetState opens or closes issue n of repo; closing says it was
// completed.
func (c *Client) SetState(ctx context.Context, repo string, n int64, state string) (fireline.IssueSeen, error) {
	body := map[string]any{"state": state}
	if state == fireline.IssueClosed {
		body["state_reason"] = "completed"
	} else {
		body["state_reason"] = "reopened"
	}
	return c.issue(ctx, http.MethodPatch, repoPath(repo)+"/issues/"+strconv.FormatInt(n, 10), body)
}

// issue sends a request answered by an issue.
func (c *Client) issue(ctx context.Context, method, path string, body any) (fireline.IssueSeen, error) {
	var out Issue
	if err := c.do(ctx, method, path, body, &out); err != nil {
		return fireline.IssueSeen{}, err
	}
	seen := fireline.IssueSeen{Number: out.Number, URL: out.HTMLURL, State: out.State}
	if out.ClosedBy != nil {
		seen.Login = out.ClosedBy.Login
	}
	return seen, nil
}

func repoPath(repo string) string {
	owner, name, _ := strings.Cut(repo, "/")
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)
}

// do sends one request and decodes a 2xx answer into out.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "fireline")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err // a network failure: retried
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return apiError(resp, data, c.Now)
	}
	return json.Unmarshal(data, out)
}

// apiError reads GitHub's error answer: its message, and how long a rate
// limit asks to wait (Retry-After; else, with the limit spent, until
// X-RateLimit-Reset).
func apiError(resp *http.Response, data []byte, now func() time.Time) *Error {
	var m struct {
		Message string `json:"message"`
	}
	json.Unmarshal(data, &m)
	e := &Error{Status: resp.StatusCode, Message: m.Message}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(data))
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		e.Wait = time.Duration(max(s, 1)) * time.Second
	} else if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			e.Wait = time.Second
			if now != nil {
				e.Wait = max(time.Unix(reset, 0).Sub(now()), time.Second)
			}
		}
	}
	return e
}
