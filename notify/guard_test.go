package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline/notify"
)

// TestGuardRefusalNamesTheFix: a refused connection says which address,
// what kind it is, and the --allow-outbound range that would allow it;
// allowing that range lets the same request through.
func TestGuardRefusalNamesTheFix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	_, err := (&notify.Guard{}).DialContext(context.Background(), "tcp", addr)
	want := "refusing to connect to " + addr + ": loopback address; allow it with --allow-outbound 127.0.0.0/8 (FIRELINE_ALLOW_OUTBOUND)"
	var refused *notify.RefusedError
	if !errors.As(err, &refused) || refused.Error() != want {
		t.Fatalf("dial: %v\nwant an error ending %q", err, want)
	}
	_, err = (&notify.Guard{}).HTTPClient(5 * time.Second).Get(srv.URL)
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("HTTP through the guard: %v\nwant it to end %q", err, want)
	}

	allow, err := notify.ParseAllow("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&notify.Guard{Allow: allow}).HTTPClient(5 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("with the range allowed: %v", err)
	}
	resp.Body.Close()
}

func TestGuardRefusal(t *testing.T) {
	tests := []struct {
		addr, allow, kind, prefix string
	}{
		{addr: "10.1.2.3", kind: "private", prefix: "10.0.0.0/8"},
		{addr: "::ffff:10.1.2.3", kind: "private", prefix: "10.0.0.0/8"},
		{addr: "192.168.1.20", kind: "private", prefix: "192.168.0.0/16"},
		{addr: "169.254.169.254", kind: "link-local", prefix: "169.254.0.0/16"},
		{addr: "::1", kind: "loopback", prefix: "::1/128"},
		{addr: "fe80::1", kind: "link-local", prefix: "fe80::/10"},
		{addr: "100.64.0.1", kind: "shared (CGNAT)", prefix: "100.64.0.0/10"},
		{addr: "10.1.2.3", allow: "10.1.0.0/16"},
		{addr: "127.0.0.1", allow: "127.0.0.1"},
		{addr: "93.184.215.14"},
		{addr: "2606:4700::1"},
	}
	for _, tt := range tests {
		allow, err := notify.ParseAllow(tt.allow)
		if err != nil {
			t.Fatal(err)
		}
		g := &notify.Guard{Allow: allow}
		r, refused := g.Refusal(netip.MustParseAddr(tt.addr))
		if refused != (tt.kind != "") || r.Kind != tt.kind || (refused && r.Prefix.String() != tt.prefix) {
			t.Errorf("%s (allow %q): refused %v %+v, want %q %s", tt.addr, tt.allow, refused, r, tt.kind, tt.prefix)
		}
		if g.Allowed(netip.MustParseAddr(tt.addr)) == refused {
			t.Errorf("%s: Allowed disagrees with Refusal", tt.addr)
		}
	}
	if _, err := notify.ParseAllow("10.0.0.0/8,nonsense"); err == nil {
		t.Error("ParseAllow accepted nonsense")
	}
}
