package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Login throttling (docs/adr/0034-login-throttling.md). Failed password
// logins are counted per account (the email typed, whether or not it
// exists), per client address (IPv6 by /64) and per device: a browser
// that has signed in to an account before carries a signed device cookie
// for it, and its attempts on that account are counted apart from
// everyone else's, so an attacker who guesses at an account slows only
// himself, not its owner's usual browser. Past a free allowance each
// further failure doubles the wait before the next attempt on that key,
// up to maxLoginDelay: never a permanent lockout. Refused attempts are not
// counted (they check no password), so hammering does not prolong the
// wait. A success clears the account's and the device's counts; counts
// are forgotten after loginForget without failures. One-time login links
// are not throttled: an admin can always let a user in.
const (
	accountFreeFailures = 5
	addressFreeFailures = 20
	firstLoginDelay     = time.Second
	maxLoginDelay       = 15 * time.Minute
	loginForget         = 24 * time.Hour
	// maxThrottleKeys bounds each table; when full, entries that no
	// longer block are dropped first.
	maxThrottleKeys = 100000
	// deviceCookieLife is how long a device cookie vouches for a browser.
	deviceCookieLife = 180 * 24 * time.Hour
	linkDevice       = "login-device"
)

// failures counts one key's failed logins.
type failures struct {
	n       int
	last    time.Time
	blocked time.Time // no attempt before this instant
}

// throttleTable is the failures of one kind of key.
type throttleTable struct {
	free int
	keys map[string]*failures
}

// loginThrottle is a server's memory of failed logins. Each replica keeps
// its own (see the ADR).
type loginThrottle struct {
	mu                        sync.Mutex
	account, address, devices throttleTable
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{
		account: throttleTable{free: accountFreeFailures, keys: map[string]*failures{}},
		devices: throttleTable{free: accountFreeFailures, keys: map[string]*failures{}},
		address: throttleTable{free: addressFreeFailures, keys: map[string]*failures{}},
	}
}

// loginAttempt is what one attempt is counted under.
type loginAttempt struct {
	account, address, device string // device is "" without a valid device cookie
}

// throttleKey is one table and the key an attempt counts under in it.
type throttleKey struct {
	t   *throttleTable
	key string
}

// tables returns the keys an attempt counts under: its address, and its
// device when it has one, else its account.
func (lt *loginThrottle) tables(a loginAttempt) []throttleKey {
	if a.device != "" {
		return []throttleKey{{&lt.address, a.address}, {&lt.devices, a.device}}
	}
	return []throttleKey{{&lt.address, a.address}, {&lt.account, a.account}}
}

// wait returns how long the attempt must wait; zero lets it through.
func (lt *loginThrottle) wait(a loginAttempt, now time.Time) time.Duration {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	var d time.Duration
	for _, tk := range lt.tables(a) {
		if f := tk.t.keys[tk.key]; f != nil && f.blocked.After(now) {
			d = max(d, f.blocked.Sub(now))
		}
	}
	return d
}

// failed counts a failed attempt.
func (lt *loginThrottle) failed(a loginAttempt, now time.Time) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	for _, tk := range lt.tables(a) {
		tk.t.fail(tk.key, now)
	}
}

// succeeded clears the account's and device's counts; the address's stay,
// so that an attacker cannot clear them by signing in to an account of
// his own between guesses.
func (lt *loginThrottle) succeeded(a loginAttempt) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	delete(lt.account.keys, a.account)
	delete(lt.devices.keys, a.device)
}

func (t *throttleTable) fail(key string, now time.Time) {
	f := t.keys[key]
	if f != nil && now.Sub(f.last) > loginForget {
		f = nil
	}
	if f == nil {
		if len(t.keys) >= maxThrottleKeys {
			t.sweep(now)
		}
		f = &failures{}
		t.keys[key] = f
	}
	f.n++
	f.last = now
	if over := f.n - t.free; over > 0 {
		d := maxLoginDelay
		if over <= 20 {
			d = min(firstLoginDelay<<(over-1), maxLoginDelay)
		}
		f.blocked = now.Add(d)
	}
}

// sweep drops entries that block nothing, then, if still full, any.
func (t *throttleTable) sweep(now time.Time) {
	for k, f := range t.keys {
		if !f.blocked.After(now) {
			delete(t.keys, k)
		}
	}
	for k := range t.keys {
		if len(t.keys) < maxThrottleKeys {
			break
		}
		delete(t.keys, k)
	}
}

// clientAddress is the key of the address a request came from: the peer
// address (no forwarding header is trusted), IPv6 by its /64.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// deviceCookieName is the device cookie's name: __Host- prefixed and
// Secure except on loopback HTTP, like the session cookie.
func deviceCookieName(r *http.Request) string {
	if secureRequest(r) {
		return "__Host-fireline_device"
	}
	return "fireline_device"
}

// loginAttemptOf is the attempt a login form makes. The device cookie
// counts only when it vouches for the account typed.
func (h *handler) loginAttemptOf(r *http.Request, email string) loginAttempt {
	a := loginAttempt{account: strings.ToLower(strings.TrimSpace(email)), address: clientAddress(r)}
	if c, err := r.Cookie(deviceCookieName(r)); err == nil && len(h.cfg.Links.Key) > 0 {
		if subject, _, err := h.cfg.Links.Verify(linkDevice, c.Value, h.now()); err == nil && subject == a.account {
			a.device = c.Value
		}
	}
	return a
}

// setDeviceCookie marks the browser as one that signed in to account.
func (h *handler) setDeviceCookie(w http.ResponseWriter, r *http.Request, account string) {
	if len(h.cfg.Links.Key) == 0 {
		return
	}
	exp := h.now().Add(deviceCookieLife)
	http.SetCookie(w, &http.Cookie{Name: deviceCookieName(r), Value: h.cfg.Links.Sign(linkDevice, strings.ToLower(account), exp),
		Path: "/", HttpOnly: true, Secure: secureRequest(r), SameSite: http.SameSiteLaxMode, Expires: exp,
		MaxAge: int(deviceCookieLife / time.Second)})
}
