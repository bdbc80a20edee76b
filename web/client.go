package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// Client is the JSON API over HTTP. It implements the same service
// interfaces as the store, so the CLI is just another consumer of the API.
// The token, not the context, identifies the caller. Errors are
// *fireline.Error: the server's problem+json mapped back to a code, with
// the server's message and field errors; EUnavailable when the server
// cannot be reached. A request over a rate limit (429) is EUnavailable
// with the server's message, which says when to retry; the client does
// not retry by itself, so that a script in a loop learns it is over its
// limit instead of being slowed without knowing (docs/adr/0051).
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Token   string // an API token, fl_...
	HTTP    *http.Client
}

var (
	_ fireline.IncidentService = (*Client)(nil)
	_ fireline.TokenService    = (*Client)(nil)
)

// NewClient returns a client of the server at baseURL that sends token.
func NewClient(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// DeclareIncident implements fireline.IncidentService.
func (c *Client) DeclareIncident(ctx context.Context, in fireline.DeclareInput) (*fireline.Incident, error) {
	return call[fireline.Incident](ctx, c, http.MethodPost, "/incidents", nil, in)
}

// FindIncident implements fireline.IncidentService.
func (c *Client) FindIncident(ctx context.Context, id string) (*fireline.Incident, error) {
	return call[fireline.Incident](ctx, c, http.MethodGet, incidentPathOf(id, ""), nil, nil)
}

// FindIncidents implements fireline.IncidentService.
func (c *Client) FindIncidents(ctx context.Context, f fireline.IncidentFilter) (*fireline.IncidentPage, error) {
	return call[fireline.IncidentPage](ctx, c, http.MethodGet, "/incidents", filterQuery(f), nil)
}

// filterQuery writes a filter as the list route's query parameters.
func filterQuery(f fireline.IncidentFilter) url.Values {
	q := url.Values{}
	for _, s := range f.Status {
		q.Add("status", string(s))
	}
	for _, s := range f.Severity {
		q.Add("severity", string(s))
	}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("service", f.Service)
	set("q", f.Text)
	set("cursor", f.Cursor)
	set("stage", string(f.Stage))
	if f.Open != nil {
		q.Set("open", strconv.FormatBool(*f.Open))
	}
	if f.Unanswered {
		q.Set("unanswered", "true")
	}
	if f.Since != nil {
		q.Set("since", f.Since.Format(time.RFC3339Nano))
	}
	if f.Until != nil {
		q.Set("until", f.Until.Format(time.RFC3339Nano))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// Timeline implements fireline.IncidentService: it reads the timeline a
// page at a time, newest first, and returns it whole, in order. Events
// are only ever appended, so the pages before the first one read hold
// what they held.
func (c *Client) Timeline(ctx context.Context, id string) ([]*fireline.Event, error) {
	var pages [][]*fireline.Event
	f := fireline.TimelineFilter{}
	for {
		page, err := c.TimelinePage(ctx, id, f)
		if err != nil {
			return nil, err
		}
		pages = append(pages, page.Events)
		if page.Older == 0 {
			break
		}
		f.Before = page.Older
	}
	var events []*fireline.Event
	for _, p := range slices.Backward(pages) {
		events = append(events, p...)
	}
	return events, nil
}

// TimelinePage implements fireline.IncidentService.
func (c *Client) TimelinePage(ctx context.Context, id string, f fireline.TimelineFilter) (*fireline.TimelinePage, error) {
	q := url.Values{}
	for k, v := range map[string]int64{"limit": int64(f.Limit), "before": f.Before, "after": f.After} {
		if v != 0 {
			q.Set(k, strconv.FormatInt(v, 10))
		}
	}
	for _, t := range f.Types {
		q.Add("type", string(t))
	}
	t, err := call[timeline](ctx, c, http.MethodGet, incidentPathOf(id, "/timeline"), q, nil)
	if err != nil {
		return nil, err
	}
	return &fireline.TimelinePage{Events: t.Events, Older: t.NextBefore}, nil
}

// Act implements fireline.IncidentService: each kind of action is its own
// route.
func (c *Client) Act(ctx context.Context, id string, a fireline.Action) (*fireline.Incident, error) {
	if method, suffix, q, body, ok := checklistAction(a); ok { // checklist_api.go
		return call[fireline.Incident](ctx, c, method, incidentPathOf(id, suffix), q, body)
	}
	if a.Kind == fireline.ActPushActionItem && a.Issue != nil { // tracker.go
		return c.PushActionItem(ctx, fireline.ActionItemID(a.Issue.Item))
	}
	if method, suffix, body, ok := reviewAction(a); ok { // review_api.go
		return call[fireline.Incident](ctx, c, method, incidentPathOf(id, suffix), nil, body)
	}
	if suffix, body, ok := securityAction(a); ok { // evidence.go
		return call[fireline.Incident](ctx, c, http.MethodPost, incidentPathOf(id, suffix), nil, body)
	}
	if suffix, body, ok := commsAction(a); ok { // comms.go
		return call[fireline.Incident](ctx, c, http.MethodPost, incidentPathOf(id, suffix), nil, body)
	}
	method, suffix, body := http.MethodPost, "", any(nil)
	switch a.Kind {
	case fireline.ActAcknowledge:
		suffix = "/acknowledge"
	case fireline.ActChangeSeverity:
		suffix, body = "/severity", severityBody{Severity: a.Severity, Reason: a.Reason}
	case fireline.ActAssignRole:
		suffix, body = "/roles", roleBody{Role: a.Role, Person: a.Person}
	case fireline.ActUnassignRole:
		method, suffix = http.MethodDelete, "/roles/"+url.PathEscape(string(a.Role))+"/"+url.PathEscape(a.Person)
	case fireline.ActChangeStage:
		suffix, body = "/stage", stageBody{Stage: a.Stage, Reason: a.Reason, Override: a.Override}
	case fireline.ActAddNote:
		suffix, body = "/notes", noteBody{Kind: a.NoteKind, Text: a.Text}
	case fireline.ActUpdate:
		method, body = http.MethodPatch, a.Update
	case fireline.ActEscalate:
		suffix, body = "/escalate", escalateBody{To: a.To, Note: a.Text}
	case fireline.ActResolve:
		suffix, body = "/resolve", resolveBody{Summary: a.Text, Override: a.Override}
	case fireline.ActReopen:
		suffix, body = "/reopen", reopenBody{Reason: a.Reason}
	case fireline.ActAddMember:
		suffix, body = "/members", memberBody{Person: a.Person}
	case fireline.ActPage:
		suffix, body = "/page", pageBody{Person: a.Person, Step: a.Step}
	default:
		return nil, fireline.Errorf(fireline.EInvalid, "unknown action %q", a.Kind)
	}
	return call[fireline.Incident](ctx, c, method, incidentPathOf(id, suffix), nil, body)
}

// CountIncidents implements fireline.IncidentService.
func (c *Client) CountIncidents(ctx context.Context) ([]fireline.IncidentCount, error) {
	counts, err := call[incidentCounts](ctx, c, http.MethodGet, "/incident-counts", nil, nil)
	if err != nil {
		return nil, err
	}
	return counts.Counts, nil
}

// Export returns an incident with its whole timeline, verifiable with
// fireline.VerifyExport.
func (c *Client) Export(ctx context.Context, id string) (*fireline.Export, error) {
	return call[fireline.Export](ctx, c, http.MethodGet, incidentPathOf(id, "/export"), nil, nil)
}

// VerifyIncident implements fireline.IncidentService: the server checks
// the incident's stored timeline in place.
func (c *Client) VerifyIncident(ctx context.Context, id string) (*fireline.Verification, error) {
	return call[fireline.Verification](ctx, c, http.MethodGet, incidentPathOf(id, "/verify"), nil, nil)
}

// Policy returns the policy the server runs.
func (c *Client) Policy(ctx context.Context) (*fireline.Policy, error) {
	return call[fireline.Policy](ctx, c, http.MethodGet, "/policy", nil, nil)
}

// People returns the policy's directory.
func (c *Client) People(ctx context.Context) ([]fireline.Person, error) {
	l, err := call[peopleList](ctx, c, http.MethodGet, "/people", nil, nil)
	if err != nil {
		return nil, err
	}
	return l.People, nil
}

// Services returns the policy's services.
func (c *Client) Services(ctx context.Context) ([]fireline.Service, error) {
	l, err := call[serviceList](ctx, c, http.MethodGet, "/services", nil, nil)
	if err != nil {
		return nil, err
	}
	return l.Services, nil
}

// Me returns whom the client's token acts as.
func (c *Client) Me(ctx context.Context) (fireline.Actor, error) {
	a, err := call[fireline.Actor](ctx, c, http.MethodGet, "/me", nil, nil)
	if err != nil {
		return fireline.Actor{}, err
	}
	return *a, nil
}

// CreateToken implements fireline.TokenService.
func (c *Client) CreateToken(ctx context.Context, in fireline.TokenInput) (*fireline.Token, string, error) {
	ct, err := call[createdToken](ctx, c, http.MethodPost, "/tokens", nil, in)
	if err != nil {
		return nil, "", err
	}
	return &ct.Token, ct.Secret, nil
}

// ListTokens implements fireline.TokenService.
func (c *Client) ListTokens(ctx context.Context) ([]*fireline.Token, error) {
	l, err := call[tokenList](ctx, c, http.MethodGet, "/tokens", nil, nil)
	if err != nil {
		return nil, err
	}
	return l.Tokens, nil
}

// RevokeToken implements fireline.TokenService.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/tokens/"+url.PathEscape(id), nil, nil, nil)
}

// call sends one request and decodes the answer as a T; nil on error.
func call[T any](ctx context.Context, c *Client, method, path string, q url.Values, in any) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, q, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func incidentPathOf(id, suffix string) string {
	return "/incidents/" + url.PathEscape(id) + suffix
}

// do sends one API request with in as its JSON body (when not nil) and
// decodes the answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	base := strings.TrimRight(c.BaseURL, "/")
	u := base + apiPrefix + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fireline.Errorf(fireline.EInvalid, "cannot encode the request: %v", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fireline.Errorf(fireline.EInvalid, "bad server URL %q: %v", base, err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fireline.Errorf(fireline.EUnavailable, "cannot reach server at %s: %v", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return responseError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fireline.Errorf(fireline.EInternal, "cannot read the server's answer to %s %s: %v", method, path, err)
	}
	return nil
}

// responseError turns an error response, problem+json or not, into a
// *fireline.Error with the server's message and field errors.
func responseError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Location string `json:"location"`
			Message  string `json:"message"`
		} `json:"errors"`
	}
	e := &fireline.Error{Code: codeOf(resp.StatusCode)}
	if json.Unmarshal(data, &p) == nil {
		e.Message = p.Detail
		if e.Message == "" {
			e.Message = p.Title
		}
		for _, fe := range p.Errors {
			field := fe.Location
			for _, prefix := range []string{"body.", "query.", "path.", "header."} {
				field = strings.TrimPrefix(field, prefix)
			}
			e.Fields = append(e.Fields, fireline.FieldError{Field: field, Message: fe.Message})
		}
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("the server answered %s", resp.Status)
	}
	return e
}
