package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// In-memory fakes of the root package's interfaces, for web's own unit
// tests only. They apply the domain's real rules (Validate, Do, VisibleTo)
// so that handlers are exercised against realistic answers.

const testPolicyJSON = `{
  "version": "test", "digest": "0123456789abcdef", "organization": "Example",
  "calendar": {"time_zone": "UTC", "working_days": ["mon","tue","wed","thu","fri"], "opens": "09:00", "closes": "17:00", "next_business_day_by": "12:00"},
  "severities": [
    {"level": "P1", "name": "Critical", "respond": {"business_hours": "15m", "outside_business_hours": "15m"}, "resolve": "4h", "escalation": {"within": "immediate"}},
    {"level": "P2", "name": "High", "respond": {"business_hours": "30m", "outside_business_hours": "1h"}, "resolve": "8h", "escalation": {"within": "2h"}},
    {"level": "P3", "name": "Medium", "respond": {"business_hours": "2h", "outside_business_hours": "next_business_day"}, "resolve": "3d", "escalation": {"within": "none"}},
    {"level": "P4", "name": "Low", "respond": {"business_hours": "next_business_day", "outside_business_hours": "next_business_day"}, "resolve": "1w", "escalation": {"within": "none"}}
  ],
  "roles": [
    {"id": "incident_commander", "name": "Incident Commander"},
    {"id": "sme", "name": "Subject Matter Expert", "multiple": true}
  ],
  "services": [{"id": "api", "name": "API", "critical": true}, {"id": "db", "name": "Database", "critical": true}],
  "people": [{"id": "alice", "name": "Alice"}, {"id": "bob", "name": "Bob"}, {"id": "carol", "name": "Carol"}]
}`

func testPolicy(t testing.TB) *fireline.Policy {
	t.Helper()
	var p fireline.Policy
	if err := json.Unmarshal([]byte(testPolicyJSON), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// Test tokens. "guest" carries a role that is not valid, so it may call
// nothing but public routes.
const (
	guestToken     = "fl_guest"
	viewerToken    = "fl_viewer"
	responderToken = "fl_responder"
	adminToken     = "fl_admin"
)

var testClock = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

type fakeIncidents struct {
	policy *fireline.Policy
	mu     sync.Mutex
	byID   map[string]*fireline.Incident
	events map[string][]*fireline.Event
	next   int64
	// lastFilter is the filter of the last FindIncidents call.
	lastFilter fireline.IncidentFilter
	// fail, when set, is returned by FindIncident.
	fail error
}

func newFakeIncidents(p *fireline.Policy) *fakeIncidents {
	return &fakeIncidents{policy: p, byID: map[string]*fireline.Incident{}, events: map[string][]*fireline.Event{}}
}

func actorOf(ctx context.Context) (fireline.Actor, error) {
	a, ok := fireline.ActorFromContext(ctx)
	if !ok {
		return a, fireline.Errorf(fireline.EUnauthorized, "no actor")
	}
	return a, nil
}

func (f *fakeIncidents) DeclareIncident(ctx context.Context, in fireline.DeclareInput) (*fireline.Incident, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	in, err = in.Validate(f.policy)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	inc, c, err := fireline.NewIncident(f.policy, in, f.next, actor, testClock)
	if err != nil {
		return nil, err
	}
	f.byID[inc.ID] = inc
	f.record(inc, actor, []fireline.Change{c})
	return clone(inc), nil
}

func (f *fakeIncidents) record(inc *fireline.Incident, actor fireline.Actor, changes []fireline.Change) {
	for _, c := range changes {
		evs := f.events[inc.ID]
		prev := ""
		if len(evs) > 0 {
			prev = evs[len(evs)-1].Hash
		}
		e, err := fireline.NewEvent(inc.ID, int64(len(evs)+1), prev, testClock, actor.Name(), c)
		if err != nil {
			panic(err)
		}
		f.events[inc.ID] = append(evs, e)
		inc.EventCount, inc.HeadHash = e.Seq, e.Hash
	}
}

// visible returns the incident if the actor may see it.
func (f *fakeIncidents) visible(ctx context.Context, id string) (*fireline.Incident, fireline.Actor, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, actor, err
	}
	n, err := fireline.ParseIncidentID(id)
	if err != nil {
		return nil, actor, err
	}
	inc, ok := f.byID[fireline.IncidentID(n)]
	if !ok || !inc.VisibleTo(actor) {
		return nil, actor, fireline.Errorf(fireline.ENotFound, "incident %s not found", id)
	}
	return inc, actor, nil
}

func (f *fakeIncidents) FindIncident(ctx context.Context, id string) (*fireline.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	inc, _, err := f.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	return clone(inc), nil
}

func (f *fakeIncidents) FindIncidents(ctx context.Context, filter fireline.IncidentFilter) (*fireline.IncidentPage, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastFilter = filter
	page := &fireline.IncidentPage{Incidents: []*fireline.Incident{}}
	for n := f.next; n >= 1; n-- {
		if inc := f.byID[fireline.IncidentID(n)]; inc.VisibleTo(actor) {
			page.Incidents = append(page.Incidents, clone(inc))
		}
	}
	return page, nil
}

func (f *fakeIncidents) Timeline(ctx context.Context, id string) ([]*fireline.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, _, err := f.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	return append([]*fireline.Event(nil), f.events[inc.ID]...), nil
}

func (f *fakeIncidents) VerifyIncident(ctx context.Context, id string) (*fireline.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, _, err := f.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	return fireline.Verify(inc, f.events[inc.ID], testClock), nil
}

func (f *fakeIncidents) TimelinePage(ctx context.Context, id string, filter fireline.TimelineFilter) (*fireline.TimelinePage, error) {
	events, err := f.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	limit := filter.Limit
	if limit == 0 {
		limit = fireline.MaxTimelinePage
	}
	page := &fireline.TimelinePage{Events: []*fireline.Event{}}
	for _, e := range slices.Backward(events) {
		if (filter.Before > 0 && e.Seq >= filter.Before) || e.Seq <= filter.After ||
			(len(filter.Types) > 0 && !slices.Contains(filter.Types, e.Type)) {
			continue
		}
		if len(page.Events) == limit {
			page.Older = page.Events[limit-1].Seq
			break
		}
		page.Events = append(page.Events, e)
	}
	slices.Reverse(page.Events)
	return page, nil
}

func (f *fakeIncidents) Act(ctx context.Context, id string, a fireline.Action) (*fireline.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inc, actor, err := f.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	next := clone(inc)
	a.By, a.Admin = actor.Name(), actor.Role == fireline.RoleAdmin
	if a.Kind == fireline.ActAddActionItem && a.Item != nil {
		a.Item.Number = int64(len(next.ActionItems) + 1)
	}
	if a.Kind == fireline.ActApproveReview && a.Review != nil {
		a.Review.Markdown = "approved"
	}
	changes, err := next.Do(f.policy, a, testClock)
	if err != nil {
		return nil, err
	}
	f.byID[next.ID] = next
	f.record(next, actor, changes)
	return clone(next), nil
}

func (f *fakeIncidents) CountIncidents(ctx context.Context) ([]fireline.IncidentCount, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	counts := map[[2]string]int64{}
	for _, inc := range f.byID {
		if inc.VisibleTo(actor) {
			counts[[2]string{string(inc.Severity), string(inc.Status)}]++
		}
	}
	var out []fireline.IncidentCount
	for k, n := range counts {
		out = append(out, fireline.IncidentCount{Severity: fireline.Severity(k[0]), Status: fireline.Status(k[1]), Count: n})
	}
	return out, nil
}

func clone(inc *fireline.Incident) *fireline.Incident {
	b, _ := json.Marshal(inc)
	var c fireline.Incident
	json.Unmarshal(b, &c)
	return &c
}

// fakeTokens is both the token service and the authenticator.
type fakeTokens struct {
	policy *fireline.Policy
	mu     sync.Mutex
	tokens map[string]*fireline.Token // by secret
	next   int
}

func newFakeTokens(p *fireline.Policy) *fakeTokens {
	f := &fakeTokens{policy: p, tokens: map[string]*fireline.Token{}}
	for secret, tok := range map[string]*fireline.Token{
		guestToken:     {Role: "guest", Automation: "guest"},
		viewerToken:    {Role: fireline.RoleViewer, PersonID: "carol"},
		responderToken: {Role: fireline.RoleResponder, PersonID: "alice"},
		adminToken:     {Role: fireline.RoleAdmin, PersonID: "bob"},
	} {
		f.next++
		tok.ID, tok.Name, tok.CreatedAt = "tok-"+strconv.Itoa(f.next), secret, testClock
		f.tokens[secret] = tok
	}
	return f
}

func (f *fakeTokens) Authenticate(ctx context.Context, secret string) (fireline.Actor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok, ok := f.tokens[secret]
	if !ok || !tok.Active(testClock) {
		return fireline.Actor{}, fireline.Errorf(fireline.EUnauthorized, "unknown, revoked or expired token")
	}
	return tok.Actor(), nil
}

func (f *fakeTokens) CreateToken(ctx context.Context, in fireline.TokenInput) (*fireline.Token, string, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, "", err
	}
	in, err = in.Validate(f.policy, testClock)
	if err != nil {
		return nil, "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	tok := &fireline.Token{ID: "tok-" + strconv.Itoa(f.next), Name: in.Name, Role: in.Role, PersonID: in.PersonID,
		Automation: in.Automation, CreatedBy: actor.Name(), CreatedAt: testClock, ExpiresAt: in.ExpiresAt}
	secret := fireline.TokenPrefix + "secret" + strconv.Itoa(f.next)
	f.tokens[secret] = tok
	c := *tok
	return &c, secret, nil
}

func (f *fakeTokens) ListTokens(ctx context.Context) ([]*fireline.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*fireline.Token
	for _, tok := range f.tokens {
		c := *tok
		out = append(out, &c)
	}
	return out, nil
}

func (f *fakeTokens) RevokeToken(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tok := range f.tokens {
		if tok.ID == id {
			if tok.RevokedAt != nil {
				return fireline.Errorf(fireline.EConflict, "token %s is already revoked", id)
			}
			now := testClock
			tok.RevokedAt = &now
			return nil
		}
	}
	return fireline.Errorf(fireline.ENotFound, "token %s not found", id)
}

// fakeStatus is a status service with nothing to show.
type fakeStatus struct{}

func (fakeStatus) PublicRecord(context.Context, time.Time) (*fireline.PublicRecord, error) {
	return &fireline.PublicRecord{}, nil
}

func (fakeStatus) InternalStatus(context.Context, time.Time) (*fireline.InternalStatus, error) {
	return &fireline.InternalStatus{Open: []fireline.InternalIncident{}, Resolved: []fireline.InternalIncident{}}, nil
}

func (fakeStatus) UpdateCompliance(context.Context) ([]fireline.Compliance, error) {
	return fireline.ComplianceOf(nil), nil
}

type fakeHealth struct{ err error }

func (f *fakeHealth) Ready(context.Context) error { return f.err }

// env is a handler on fakes, with its log captured.
type env struct {
	handler   http.Handler
	incidents *fakeIncidents
	tokens    *fakeTokens
	health    *fakeHealth
	logs      *syncBuffer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	p := testPolicy(t)
	e := &env{incidents: newFakeIncidents(p), tokens: newFakeTokens(p), health: &fakeHealth{}, logs: &syncBuffer{}}
	e.handler = web.NewHandler(web.Config{
		Policy: p, Incidents: e.incidents, Tokens: e.tokens, Auth: e.tokens, Health: e.health, Status: fakeStatus{},
		Logger:  slog.New(slog.NewJSONHandler(e.logs, nil)),
		Now:     func() time.Time { return testClock },
		Version: "1.2.3-test",
	})
	return e
}

// do sends a request straight to the handler.
func (e *env) do(t testing.TB, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, r)
	return w
}

// declare declares an incident as the responder and returns its id.
func (e *env) declare(t testing.TB, body string) string {
	t.Helper()
	w := e.do(t, "POST", "/api/v1/incidents", responderToken, body)
	if w.Code != http.StatusCreated {
		t.Fatalf("declare: %d %s", w.Code, w.Body)
	}
	var inc fireline.Incident
	if err := json.Unmarshal(w.Body.Bytes(), &inc); err != nil {
		t.Fatal(err)
	}
	return inc.ID
}

// problem is the RFC 9457 body the API answers errors with.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// decodeProblem checks that w is a problem+json with the status and
// returns it.
func decodeProblem(t testing.TB, w *httptest.ResponseRecorder, status int) problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json (body %s)", ct, w.Body)
	}
	var p problem
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %s: %v", w.Body, err)
	}
	if p.Status != status || p.Title != http.StatusText(status) || p.Detail == "" {
		t.Fatalf("problem %+v: want status %d, title %q and a detail", p, status, http.StatusText(status))
	}
	return p
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
