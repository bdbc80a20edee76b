package soak

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/fireline-dev/fireline"
)

// canaryHunt is S2 over every surface: a restricted incident is declared
// with a unique canary string in its title, description, a note and a
// security alert (a warning, which pages nobody beyond the on-call
// engineer); then every API operation of the server's OpenAPI
// document and every console and public route (and every link those
// pages show) is requested as an API viewer, an API responder, a console
// viewer, a console responder (none of them members) and anonymously.
// The canary must appear in no answer, header or body. An admin must see
// it, or the hunt would be blind.
func canaryHunt(ctx context.Context, r *run, res *Result) {
	f, err := r.newFixture("canary", "")
	if err != nil {
		res.fail("%v", err)
		return
	}
	defer f.close()
	p, err := r.serve(ctx, f)
	if err != nil {
		res.fail("%v", err)
		return
	}
	h := &hunter{base: p.URL, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if err := h.plant(ctx, p); err != nil {
		res.fail("planting the canary: %v", err)
		return
	}
	ids, err := h.identities(ctx, p)
	if err != nil {
		res.fail("making the hunters: %v", err)
		return
	}
	ops, err := h.operations(ctx)
	if err != nil {
		res.fail("reading the OpenAPI document: %v", err)
		return
	}
	for _, who := range ids {
		h.huntAPI(ctx, who, ops)
		h.huntConsole(ctx, who)
	}
	res.count("%d API operations, %d requests as %d identities, canary seen %d times", len(ops), h.requests, len(ids), len(h.leaks))
	h.control(ctx, p, ops, res)
	for i, l := range h.leaks {
		if i == 20 {
			res.fail("and %d more", len(h.leaks)-20)
			break
		}
		res.fail("canary leaked: %s", l)
	}
}

// plant declares the restricted incident and puts the canary everywhere
// in it; then checks an admin sees it.
func (h *hunter) plant(ctx context.Context, p *proc) error {
	b := make([]byte, 8)
	rand.Read(b)
	h.canary = "CANARY" + hex.EncodeToString(b)
	// Searches look for a word of the title that is not the canary:
	// pages that show what was searched for must not count as leaks.
	h.word = "soakword" + hex.EncodeToString(b[:3])
	restricted := true
	c := admin(p)
	inc, err := c.DeclareIncident(ctx, fireline.DeclareInput{Title: "Credential stuffing " + h.word + " " + h.canary, Severity: fireline.P3,
		Source: fireline.SourceSecurity, Description: "Seen from " + h.canary, Services: []string{"api-gateway"}, Restricted: &restricted})
	if err != nil {
		return err
	}
	h.incident = inc.ID
	if _, err := c.Act(ctx, inc.ID, fireline.Action{Kind: fireline.ActAddNote, NoteKind: fireline.NoteFinding, Text: "Finding " + h.canary}); err != nil {
		return err
	}
	if err := h.securityAlert(ctx, p); err != nil {
		return err
	}
	admin := identity{name: "admin", token: adminToken}
	if _, body := h.do(ctx, admin, "GET", "/api/v1/incidents/"+inc.ID, ""); !strings.Contains(body, h.canary) {
		return fmt.Errorf("an admin does not see the canary in %s: the hunt would be blind", inc.ID)
	}
	return nil
}

// securityAlert posts an alert with the canary through a security
// integration (restricted, like everything from security monitoring).
func (h *hunter) securityAlert(ctx context.Context, p *proc) error {
	in, err := admin(p).CreateIntegration(ctx, fireline.IntegrationInput{Name: "soak-siem", Type: fireline.IntegrationGeneric,
		Service: "api-gateway", Source: fireline.SourceSecurity})
	if err != nil {
		return err
	}
	body := fmt.Sprintf(`[{"summary":"Impossible travel %[2]s %[1]s","dedup_key":"siem-%[1]s","severity":"warning","labels":{"user":"%[1]s"}}]`, h.canary, h.word)
	code, answer := h.do(ctx, identity{name: "siem", token: in.Key}, "POST", "/integrations/generic", body)
	if code/100 != 2 {
		return fmt.Errorf("the security alert: %d %s", code, answer)
	}
	return nil
}

// identities makes the hunters: anonymous, API tokens and console
// sessions of a viewer and a responder, none of them members.
func (h *hunter) identities(ctx context.Context, p *proc) ([]identity, error) {
	ids := []identity{{name: "anonymous"}}
	c := admin(p)
	for _, role := range []fireline.Role{fireline.RoleViewer, fireline.RoleResponder} {
		_, secret, err := c.CreateToken(ctx, fireline.TokenInput{Name: "soak-" + string(role), Role: role, Automation: "soak-" + string(role)})
		if err != nil {
			return nil, err
		}
		ids = append(ids, identity{name: "API " + string(role), token: secret})
	}
	for role, person := range map[fireline.Role]string{fireline.RoleViewer: "jordan", fireline.RoleResponder: "finley"} {
		cookie, err := h.session(ctx, p, role, person)
		if err != nil {
			return nil, err
		}
		ids = append(ids, identity{name: "console " + string(role), cookie: cookie})
	}
	return ids, nil
}

// control hunts the same routes (reads only) as an admin, who may see
// the incident: the canary must show up on many of them, or the hunt
// would pass without having looked where the incident is shown.
func (h *hunter) control(ctx context.Context, p *proc, ops []operation, res *Result) {
	cookie, err := h.session(ctx, p, fireline.RoleAdmin, "kai")
	if err != nil {
		res.fail("the admin control: %v", err)
		return
	}
	var reads []operation
	for _, op := range ops {
		if op.method == "GET" {
			reads = append(reads, op)
		}
	}
	leaks := h.leaks
	for _, who := range []identity{{name: "admin", token: adminToken, control: true}, {name: "console admin", cookie: cookie, control: true}} {
		h.huntAPI(ctx, who, reads)
		h.huntConsole(ctx, who)
	}
	seen := h.seenByControl
	h.leaks = leaks
	res.count("an admin sees it in %d answers", seen)
	if seen < 10 {
		res.fail("an admin sees the canary in only %d answers: the hunt is not looking where the incident is shown", seen)
	}
}

// session makes a console user and signs in with their login link.
func (h *hunter) session(ctx context.Context, p *proc, role fireline.Role, person string) (string, error) {
	_, link, err := admin(p).CreateUser(ctx, fireline.UserInput{Email: "soak-" + person + "@example.com", Name: "Soak " + person, Role: role, PersonID: person})
	if err != nil {
		return "", err
	}
	form := url.Values{"token": {link.Secret}}
	req, _ := http.NewRequestWithContext(ctx, "POST", h.base+"/login/link", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := h.client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "fireline_session" && ck.Value != "" {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("signing in as a %s: %d and no session cookie", role, resp.StatusCode)
}
