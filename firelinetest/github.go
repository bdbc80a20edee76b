package firelinetest

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// GitHubToken is the token the fake GitHub accepts.
const GitHubToken = "ghp_fakeTestToken0123456789abcdefABCDEF"

// GitHubIssue is an issue of the fake GitHub, in the Issues API's shape.
type GitHubIssue struct {
	ID          int64         `json:"id"`
	NodeID      string        `json:"node_id"`
	URL         string        `json:"url"`
	HTMLURL     string        `json:"html_url"`
	Number      int64         `json:"number"`
	Title       string        `json:"title"`
	Body        string        `json:"body"`
	State       string        `json:"state"`
	StateReason *string       `json:"state_reason"`
	Labels      []githubLabel `json:"labels"`
	Assignees   []GitHubUser  `json:"assignees"`
	User        GitHubUser    `json:"user"`
	ClosedBy    *GitHubUser   `json:"closed_by"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	ClosedAt    *time.Time    `json:"closed_at"`
}

// GitHubUser is an account of the fake GitHub.
type GitHubUser struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
}

type githubLabel struct {
	Name string `json:"name"`
}

// GitHub is a loopback server speaking the GitHub Issues REST API for
// the repositories added to it: create, get and update issues, with
// GitHub's rules: a Bearer token (401 "Bad credentials" without the
// right one), 404 for an unknown repository or issue, 422 for an issue
// without a title or a bad state, and a secondary rate limit (403 with
// Retry-After) when told to refuse the next requests.
type GitHub struct {
	URL   string
	mu    sync.Mutex
	repos map[string][]*GitHubIssue // lower-case owner/name
	// limited is how many requests are still refused, and with what
	// status and Retry-After.
	limited    int
	limitCode  int
	retryAfter string
	requests   []string
	now        func() time.Time
	// lose is how many created issues' answers are lost (a 502 after the
	// issue exists, as a timeout through a proxy looks).
	lose int
}

// NewGitHub starts a fake GitHub with the given repositories (owner/name),
// stopped when the test ends. now dates its issues (nil: the wall clock).
func NewGitHub(t testing.TB, now func() time.Time, repos ...string) *GitHub {
	t.Helper()
	g := &GitHub{repos: map[string][]*GitHubIssue{}, now: now}
	if g.now == nil {
		g.now = time.Now
	}
	for _, r := range repos {
		g.repos[strings.ToLower(r)] = nil
	}
	srv := httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// RateLimit makes the next n requests fail with status (403 or 429) and
// Retry-After seconds, as GitHub's secondary rate limit does.
func (g *GitHub) RateLimit(n, status, retryAfter int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limited, g.limitCode, g.retryAfter = n, status, strconv.Itoa(retryAfter)
}

// LoseCreated makes the next n issue creations succeed but answer 502 Bad
// Gateway, as when GitHub created the issue and the answer was lost.
func (g *GitHub) LoseCreated(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lose = n
}

// Requests lists the requests received ("POST /repos/acme/ops/issues").
func (g *GitHub) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.requests...)
}

// Issues returns a copy of repo's issues.
func (g *GitHub) Issues(repo string) []GitHubIssue {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []GitHubIssue
	for _, is := range g.repos[strings.ToLower(repo)] {
		out = append(out, *is)
	}
	return out
}

// SetState closes or reopens an issue as login would on github.com, and
// returns the issues event GitHub would deliver for it.
func (g *GitHub) SetState(repo string, n int64, state, login string) []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	is := g.issue(repo, n)
	if is == nil {
		panic(fmt.Sprintf("fake github: no issue %s#%d", repo, n))
	}
	g.setState(is, state, "", login)
	action := "closed"
	if state == "open" {
		action = "reopened"
	}
	ev, _ := json.Marshal(map[string]any{"action": action, "issue": is,
		"repository": map[string]any{"full_name": repo, "name": repo[strings.IndexByte(repo, '/')+1:]},
		"sender":     GitHubUser{Login: login, ID: 7, Type: "User"}})
	return ev
}

// SignGitHub is the X-Hub-Signature-256 of a delivery's body.
func SignGitHub(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer "+GitHubToken {
		ghError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if g.limited > 0 {
		g.limited--
		w.Header().Set("Retry-After", g.retryAfter)
		ghError(w, g.limitCode, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 4 || parts[0] != "repos" || parts[3] != "issues" {
		ghError(w, http.StatusNotFound, "Not Found")
		return
	}
	repo := parts[1] + "/" + parts[2]
	if _, ok := g.repos[strings.ToLower(repo)]; !ok {
		ghError(w, http.StatusNotFound, "Not Found")
		return
	}
	switch {
	case len(parts) == 4 && r.Method == http.MethodPost:
		g.create(w, r, repo)
	case len(parts) == 4 && r.Method == http.MethodGet:
		g.list(w, r, repo)
	case len(parts) == 5 && (r.Method == http.MethodGet || r.Method == http.MethodPatch):
		n, _ := strconv.ParseInt(parts[4], 10, 64)
		g.one(w, r, repo, n)
	default:
		ghError(w, http.StatusNotFound, "Not Found")
	}
}

func (g *GitHub) create(w http.ResponseWriter, r *http.Request, repo string) {
	var in struct {
		Title     string   `json:"title"`
		Body      string   `json:"body"`
		Labels    []string `json:"labels"`
		Assignees []string `json:"assignees"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		ghError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if strings.TrimSpace(in.Title) == "" {
		ghError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	key := strings.ToLower(repo)
	n := int64(len(g.repos[key]) + 1)
	now := g.now().UTC().Truncate(time.Second)
	is := &GitHubIssue{ID: 1000 + n, NodeID: "I_kwDO" + strconv.FormatInt(n, 10), Number: n, Title: in.Title, Body: in.Body, State: "open",
		URL: g.URL + "/repos/" + repo + "/issues/" + strconv.FormatInt(n, 10), HTMLURL: "https://github.com/" + repo + "/issues/" + strconv.FormatInt(n, 10),
		User: GitHubUser{Login: "fireline-bot", ID: 1, Type: "Bot"}, CreatedAt: now, UpdatedAt: now, Labels: []githubLabel{}, Assignees: []GitHubUser{}}
	for _, l := range in.Labels {
		is.Labels = append(is.Labels, githubLabel{Name: l})
	}
	for i, a := range in.Assignees {
		is.Assignees = append(is.Assignees, GitHubUser{Login: a, ID: int64(100 + i), Type: "User"})
	}
	g.repos[key] = append(g.repos[key], is)
	if g.lose > 0 {
		g.lose--
		ghError(w, http.StatusBadGateway, "Server Error")
		return
	}
	w.Header().Set("Location", is.URL)
	writeGitHub(w, http.StatusCreated, is)
}

// list answers GET /repos/{owner}/{repo}/issues as GitHub does for the
// parameters Fireline sends: state (open, closed, all; default open),
// since (updated at or after, RFC 3339), sort=created with direction
// (default desc), per_page (default 30, at most 100).
func (g *GitHub) list(w http.ResponseWriter, r *http.Request, repo string) {
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			ghError(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		since = t
	}
	per, err := strconv.Atoi(cmp.Or(q.Get("per_page"), "30"))
	if err != nil || per < 1 {
		ghError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	out := []*GitHubIssue{}
	all := g.repos[strings.ToLower(repo)]
	for i := len(all) - 1; i >= 0; i-- { // newest created first
		is := all[i]
		if (state == "all" || is.State == state) && !is.UpdatedAt.Before(since) {
			out = append(out, is)
		}
	}
	if q.Get("direction") == "asc" {
		slices.Reverse(out)
	}
	writeGitHub(w, http.StatusOK, out[:min(len(out), per, 100)])
}

func (g *GitHub) one(w http.ResponseWriter, r *http.Request, repo string, n int64) {
	is := g.issue(repo, n)
	if is == nil {
		ghError(w, http.StatusNotFound, "Not Found")
		return
	}
	if r.Method == http.MethodPatch {
		var in struct {
			State       string `json:"state"`
			StateReason string `json:"state_reason"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			ghError(w, http.StatusBadRequest, "Problems parsing JSON")
			return
		}
		if in.State != "" && in.State != "open" && in.State != "closed" {
			ghError(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		if in.State != "" {
			g.setState(is, in.State, in.StateReason, "fireline-bot")
		}
	}
	writeGitHub(w, http.StatusOK, is)
}

func (g *GitHub) issue(repo string, n int64) *GitHubIssue {
	for _, is := range g.repos[strings.ToLower(repo)] {
		if is.Number == n {
			return is
		}
	}
	return nil
}

func (g *GitHub) setState(is *GitHubIssue, state, reason, login string) {
	now := g.now().UTC().Truncate(time.Second)
	is.UpdatedAt = now
	if state == is.State {
		return
	}
	is.State = state
	if state == "closed" {
		if reason == "" {
			reason = "completed"
		}
		is.StateReason, is.ClosedAt, is.ClosedBy = &reason, &now, &GitHubUser{Login: login, ID: 7, Type: "User"}
		return
	}
	reopened := "reopened"
	is.StateReason, is.ClosedAt, is.ClosedBy = &reopened, nil, nil
}

func ghError(w http.ResponseWriter, status int, msg string) {
	writeGitHub(w, status, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)})
}

func writeGitHub(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
