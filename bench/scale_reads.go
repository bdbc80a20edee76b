package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// scaleRequest is one kind of request the bench times.
type scaleRequest struct {
	name, path string
	console    bool // with the session cookie, else the bearer token
}

func scaleRequests(timeline int) []scaleRequest {
	events := strconv.Itoa(timeline/1000) + "k events"
	if timeline < 1000 {
		events = strconv.Itoa(timeline) + " events"
	}
	return []scaleRequest{
		{scaleGetIncident, "/api/v1/incidents/INC-2", false},
		{"search, common word (API)", "/api/v1/incidents?q=" + scaleCommonWord, false},
		{"search, rare word (API)", "/api/v1/incidents?q=" + scaleRareWord, false},
		{"search, common word (console)", "/incidents?q=" + scaleCommonWord, true},
		{"/metrics", "/metrics", false},
		{"incident-counts", "/api/v1/incident-counts", false},
		{"dashboard", "/", true},
		{"closed list, limit=10 (recently resolved)", "/api/v1/incidents?open=false&limit=10", false},
		{"open list", "/api/v1/incidents?open=true", false},
		{"API timeline page (" + events + ")", "/api/v1/incidents/INC-1/timeline", false},
		{"console incident page (" + events + ")", "/incidents/INC-1", true},
		{scaleReportPage, "/reports", true},
		{"report (API), P2 on api-gateway", "/api/v1/reports?severity=P2&service=api-gateway", false},
		{"report CSV (API), by day", "/api/v1/reports.csv?period=day", false},
	}
}

// timeReads starts a server on the database (no job runner: the seeded
// open incidents page no one) and times each request.
func timeReads(ctx context.Context, cfg ScaleConfig, name, dsn, admin string, size int, log io.Writer) ([]scaleRow, error) {
	srv, err := cfg.Start(ctx, ServerConfig{DB: dsn, BootstrapToken: admin, NoJobRunner: true})
	if err != nil {
		return nil, err
	}
	defer srv.Close(context.Background())
	token, cookie, err := scaleViewer(ctx, srv.URL(), admin)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Minute}
	var rows []scaleRow
	for _, rq := range scaleRequests(cfg.Timeline) {
		get := func() (int, error) { return scaleGet(ctx, client, srv.URL()+rq.path, token, cookie, rq.console) }
		for range 10 { // warm caches and connections
			if _, err := get(); err != nil {
				return nil, fmt.Errorf("%s: %w", rq.name, err)
			}
		}
		lat := make([]time.Duration, 0, cfg.Requests)
		var size0 int
		for range cfg.Requests {
			t0 := time.Now()
			n, err := get()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rq.name, err)
			}
			lat, size0 = append(lat, time.Since(t0)), n
		}
		r := scaleRow{db: name, request: rq.name, size: size, p50: percentile(lat, .5), p99: percentile(lat, .99), bytes: size0}
		fmt.Fprintf(log, "%s: %d incidents: %s: p50 %.2f ms, p99 %.2f ms, %d KB\n", name, size, rq.name, ms(r.p50), ms(r.p99), r.bytes/1024)
		rows = append(rows, r)
	}
	return rows, nil
}

// scaleViewer makes the viewer the requests act as: a token and a console
// session, for a person who is a member of no incident.
func scaleViewer(ctx context.Context, base, admin string) (token, cookie string, err error) {
	api := web.NewClient(base, admin)
	_, secret, err := api.CreateToken(ctx, fireline.TokenInput{Name: "bench viewer", Role: fireline.RoleViewer, PersonID: "jordan"})
	if err != nil {
		return "", "", err
	}
	suffix := strings.ToLower(rand.Text()[:8])
	_, link, err := api.CreateUser(ctx, fireline.UserInput{Email: "bench-" + suffix + "@example.com", Name: "Bench", Role: fireline.RoleViewer, PersonID: "jordan"})
	if err != nil {
		return "", "", err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login/link", url.Values{"token": {link.Secret}})
	if err != nil {
		return "", "", err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "fireline_session" {
			return secret, ck.Value, nil
		}
	}
	return "", "", fmt.Errorf("no session from the login link: %s", resp.Status)
}

// scaleGet makes one request and reads the whole answer; it returns its
// size.
func scaleGet(ctx context.Context, c *http.Client, u, token, cookie string, console bool) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	if console {
		req.AddCookie(&http.Cookie{Name: "fireline_session", Value: cookie})
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return int(n), err
}
