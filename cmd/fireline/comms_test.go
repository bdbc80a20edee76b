package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// Canaries: text that must never reach the public page, its feeds or its
// JSON (an internal note, a restricted incident's title and note).
const (
	canaryNote       = "CANARY-NOTE-7f3a internal only"
	canaryRestricted = "CANARY-RESTRICTED-91c2 keys leaked"
	canaryRestrNote  = "CANARY-RESTRNOTE-55d0 attacker ip"
)

// publicScenario is a P2 on the API gateway with a public update drafted
// by alex and approved by jordan (its communications liaison) five
// minutes after declaration, an internal note, a restricted P1 with a
// note, and public maintenance of the Auth Service in two hours.
type publicScenario struct {
	*pagingServer
	alex, jordan, viewer string
	id, restricted       string
	t0                   time.Time
}

func startPublicScenario(t *testing.T, dsn string, at time.Time) *publicScenario {
	t.Helper()
	s := &publicScenario{pagingServer: startCommsServer(t, dsn, at), t0: at}
	s.alex, s.jordan = s.newToken(t, "responder", "alex"), s.newToken(t, "responder", "jordan")
	s.viewer = s.newToken(t, "viewer", "blake")
	var inc fireline.Incident
	s.cliJSON(t, s.alex, &inc, "incident", "declare", "--title", "API gateway 502s", "--severity", "P2", "--service", "api-gateway")
	s.id = inc.ID
	s.mustCLI(t, s.alex, "incident", "assign", s.id, "--role", "communications_liaison", "--person", "jordan")
	s.mustCLI(t, s.alex, "incident", "note", s.id, canaryNote)
	s.cliJSON(t, s.alex, &inc, "incident", "declare", "--title", canaryRestricted, "--severity", "P1", "--source", "security", "--service", "api-gateway")
	s.restricted = inc.ID
	s.mustCLI(t, s.alex, "incident", "note", s.restricted, canaryRestrNote)
	out := s.mustCLI(t, s.alex, "incident", "public-update", s.id, "--status", "identified", "--component", "api-gateway=partial_outage",
		"--name", "Elevated API errors", "--text", "We found the cause of elevated API errors and are rolling back.")
	if !strings.Contains(out, "draft") {
		t.Fatalf("public-update printed:\n%s", out)
	}
	s.advance(t, 5*time.Minute)
	s.mustCLI(t, s.jordan, "incident", "approve-update", s.id, "1")
	from := at.Add(5*time.Minute + 2*time.Hour).Format(time.RFC3339)
	s.mustCLI(t, s.alex, "maintenance", "create", "--service", "auth-service", "--start", from, "--end", "1h", "--reason", "Auth database upgrade", "--public")
	s.mustCLI(t, s.alex, "maintenance", "create", "--service", "postgres-database", "--start", from, "--end", "1h", "--reason", "CANARY-MAINT-0c1d internal rack move")
	return s
}

func (s *publicScenario) get(t *testing.T, path string) []byte {
	t.Helper()
	code, h, body := s.request(t, "GET", path, "", "")
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if strings.HasPrefix(path, "/api/v2/") || strings.HasPrefix(path, "/history.") {
		if h.Get("Access-Control-Allow-Origin") != "*" || h.Get("ETag") == "" || !strings.Contains(h.Get("Cache-Control"), "max-age=") {
			t.Errorf("GET %s headers: %v", path, h)
		}
	}
	return body
}

// TestPublicUpdateApproval: a draft waits for the commander or liaison;
// a viewer is refused by the route (403), a responder who holds neither
// role by the policy (403 naming the roles); approval publishes; every
// step is on the timeline; a restricted incident gets no public update.
func TestPublicUpdateApproval(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startCommsServer(t, dsn, businessHours)
		alex, jordan, viewer := s.newToken(t, "responder", "alex"), s.newToken(t, "responder", "jordan"), s.newToken(t, "viewer", "blake")
		var inc fireline.Incident
		s.cliJSON(t, alex, &inc, "incident", "declare", "--title", "API gateway 502s", "--severity", "P1", "--service", "api-gateway")
		s.mustCLI(t, alex, "incident", "assign", inc.ID, "--role", "communications_liaison", "--person", "jordan")
		s.mustCLI(t, alex, "incident", "public-update", inc.ID, "--status", "investigating")
		code, _, body := s.request(t, "POST", "/api/v1/incidents/"+inc.ID+"/public-updates/1/approve", viewer, "")
		if code != http.StatusForbidden {
			t.Fatalf("a viewer approving: %d %s", code, body)
		}
		code, _, body = s.request(t, "POST", "/api/v1/incidents/"+inc.ID+"/public-updates/1/approve", alex, "")
		if code != http.StatusForbidden || !strings.Contains(string(body), "Incident Commander or Communications Liaison") {
			t.Fatalf("a responder who is neither commander nor liaison approving: %d %s", code, body)
		}
		if r := s.cli(t, alex, "incident", "approve-update", inc.ID, "1"); r.code != 1 || !strings.Contains(r.stderr, "may approve") {
			t.Fatalf("CLI approval by alex: %+v", r)
		}
		if strings.Contains(string(s.getPublic(t, "/api/v2/incidents.json")), "API gateway") {
			t.Fatal("a draft is on the public page")
		}
		out := s.mustCLI(t, jordan, "incident", "approve-update", inc.ID, "1")
		if !strings.Contains(out, "published") || !strings.Contains(out, "on time") {
			t.Fatalf("approve-update printed:\n%s", out)
		}
		types := s.timelineTypes(t, inc.ID)
		for _, typ := range []fireline.EventType{fireline.EventUpdateDrafted, fireline.EventUpdateApproved, fireline.EventUpdatePublished} {
			if types[typ] != 1 {
				t.Errorf("timeline %v: want one %s", types, typ)
			}
		}
		if !strings.Contains(string(s.getPublic(t, "/api/v2/incidents.json")), `"name":"API gateway 502s"`) {
			t.Fatal("the approved update is not public")
		}
		s.mustCLI(t, alex, "incident", "public-update", inc.ID, "--status", "monitoring")
		s.mustCLI(t, jordan, "incident", "reject-update", inc.ID, "2", "--reason", "not yet")
		var pu struct {
			Updates []fireline.PublicUpdate `json:"updates"`
		}
		s.cliJSON(t, viewer, &pu, "incident", "public-updates", inc.ID)
		if len(pu.Updates) != 2 || pu.Updates[1].State != fireline.UpdateRejected || pu.Updates[1].Reason != "not yet" {
			t.Fatalf("updates = %+v", pu.Updates)
		}
		// A P3 publishes when drafted; a restricted incident never does.
		s.cliJSON(t, alex, &inc, "incident", "declare", "--title", "Slow dashboard", "--severity", "P3", "--service", "web-dashboard")
		s.cliJSON(t, alex, &pu, "incident", "public-updates", inc.ID)
		s.mustCLI(t, alex, "incident", "public-update", inc.ID)
		s.cliJSON(t, alex, &pu, "incident", "public-updates", inc.ID)
		if len(pu.Updates) != 1 || pu.Updates[0].State != fireline.UpdatePublished {
			t.Fatalf("P3 update = %+v", pu.Updates)
		}
		s.cliJSON(t, alex, &inc, "incident", "declare", "--title", "keys", "--severity", "P1", "--source", "security", "--service", "api-gateway")
		if r := s.cli(t, alex, "incident", "public-update", inc.ID); r.code != 1 || !strings.Contains(r.stderr, "restricted") {
			t.Fatalf("public update of a restricted incident: %+v", r)
		}
		if v := s.verify(t, alex, inc.ID); !v {
			t.Fatal("stored timeline does not verify")
		}
	})
}

func (s *pagingServer) getPublic(t *testing.T, path string) []byte {
	t.Helper()
	code, _, body := s.request(t, "GET", path, "", "")
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return body
}

func (s *pagingServer) verify(t *testing.T, token, id string) bool {
	var v fireline.Verification
	s.cliJSON(t, token, &v, "incident", "verify", "--stored", id)
	return v.OK
}

// TestStatuspageJSON compares every Statuspage v2 document, field by
// field, with the document Atlassian's format describes for the scenario
// (written out below by hand); ids are 12 characters of a-z0-9, the same
// wherever they appear.
func TestStatuspageJSON(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startPublicScenario(t, dsn, businessHours)
		var comps struct {
			Components []map[string]any `json:"components"`
		}
		json.Unmarshal(s.get(t, "/api/v2/components.json"), &comps)
		ids := map[string]string{}
		idRE := regexp.MustCompile(`^[a-z0-9]{12}$`)
		for _, c := range comps.Components {
			ids[c["name"].(string)] = c["id"].(string)
		}
		var incs struct {
			Incidents []map[string]any `json:"incidents"`
		}
		json.Unmarshal(s.get(t, "/api/v2/incidents.json"), &incs)
		if len(incs.Incidents) != 1 {
			t.Fatalf("incidents.json: %d incidents, want the one with a published update", len(incs.Incidents))
		}
		ids["incident"] = incs.Incidents[0]["id"].(string)
		ids["update"] = incs.Incidents[0]["incident_updates"].([]any)[0].(map[string]any)["id"].(string)
		var maint struct {
			Sched []map[string]any `json:"scheduled_maintenances"`
		}
		json.Unmarshal(s.get(t, "/api/v2/scheduled-maintenances.json"), &maint)
		if len(maint.Sched) != 1 {
			t.Fatalf("scheduled maintenances: %d, want the public one", len(maint.Sched))
		}
		ids["maintenance"] = maint.Sched[0]["id"].(string)
		ids["maintenance-update"] = maint.Sched[0]["incident_updates"].([]any)[0].(map[string]any)["id"].(string)
		for name, id := range ids {
			if !idRE.MatchString(id) {
				t.Errorf("id of %s = %q, want 12 characters of a-z0-9", name, id)
			}
		}
		loc, _ := time.LoadLocation("America/New_York")
		y, m, d := businessHours.In(loc).Date()
		ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
		data := map[string]any{"Base": s.URL(), "ID": ids,
			"Since": ts(time.Date(y, m, d+1-fireline.UptimeDays, 0, 0, 0, 0, loc)), "T0": ts(businessHours),
			"T5": ts(businessHours.Add(5 * time.Minute)), "M0": ts(businessHours.Add(5*time.Minute + 2*time.Hour)),
			"M1": ts(businessHours.Add(5*time.Minute + 3*time.Hour))}
		for _, path := range []string{"summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
			"scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json"} {
			var got, want any
			if err := json.Unmarshal(s.get(t, "/api/v2/"+path), &got); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			var b bytes.Buffer
			if err := template.Must(template.New(path).Parse(expectedStatuspage[path])).Execute(&b, data); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b.Bytes(), &want); err != nil {
				t.Fatalf("expected %s: %v\n%s", path, err, b.String())
			}
			for _, diff := range jsonDiff("", want, got) {
				t.Errorf("%s: %s", path, diff)
			}
		}
		// The ETag answers a conditional request with 304.
		code, h, _ := s.request(t, "GET", "/api/v2/summary.json", "", "")
		req, _ := http.NewRequest("GET", s.URL()+"/api/v2/summary.json", nil)
		req.Header.Set("If-None-Match", h.Get("ETag"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || code != 200 || resp.StatusCode != http.StatusNotModified {
			t.Fatalf("conditional GET: %v %d", err, resp.StatusCode)
		}
		resp.Body.Close()
	})
}

// jsonDiff lists where got differs from want, field by field.
func jsonDiff(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %v, want an object", path, got)}
		}
		var out []string
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, gok := g[k]
			wv, wok := w[k]
			switch {
			case !gok:
				out = append(out, fmt.Sprintf("%s.%s: missing, want %v", path, k, wv))
			case !wok:
				out = append(out, fmt.Sprintf("%s.%s: unexpected field (%v)", path, k, gv))
			default:
				out = append(out, jsonDiff(path+"."+k, wv, gv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %v, want %d items", path, got, len(w))}
		}
		var out []string
		for i := range w {
			out = append(out, jsonDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
	}
	return nil
}

// TestStatusFeeds parses the feeds back: an Atom feed (RFC 4287: id,
// title, updated, author, a self link; each entry an id, title, updated,
// an alternate link and content) and an RSS 2.0 channel (title, link,
// description; each item a title, link, description, a guid that is not
// a permalink and an RFC 1123 pubDate), one entry per published update,
// with ids that stay the same as the history grows.
func TestStatusFeeds(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startPublicScenario(t, dsn, businessHours)
		atom1 := parseAtom(t, s.get(t, "/history.atom"))
		if len(atom1.Entries) != 1 {
			t.Fatalf("atom entries: %d, want 1", len(atom1.Entries))
		}
		s.mustCLI(t, s.jordan, "incident", "public-update", s.id, "--status", "monitoring", "--text", "Rolled back; watching error rates.")
		s.mustCLI(t, s.jordan, "incident", "approve-update", s.id, "2")
		atom := parseAtom(t, s.get(t, "/history.atom"))
		if atom.XMLName.Space != "http://www.w3.org/2005/Atom" || atom.ID == "" || atom.Title == "" || atom.Author.Name == "" || atom.Updated == "" {
			t.Fatalf("atom feed head: %+v", atom)
		}
		self := false
		for _, l := range atom.Links {
			self = self || (l.Rel == "self" && l.Href == s.URL()+"/history.atom")
		}
		if !self {
			t.Errorf("atom feed has no self link: %+v", atom.Links)
		}
		if len(atom.Entries) != 2 || atom.Entries[0].Title != "Elevated API errors: Monitoring" || atom.Entries[1].ID != atom1.Entries[0].ID {
			t.Fatalf("atom entries: %+v (the first's id was %s)", atom.Entries, atom1.Entries[0].ID)
		}
		for _, e := range atom.Entries {
			if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || !strings.HasPrefix(e.ID, "urn:uuid:") || e.Link.Rel != "alternate" ||
				!strings.HasPrefix(e.Link.Href, s.URL()+"/status/incidents/") || e.Content == "" {
				t.Errorf("atom entry: %+v", e)
			}
		}
		var rss struct {
			XMLName xml.Name `xml:"rss"`
			Version string   `xml:"version,attr"`
			Channel struct {
				Title string `xml:"title"`
				// The channel's link and the atom:link to itself.
				Links []struct {
					XMLName xml.Name
					Value   string `xml:",chardata"`
				} `xml:"link"`
				Description string `xml:"description"`
				Items       []struct {
					Title       string `xml:"title"`
					Link        string `xml:"link"`
					Description string `xml:"description"`
					PubDate     string `xml:"pubDate"`
					GUID        struct {
						IsPermaLink string `xml:"isPermaLink,attr"`
						Value       string `xml:",chardata"`
					} `xml:"guid"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		if err := xml.Unmarshal(s.get(t, "/history.rss"), &rss); err != nil {
			t.Fatal(err)
		}
		c := rss.Channel
		link := ""
		for _, l := range c.Links {
			if l.XMLName.Space == "" {
				link = l.Value
			}
		}
		if rss.Version != "2.0" || c.Title == "" || link != s.URL()+"/status" || c.Description == "" || len(c.Items) != 2 {
			t.Fatalf("rss channel: %+v", rss)
		}
		for i, it := range c.Items {
			if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil || it.GUID.IsPermaLink != "false" || it.GUID.Value != atom.Entries[i].ID ||
				it.Title == "" || it.Description == "" || it.Link == "" {
				t.Errorf("rss item: %+v (%v)", it, err)
			}
		}
	})
}

type atomDoc struct {
	XMLName xml.Name `xml:"feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content string `xml:"content"`
	} `xml:"entry"`
}

func parseAtom(t *testing.T, b []byte) atomDoc {
	t.Helper()
	var a atomDoc
	if err := xml.Unmarshal(b, &a); err != nil {
		t.Fatalf("atom: %v\n%s", err, b)
	}
	return a
}

// TestPublicPagesCanary: no internal note, no restricted incident, no
// private maintenance and no draft reaches any public document; the
// cache is dropped by each commit that could change the page.
func TestPublicPagesCanary(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startPublicScenario(t, dsn, businessHours)
		s.mustCLI(t, s.alex, "incident", "public-update", s.id, "--status", "monitoring", "--text", "CANARY-DRAFT-aa01 not approved")
		paths := []string{"/status", "/status/history", "/history.atom", "/history.rss"}
		for _, p := range statusDocPaths() {
			paths = append(paths, "/api/v2/"+p)
		}
		var incs struct {
			Incidents []struct{ Shortlink string } `json:"incidents"`
		}
		json.Unmarshal(s.get(t, "/api/v2/incidents.json"), &incs)
		paths = append(paths, strings.TrimPrefix(incs.Incidents[0].Shortlink, s.URL()))
		for _, p := range paths {
			body := string(s.get(t, p))
			for _, canary := range []string{"CANARY", s.restricted, "INC-", "alex", "jordan"} {
				if strings.Contains(body, canary) {
					t.Errorf("GET %s contains %q", p, canary)
				}
			}
		}
		if !strings.Contains(string(s.get(t, "/status")), "Elevated API errors") {
			t.Error("the public page lacks the published incident")
		}
		// A commit invalidates the cache: the next approval shows at once.
		s.mustCLI(t, s.jordan, "incident", "reject-update", s.id, "2")
		s.mustCLI(t, s.jordan, "incident", "public-update", s.id, "--status", "resolved", "--text", "All clear.")
		s.mustCLI(t, s.jordan, "incident", "approve-update", s.id, "3")
		if !strings.Contains(string(s.get(t, "/status")), "All clear.") {
			t.Error("the published update is not on the page at once")
		}
		code, _, body := s.request(t, "GET", "/status/incidents/zzzzzzzzzzzz", "", "")
		if code != http.StatusNotFound || strings.Contains(string(body), "CANARY") {
			t.Errorf("an unknown public incident: %d", code)
		}
	})
}

func statusDocPaths() []string {
	return []string{"summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
		"scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json"}
}
