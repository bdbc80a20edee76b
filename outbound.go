package fireline

import (
	"net/netip"
)

// AllowOutboundSetting names the serve flag and variable that let the
// outbound guard reach a refused range (docs/adr/0022).
const AllowOutboundSetting = "--allow-outbound (FIRELINE_ALLOW_OUTBOUND)"

// BlockedRange is a range of addresses a Fireline server does not connect
// to (for pages, probes and mail) unless an administrator allows it, and
// what kind of addresses it holds. notify.Guard refuses them at connect
// time; the policy check and readiness name them before a page fails, so
// the list lives here, where all three reach it.
type BlockedRange struct {
	Prefix netip.Prefix
	Kind   string // "loopback", "private", "link-local", ...
}

// Fix says how to allow the range.
func (r BlockedRange) Fix() string {
	return "add " + r.Prefix.String() + " to " + AllowOutboundSetting
}

var blockedRanges = func() []BlockedRange {
	var out []BlockedRange
	for _, r := range [][2]string{
		{"0.0.0.0/8", "unspecified"}, {"10.0.0.0/8", "private"}, {"100.64.0.0/10", "shared (CGNAT)"},
		{"127.0.0.0/8", "loopback"}, {"169.254.0.0/16", "link-local"}, {"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol"}, {"192.168.0.0/16", "private"}, {"198.18.0.0/15", "benchmarking"},
		{"224.0.0.0/4", "multicast"}, {"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"}, {"::1/128", "loopback"}, {"fc00::/7", "private"}, {"fe80::/10", "link-local"},
		{"ff00::/8", "multicast"}, {"64:ff9b::/96", "NAT64"}, {"2001:db8::/32", "documentation"},
	} {
		out = append(out, BlockedRange{Prefix: netip.MustParsePrefix(r[0]), Kind: r[1]})
	}
	return out
}()

// Blocked returns the range refused by default that holds addr (an
// IPv4-mapped address counts as its IPv4 form), if any.
func Blocked(addr netip.Addr) (BlockedRange, bool) {
	addr = addr.Unmap()
	for _, r := range blockedRanges {
		if r.Prefix.Contains(addr) {
			return r, true
		}
	}
	return BlockedRange{}, false
}
