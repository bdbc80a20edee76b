package notify

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Guard refuses connections to private, loopback, link-local, CGNAT,
// multicast and unspecified addresses (and IPv4-mapped forms of them),
// unless an administrator allowed the range. It checks the resolved
// address at connect time, which also defeats DNS rebinding.
type Guard struct {
	Allow []netip.Prefix
}

// ParseAllow reads a comma-separated list of CIDR prefixes (or
// addresses), such as "127.0.0.0/8,10.1.2.3".
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range splitComma(s) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("invalid address or CIDR %q", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96", "2001:db8::/32"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Allowed reports whether a connection to addr may be made.
func (g *Guard) Allowed(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range g.Allow {
		if p.Contains(addr) {
			return true
		}
	}
	for _, p := range blocked {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// control is the net.Dialer Control hook that enforces the guard.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("guarded dialer: %v", err)
	}
	if !g.Allowed(ap.Addr()) {
		return fmt.Errorf("guarded dialer: connections to %s are not allowed (private, loopback or link-local; an administrator can allow the range)", ap.Addr())
	}
	return nil
}

// Dialer returns a dialer that enforces the guard.
func (g *Guard) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Control: g.control}
}

// HTTPClient returns a client that dials through the guard, never follows
// redirects and gives up after timeout.
func (g *Guard) HTTPClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:           g.Dialer(10 * time.Second).DialContext,
		Proxy:                 nil,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// DialContext dials through the guard (for SMTP).
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return g.Dialer(10*time.Second).DialContext(ctx, network, address)
}

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
