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

	"github.com/fireline-dev/fireline"
)

// Guard refuses connections to private, loopback, link-local, CGNAT,
// multicast and unspecified addresses (and IPv4-mapped forms of them;
// fireline.Blocked lists them), unless an administrator allowed the range
// with --allow-outbound. It checks the resolved address at connect time,
// which also defeats DNS rebinding.
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

// Allowed reports whether a connection to addr may be made.
func (g *Guard) Allowed(addr netip.Addr) bool {
	_, refused := g.Refusal(addr)
	return !refused
}

// Refusal returns the blocked range that holds addr when the guard refuses
// a connection to it.
func (g *Guard) Refusal(addr netip.Addr) (fireline.BlockedRange, bool) {
	addr = addr.Unmap()
	for _, p := range g.Allow {
		if p.Contains(addr) {
			return fireline.BlockedRange{}, false
		}
	}
	return fireline.Blocked(addr)
}

// LookupTimeout bounds each name lookup of Check.
const LookupTimeout = 2 * time.Second

// Check says whether the guard refuses host (a name or an address) before
// anything connects: a name is refused when every address it resolves to
// is, as the dialer tries them all. A name that does not resolve now is
// not reported; the guard checks again when something connects.
func (g *Guard) Check(ctx context.Context, host string) *fireline.OutboundRefusal {
	addrs, err := lookup(ctx, host)
	if err != nil {
		return nil
	}
	var first *fireline.OutboundRefusal
	for _, a := range addrs {
		rg, refused := g.Refusal(a)
		if !refused {
			return nil
		}
		if first == nil {
			first = &fireline.OutboundRefusal{Host: host, Addr: a.Unmap(), Range: rg}
		}
	}
	return first
}

// lookup returns the addresses of host: itself when it is an address.
func lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, LookupTimeout)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// RefusedError is the guard's refusal of a connection; it names the range
// to allow, so whoever reads it knows the fix.
type RefusedError struct {
	Address string // host:port as dialled
	Range   fireline.BlockedRange
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refusing to connect to %s: %s address; allow it with --allow-outbound %s (FIRELINE_ALLOW_OUTBOUND)",
		e.Address, e.Range.Kind, e.Range.Prefix)
}

// control is the net.Dialer Control hook that enforces the guard.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("guarded dialer: %v", err)
	}
	if r, refused := g.Refusal(ap.Addr()); refused {
		return &RefusedError{Address: address, Range: r}
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
