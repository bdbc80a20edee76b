package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fireline-dev/fireline"
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
// are forgotten a day after their last failure. One-time login links are
// not throttled: an admin can always let a user in.
const (
	accountFreeFailures = 5
	addressFreeFailures = 20
	firstLoginDelay     = time.Second
	maxLoginDelay       = 15 * time.Minute
	// maxThrottleKeys bounds the counts kept in memory (without a store).
	maxThrottleKeys = 100000
	// deviceCookieLife is how long a device cookie vouches for a browser.
	deviceCookieLife = 180 * 24 * time.Hour
	linkDevice       = "login-device"
)

// loginThrottle applies the rule above to counts kept in a
// fireline.LoginThrottleStore: the database's, shared by every replica,
// or, without one, this process's memory (memoryThrottle).
type loginThrottle struct {
	store fireline.LoginThrottleStore
}

func newLoginThrottle(store fireline.LoginThrottleStore) *loginThrottle {
	if store == nil {
		store = newMemoryThrottle()
	}
	return &loginThrottle{store: store}
}

// loginAttempt is what one attempt is counted under.
type loginAttempt struct {
	account, address, device string // device is "" without a valid device cookie
}

// throttleKey is the key of one value of one kind in the store: a hash,
// so that the store never holds emails typed, addresses or device cookies.
func throttleKey(kind, value string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + value))
	return kind + ":" + hex.EncodeToString(sum[:])
}

// keys returns the keys an attempt counts under, with their free
// allowances: its address, and its device when it has one, else its
// account.
func (a loginAttempt) keys() (keys []string, free map[string]int) {
	addr := throttleKey("address", a.address)
	other, n := throttleKey("account", a.account), accountFreeFailures
	if a.device != "" {
		other = throttleKey("device", a.device)
	}
	return []string{addr, other}, map[string]int{addr: addressFreeFailures, other: n}
}

// wait returns how long the attempt must wait; zero lets it through.
func (lt *loginThrottle) wait(ctx context.Context, a loginAttempt, now time.Time) (time.Duration, error) {
	keys, _ := a.keys()
	until, err := lt.store.LoginBlockedUntil(ctx, keys)
	if err != nil || !until.After(now) {
		return 0, err
	}
	return until.Sub(now), nil
}

// failed counts a failed attempt: past a key's free allowance, each
// failure doubles the wait before the next attempt, up to maxLoginDelay.
func (lt *loginThrottle) failed(ctx context.Context, a loginAttempt, now time.Time) error {
	keys, free := a.keys()
	return lt.store.CountLoginFailure(ctx, keys, now, func(key string, f *fireline.LoginFailures) {
		if now.Sub(f.Last) > fireline.LoginFailuresForgotten {
			*f = fireline.LoginFailures{}
		}
		f.Count++
		f.Last = now
		if over := f.Count - free[key]; over > 0 {
			d := maxLoginDelay
			if over <= 20 {
				d = min(firstLoginDelay<<(over-1), maxLoginDelay)
			}
			f.Blocked = now.Add(d)
		}
	})
}

// succeeded clears the account's and device's counts; the address's stay,
// so that an attacker cannot clear them by signing in to an account of
// his own between guesses.
func (lt *loginThrottle) succeeded(ctx context.Context, a loginAttempt) error {
	keys := []string{throttleKey("account", a.account)}
	if a.device != "" {
		keys = append(keys, throttleKey("device", a.device))
	}
	return lt.store.ClearLoginFailures(ctx, keys)
}

// memoryThrottle keeps counts in this process only: for a handler given
// no store. Bounded at maxThrottleKeys; when full, entries that no longer
// block are dropped first.
type memoryThrottle struct {
	mu   sync.Mutex
	keys map[string]*fireline.LoginFailures
}

func newMemoryThrottle() *memoryThrottle {
	return &memoryThrottle{keys: map[string]*fireline.LoginFailures{}}
}

func (m *memoryThrottle) LoginBlockedUntil(_ context.Context, keys []string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var until time.Time
	for _, k := range keys {
		if f := m.keys[k]; f != nil && f.Blocked.After(until) {
			until = f.Blocked
		}
	}
	return until, nil
}

func (m *memoryThrottle) CountLoginFailure(_ context.Context, keys []string, now time.Time, count func(string, *fireline.LoginFailures)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		f := m.keys[k]
		if f == nil {
			if len(m.keys) >= maxThrottleKeys {
				m.sweep(now)
			}
			f = &fireline.LoginFailures{}
			m.keys[k] = f
		}
		count(k, f)
	}
	return nil
}

func (m *memoryThrottle) ClearLoginFailures(_ context.Context, keys []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		delete(m.keys, k)
	}
	return nil
}

// sweep drops entries that block nothing, then, if still full, any.
func (m *memoryThrottle) sweep(now time.Time) {
	for k, f := range m.keys {
		if !f.Blocked.After(now) {
			delete(m.keys, k)
		}
	}
	for k := range m.keys {
		if len(m.keys) < maxThrottleKeys {
			break
		}
		delete(m.keys, k)
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
