package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/firelinetest"
)

// TestConsoleIntegrations: an admin adds an Alertmanager integration from
// the console and gets its key and URL once, a sender posts with them,
// rotating shows a new key while the old one keeps working, a bad form
// says what is wrong (a probe of an address the outbound guard refuses,
// too), a probe shows how its checks go (here: nothing listens), and
// deleting an integration stops its key.
func TestConsoleIntegrations(t *testing.T) {
	needChromium(t)
	s := startTestServerWith(t, firelinetest.SQLiteDSN(t), func(c *serveConfig) { c.Paging.AllowOutbound = "127.0.0.0/8" })
	_, link := s.newUser(t, "admin", "kai")
	b := newBrowser(t, s.URL(), 1280, 900)
	b.loginWithLink(link)
	b.open("/admin/integrations")
	if !b.has(`header.top a[href="/admin/integrations"][aria-current="page"]`) {
		t.Fatal("no Integrations link in the admin's navigation")
	}
	b.submit(map[string]string{"#i-type": "alertmanager", "#i-service": "api-gateway"}, "#add-integration")
	b.until(`document.querySelector("#integration-key")`)
	key, postURL := b.text("#integration-key"), b.text("#post-url")
	if len(key) != 32 || postURL != s.URL()+"/integrations/alertmanager" {
		t.Fatalf("created: key %q, URL %q", key, postURL)
	}
	body := amMessage(t, "firing", amAlert("firing", "web-1", "warning", s.clock.Now()))
	if code, _, b := s.request(t, "POST", "/integrations/alertmanager", key, body); code != http.StatusOK {
		t.Fatalf("post with the console's key: %d %s", code, b)
	}

	b.open("/admin/integrations")
	id := strings.TrimPrefix(b.attr("tbody tr", "id"), "integration-") // rows carry the integration's id
	b.do(chromedpClick("#rotate-" + id))
	b.until(`document.querySelector("#integration-key") && document.querySelector("#created").innerText.includes("previous key keeps working until")`)
	if rotated := b.text("#integration-key"); rotated == key || len(rotated) != 32 {
		t.Fatalf("rotated key %q (was %q)", rotated, key)
	}
	if code, _, _ := s.request(t, "POST", "/integrations/alertmanager", key, body); code != http.StatusOK {
		t.Fatalf("the old key within its grace period: %d", code)
	}

	b.open("/admin/integrations")
	b.submit(map[string]string{"#i-type": "probe", "#i-service": "web-dashboard"}, "#add-integration")
	b.until(`document.querySelector(".error") && document.querySelector(".error").innerText.includes("has no health_url")`)
	b.submit(map[string]string{"#i-type": "probe", "#i-service": "web-dashboard", "#i-url": "http://10.0.0.5/health", "#i-interval": "30s"}, "#add-integration")
	b.until(`document.querySelector(".error") && document.querySelector(".error").innerText.includes("10.0.0.5 is a private address; the outbound guard refuses it unless the server runs with --allow-outbound 10.0.0.0/8")`)
	b.submit(map[string]string{"#i-type": "probe", "#i-service": "web-dashboard", "#i-url": "http://127.0.0.1:9/health", "#i-interval": "30s"}, "#add-integration")
	b.until(`document.querySelector("#created") && document.querySelector("#created").innerText.includes("every 30s")`)
	// The probe checks in the background; reload the page until it shows.
	reload := false
	firelinetest.EventuallyEvery(t, 20*time.Second, 100*time.Millisecond, func() error {
		if reload {
			b.open("/admin/integrations")
		}
		reload = true
		if page := b.mainText(); !strings.Contains(page, "127.0.0.1:9: connect: connection refused") {
			return fmt.Errorf("the probe's failed check is not shown:\n%s", page)
		}
		return nil
	})
	if !b.has(".check-failing") {
		t.Error("no failing badge for the refused probe")
	}

	b.do(chromedpClick("#delete-" + id))
	b.until(`location.pathname === "/admin/integrations" && !document.querySelector("#integration-` + id + `")`)
	if code, _, _ := s.request(t, "POST", "/integrations/alertmanager", key, body); code != http.StatusUnauthorized {
		t.Fatalf("a deleted integration's key: %d, want 401", code)
	}
	// A field the type does not take is refused, not dropped.
	admin := s.session(t, "admin", "casey")
	r := s.console(t, "POST", "/admin/integrations", admin, url.Values{"type": {"alertmanager"}, "service": {"api-gateway"}, "url": {"https://x.example/health"}})
	page, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "only probe integrations take a URL") {
		t.Errorf("an Alertmanager integration with a health URL: %d", r.StatusCode)
	}
	viewer := s.session(t, "viewer", "jordan")
	if resp := s.console(t, "GET", "/admin/integrations", viewer, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer opening the integrations page: %d, want 403", resp.StatusCode)
	}
}
