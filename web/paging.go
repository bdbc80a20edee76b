package web

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/calfeed"
)

// pagingRoutes declares on-call, overrides, readiness, test pages and the
// acknowledge links of pages. The acknowledge link's confirmation page and
// its POST are public but signed (see publicRoutes).
func (h *handler) pagingRoutes(rt *router) {
	if h.cfg.OnCall == nil {
		return
	}
	operation(h, viewer, get("/oncall", "who-is-on-call", "Who is primary and secondary on every schedule (at=RFC 3339 instant, default now)", "oncall"), h.whoIsOnCall)
	operation(h, viewer, get("/oncall/overrides", "list-overrides", "List on-call overrides in force between from and to", "oncall"), h.listOverrides)
	operation(h, responder, post("/oncall/overrides", "create-override", "Put someone on call for a while (override, swap or cover)", "oncall", http.StatusCreated), h.createOverride)
	operation(h, responder, del("/oncall/overrides/{id}", "delete-override", "Remove an override", "oncall", http.StatusNoContent), h.deleteOverride)
	operation(h, viewer, get("/oncall/check", "check-oncall", "Readiness: contact methods the server cannot deliver by (naming the setting that fixes each), gaps, people on call without a working contact method, chain steps that resolve to no one", "oncall"), h.checkOnCall)
	operation(h, admin, post("/notify/test", "test-page", "Send a test page to a person on each of their contact methods now, and answer with each outcome", "oncall", http.StatusOK), h.testPage)
	if h.cfg.Feeds != nil {
		operation(h, viewer, get("/oncall/feed", "oncall-feed-url", "The secret iCalendar feed URL of a schedule's or a person's shifts (schedule= or person=)", "oncall"), h.feedURL)
		rt.public("GET /feeds/{token}", h.feed)
	}
	cop := http.NewCrossOriginProtection()
	rt.public("GET /ack/{token}", h.ackPage)
	rt.public("POST /ack/{token}", cop.Handler(http.HandlerFunc(h.ack)).ServeHTTP)
}

type (
	atInput struct {
		At string `query:"at" doc:"RFC 3339 instant; now when empty"`
	}
	onCallList struct {
		OnCall []fireline.OnCallNow `json:"oncall"`
	}
	onCallOutput struct{ Body onCallList }
)

func (h *handler) parseInstant(ctx context.Context, field, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, &fireline.Error{Code: fireline.EInvalid, Message: "invalid " + field,
			Fields: []fireline.FieldError{{Field: field, Message: "want an RFC 3339 instant such as 2026-12-01T09:00:00Z"}}}
	}
	return t, nil
}

func (h *handler) whoIsOnCall(ctx context.Context, in *atInput) (*onCallOutput, error) {
	at, err := h.parseInstant(ctx, "at", in.At, h.now())
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	list, err := h.cfg.OnCall.WhoIsOnCall(ctx, at)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &onCallOutput{Body: onCallList{OnCall: list}}, nil
}

type (
	rangeInput struct {
		From string `query:"from" doc:"RFC 3339; now when empty"`
		To   string `query:"to" doc:"RFC 3339; a week after from when empty"`
	}
	overrideList struct {
		Overrides []fireline.Override `json:"overrides"`
	}
	overridesOutput struct{ Body overrideList }
	overrideInput   struct {
		jsonBody[fireline.OverrideInput]
	}
	overrideOutput struct{ Body *fireline.Override }
	idInput        struct {
		ID string `path:"id"`
	}
)

func (h *handler) listOverrides(ctx context.Context, in *rangeInput) (*overridesOutput, error) {
	from, err := h.parseInstant(ctx, "from", in.From, h.now())
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	to, err := h.parseInstant(ctx, "to", in.To, from.Add(7*24*time.Hour))
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	list, err := h.cfg.OnCall.ListOverrides(ctx, from, to)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &overridesOutput{Body: overrideList{Overrides: nonNil(list)}}, nil
}

func (h *handler) createOverride(ctx context.Context, in *overrideInput) (*overrideOutput, error) {
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	o, err := h.cfg.OnCall.CreateOverride(ctx, body)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &overrideOutput{Body: o}, nil
}

func (h *handler) deleteOverride(ctx context.Context, in *idInput) (*struct{}, error) {
	if err := h.cfg.OnCall.DeleteOverride(ctx, in.ID); err != nil {
		return nil, h.problem(ctx, err)
	}
	return nil, nil
}

type (
	checkInput struct {
		From string `query:"from" doc:"RFC 3339; now when empty"`
		Days int    `query:"days" doc:"how many days ahead to check (1-92, default 7)"`
	}
	readinessBody struct {
		From     time.Time                   `json:"from"`
		To       time.Time                   `json:"to"`
		Problems []fireline.ReadinessProblem `json:"problems"`
	}
	readinessOutput struct{ Body readinessBody }
)

func (h *handler) checkOnCall(ctx context.Context, in *checkInput) (*readinessOutput, error) {
	from, err := h.parseInstant(ctx, "from", in.From, h.now())
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	if in.Days == 0 {
		in.Days = 7
	}
	if in.Days < 1 || in.Days > 92 {
		return nil, h.problem(ctx, &fireline.Error{Code: fireline.EInvalid, Message: "invalid check",
			Fields: []fireline.FieldError{{Field: "days", Message: "must be 1 to 92"}}})
	}
	horizon := time.Duration(in.Days) * 24 * time.Hour
	problems, err := h.cfg.OnCall.Readiness(ctx, from, horizon)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &readinessOutput{Body: readinessBody{From: from.UTC(), To: from.Add(horizon).UTC(), Problems: problems}}, nil
}

type (
	testPageBody struct {
		Person string `json:"person"`
	}
	testPageInput struct {
		jsonBody[testPageBody]
	}
	// testPageResults are a test page's outcomes, one per contact method;
	// Delivered says every method delivered.
	testPageResults struct {
		Person    string                `json:"person"`
		Delivered bool                  `json:"delivered"`
		Results   []fireline.TestResult `json:"results"`
	}
	testPageOutput struct{ Body testPageResults }
)

// testPage answers once every contact method has been tried; a failed
// delivery is in the results, not an error.
func (h *handler) testPage(ctx context.Context, in *testPageInput) (*testPageOutput, error) {
	body, err := in.decode()
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	results, err := h.cfg.OnCall.TestPage(ctx, body.Person)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	out := testPageResults{Person: body.Person, Delivered: true, Results: nonNil(results)}
	for _, r := range results {
		out.Delivered = out.Delivered && r.Delivered
	}
	return &testPageOutput{Body: out}, nil
}

// ackTemplate is the acknowledge link's page: a confirmation with a POST
// button (a GET never changes anything, so link scanners cannot
// acknowledge), then the outcome. It shows the incident's title, severity
// and status when the link's person may see the incident (people paged
// are members of a restricted one), else its id only.
var ackTemplate = template.Must(template.New("ack").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Fireline: acknowledge {{.Incident}}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto">
<h1>{{.Incident}}{{with .Severity}} [{{.}}]{{end}}</h1>
{{with .Title}}<p style="font-size: 1.2rem"><strong>{{.}}</strong>{{with $.Status}} ({{.}}){{end}}</p>{{end}}
{{if .Done}}<p>{{.Message}}</p>
{{else}}<p>Acknowledge {{.Incident}} as <strong>{{.Person}}</strong>? The paging of the on-call stops once it is acknowledged.</p>
<form method="post"><button type="submit" style="font-size: 1.2rem; padding: .5rem 1.5rem">Acknowledge</button></form>
<p><small>This link works until {{.Expires}}.</small></p>{{end}}
</body></html>`))

type ackView struct {
	Incident, Person, Expires, Message string
	Title, Severity, Status            string
	Done                               bool
}

func (h *handler) verifyAck(r *http.Request) (ackView, error) {
	subject, exp, err := h.cfg.Links.Verify(fireline.LinkAcknowledge, r.PathValue("token"), h.now())
	if err != nil {
		return ackView{}, err
	}
	inc, person, ok := fireline.ParseAckSubject(subject)
	if !ok {
		return ackView{}, fireline.Errorf(fireline.ENotFound, "this link is not valid or has expired")
	}
	v := ackView{Incident: inc, Person: person, Expires: exp.Format(time.RFC1123)}
	h.describeAck(r.Context(), &v)
	return v, nil
}

// describeAck adds what the incident is, as far as the link's person may
// see it.
func (h *handler) describeAck(ctx context.Context, v *ackView) {
	as := fireline.NewContextWithActor(ctx, fireline.Actor{Role: fireline.RoleViewer, PersonID: v.Person, TokenID: "ack-link"})
	if inc, err := h.cfg.Incidents.FindIncident(as, v.Incident); err == nil {
		v.Title, v.Severity, v.Status = inc.Title, string(inc.Severity), string(inc.Status)
	}
}

func (h *handler) renderAck(w http.ResponseWriter, status int, v ackView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	ackTemplate.Execute(w, v)
}

// ackPage shows the confirmation for a valid link.
func (h *handler) ackPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.verifyAck(r)
	if err != nil {
		h.renderAck(w, http.StatusNotFound, ackView{Incident: "Link not valid", Done: true, Message: "This acknowledge link is not valid or has expired."})
		return
	}
	h.renderAck(w, http.StatusOK, v)
}

// ack acknowledges the incident as the link's person. The signed link is
// the authority for this one action, so it acts with admin visibility: an
// escalation may page someone who is not (yet) a member of a restricted
// incident.
func (h *handler) ack(w http.ResponseWriter, r *http.Request) {
	v, err := h.verifyAck(r)
	if err != nil {
		h.renderAck(w, http.StatusNotFound, ackView{Incident: "Link not valid", Done: true, Message: "This acknowledge link is not valid or has expired."})
		return
	}
	actor := fireline.Actor{Role: fireline.RoleAdmin, PersonID: v.Person, TokenID: "ack-link"}
	ctx := fireline.NewContextWithActor(r.Context(), actor)
	v.Done = true
	_, err = h.cfg.Incidents.Act(ctx, v.Incident, fireline.Action{Kind: fireline.ActAcknowledge})
	switch fireline.ErrorCode(err) {
	case "":
		v.Message = "Acknowledged. The paging of the on-call has stopped."
		h.describeAck(r.Context(), &v)
		h.renderAck(w, http.StatusOK, v)
	case fireline.EConflict:
		v.Message = fireline.ErrorMessage(err)
		h.renderAck(w, http.StatusConflict, v)
	default:
		v.Message = "Could not acknowledge: " + fireline.ErrorMessage(err)
		h.renderAck(w, statusOf[fireline.ErrorCode(err)], v)
	}
}

type (
	feedInput struct {
		Schedule string `query:"schedule" doc:"a schedule id"`
		Person   string `query:"person" doc:"a person id (give one of schedule and person)"`
	}
	feedURLBody struct {
		Kind fireline.FeedKind `json:"kind"`
		ID   string            `json:"id"`
		URL  string            `json:"url"`
	}
	feedURLOutput struct{ Body feedURLBody }
)

func (h *handler) feedURL(ctx context.Context, in *feedInput) (*feedURLOutput, error) {
	ref := fireline.FeedRef{Kind: fireline.FeedSchedule, ID: in.Schedule}
	if in.Person != "" {
		ref = fireline.FeedRef{Kind: fireline.FeedPerson, ID: in.Person}
	}
	if (in.Schedule == "") == (in.Person == "") {
		return nil, h.problem(ctx, &fireline.Error{Code: fireline.EInvalid, Message: "invalid feed",
			Fields: []fireline.FieldError{{Field: "schedule", Message: "give exactly one of schedule and person"}}})
	}
	u, err := h.cfg.Feeds.FeedURL(ctx, ref)
	if err != nil {
		return nil, h.problem(ctx, err)
	}
	return &feedURLOutput{Body: feedURLBody{Kind: ref.Kind, ID: ref.ID, URL: u}}, nil
}

// feed serves a calendar feed: public, but only at a signed URL. Any bad
// token is a plain 404.
func (h *handler) feed(w http.ResponseWriter, r *http.Request) {
	f, err := h.cfg.Feeds.Feed(r.Context(), strings.TrimSuffix(r.PathValue("token"), ".ics"))
	if err != nil {
		code := statusOf[fireline.ErrorCode(err)]
		if code == 0 || code == http.StatusBadRequest {
			code = http.StatusNotFound
		}
		http.Error(w, fireline.ErrorMessage(err), code)
		return
	}
	w.Header().Set("Content-Type", calfeed.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Write([]byte(calfeed.Render(f, h.now())))
}
