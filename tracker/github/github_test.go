package github_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/tracker/github"
)

// TestClientAgainstFake: create, read, close; a bad token and an unknown
// repository are not worth retrying; a secondary rate limit is, after
// its Retry-After.
func TestClientAgainstFake(t *testing.T) {
	ctx := context.Background()
	gh := firelinetest.NewGitHub(t, nil, "acme/ops")
	c := &github.Client{BaseURL: gh.URL, Token: firelinetest.GitHubToken, HTTP: http.DefaultClient}
	is, err := c.CreateIssue(ctx, "acme/ops", fireline.IssueRequest{Title: "Add an alert", Body: "b", Labels: []string{"x"}})
	if err != nil || is.Number != 1 || is.State != "open" || is.URL != "https://github.com/acme/ops/issues/1" {
		t.Fatalf("create: %+v %v", is, err)
	}
	if is, err = c.SetState(ctx, "acme/ops", 1, fireline.IssueClosed); err != nil || is.State != "closed" || is.Login != "fireline-bot" {
		t.Fatalf("close: %+v %v", is, err)
	}
	if is, err = c.GetIssue(ctx, "acme/ops", 1); err != nil || is.State != "closed" {
		t.Fatalf("get: %+v %v", is, err)
	}
	for _, tc := range []struct {
		name      string
		client    *github.Client
		repo      string
		status    int
		retryable bool
		wait      time.Duration
	}{
		{"bad token", &github.Client{BaseURL: gh.URL, Token: "nope", HTTP: http.DefaultClient}, "acme/ops", 401, false, 0},
		{"unknown repo", c, "acme/nope", 404, false, 0},
	} {
		_, err := tc.client.GetIssue(ctx, tc.repo, 1)
		var ge *github.Error
		if !errors.As(err, &ge) || ge.Status != tc.status || ge.Retryable() != tc.retryable || ge.RetryAfter() != tc.wait {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	gh.RateLimit(1, http.StatusForbidden, 60)
	_, err = c.GetIssue(ctx, "acme/ops", 1)
	var ge *github.Error
	if !errors.As(err, &ge) || ge.Status != 403 || !ge.Retryable() || ge.RetryAfter() != time.Minute {
		t.Errorf("rate limited: %v", err)
	}
}
