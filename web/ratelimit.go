package web

import (
	"fmt"
	"hash/maphash"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/fireline-dev/fireline"
)

// Request-rate limits (docs/adr/0051). Each API token and each console
// session has a token bucket, and so has each client address (the peer
// address, IPv6 by its /64; no forwarding header is trusted). A request
// takes a token from its credential's bucket, then one from its
// address's; an empty bucket is answered 429 with Retry-After at once,
// before the credential is looked up or anything else is done, so a
// client over its rate costs a map lookup, not a query. Only requests its
// credential's bucket let through count against the address, so a hot
// token slows itself, not the other tokens behind the same address (a
// NAT, a proxy); requests without a credential, and every credential
// together, meet the address's limit. A refusal is held back until the
// bucket would hold a token again (at most RequestLimits.MaxHold): a
// runaway loop that retries at once is slowed to one request per
// connection per wait, instead of being answered as fast as it can ask,
// which would spend on its refusals the CPU the others need. The buckets
// live in this process: each replica limits the requests it serves.

// RequestLimits are the request-rate limits of the API and the console,
// as token buckets. A zero PerSecond turns a limit off.
type RequestLimits struct {
	// Credential is each API token's and each console session's limit.
	Credential fireline.RateLimit
	// Address is each client address's: a backstop for requests without
	// a credential and for many credentials from one place.
	Address fireline.RateLimit
	// MaxHold bounds how long a refusal is held back; zero answers at once.
	MaxHold time.Duration
}

// DefaultRequestLimits are fireline serve's: far above what a person in
// the console (live updates included), the CLI or a script acting on
// incidents one by one makes, and far below what a runaway loop does.
var DefaultRequestLimits = RequestLimits{
	Credential: fireline.RateLimit{PerSecond: 50, Burst: 100},
	Address:    fireline.RateLimit{PerSecond: 200, Burst: 2000},
	MaxHold:    time.Second,
}

// unlimitedRoutes are the routes no request-rate limit applies to: health
// and readiness, which load balancers poll, and the signed inbound
// webhooks, which have their own limit per integration (the policy's
// alerts.rate_limit, web/intake.go) and must not be refused because
// other senders share their address. A new webhook route belongs here.
var unlimitedRoutes = []string{
	"GET /healthz",
	"GET /readyz",
	"POST /integrations/alertmanager",
	"POST /integrations/grafana",
	"PUT /integrations/grafana",
	"POST /integrations/generic",
	"POST /v2/enqueue",
	"POST /v2/change/enqueue",
	"GET /heartbeat/{key}",
	"POST /heartbeat/{key}",
}

// Scopes of a refusal, the label of fireline_http_throttled_total.
const (
	scopeToken   = "token"
	scopeSession = "session"
	scopeAddress = "address"
)

// maxBuckets bounds the buckets kept for each kind of key; sweepEvery is
// how often a new key also drops the buckets that have refilled.
const (
	maxBuckets = 100000
	sweepEvery = time.Minute
)

// requestLimiter holds the buckets of both kinds and counts refusals.
type requestLimiter struct {
	limits     RequestLimits
	credential *buckets // nil: no credential limit
	address    *buckets // nil: no address limit
	throttled  *prometheus.CounterVec
	after      func(time.Duration) <-chan time.Time // time.After; tests replace it
}

func newRequestLimiter(l RequestLimits, reg *prometheus.Registry) *requestLimiter {
	rl := &requestLimiter{limits: l, credential: newBuckets(l.Credential), address: newBuckets(l.Address),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fireline_http_throttled_total",
			Help: "Requests answered 429 for being over a request-rate limit, by the limit's scope: token, session or address.",
		}, []string{"scope"}), after: time.After}
	for _, s := range []string{scopeToken, scopeSession, scopeAddress} {
		rl.throttled.WithLabelValues(s)
	}
	reg.MustRegister(rl.throttled)
	return rl
}

// limitRoute limits a route's requests: by API token for API routes, by
// session for signed-in console pages, by address alone for other public
// routes; unlimitedRoutes pass untouched.
func (h *handler) limitRoute(route Route, next http.Handler) http.Handler {
	rl := h.limiter
	if slices.Contains(unlimitedRoutes, route.Method+" "+route.Pattern) || (rl.credential == nil && rl.address == nil) {
		return next
	}
	scope, credential := "", func(*http.Request) string { return "" }
	switch {
	case route.Public:
	case route.Console:
		scope, credential = scopeSession, sessionSecret
	default:
		scope, credential = scopeToken, bearerSecret
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refused, wait := rl.take(scope, credential(r), clientAddress(r), h.now()); refused != "" {
			rl.throttled.WithLabelValues(refused).Inc()
			if hold := min(wait, rl.limits.MaxHold); hold > 0 {
				select {
				case <-rl.after(hold):
				case <-r.Context().Done():
				}
			}
			h.tooManyRequests(w, r, route, refused, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// take takes a token for a request from its credential's bucket (when it
// has a credential) and then from its address's. It returns the scope of
// the bucket that was empty and how long until it holds a token, or ""
// when the request may go on. A request the address refuses gives its
// credential's token back.
func (rl *requestLimiter) take(scope, credential, address string, now time.Time) (string, time.Duration) {
	var held *rate.Reservation
	if credential != "" && rl.credential != nil {
		r, wait := rl.credential.take(credential, now)
		if r == nil {
			return scope, wait
		}
		held = r
	}
	if rl.address != nil {
		if r, wait := rl.address.take(address, now); r == nil {
			if held != nil {
				held.CancelAt(now)
			}
			return scopeAddress, wait
		}
	}
	return "", 0
}

// tooManyRequests answers a request over a limit: 429 with Retry-After in
// whole seconds, as problem+json, or as a page on console routes.
func (h *handler) tooManyRequests(w http.ResponseWriter, r *http.Request, route Route, scope string, wait time.Duration) {
	secs := setRetryAfter(w, wait)
	l, who := h.limiter.limits.Credential, "this API token"
	switch scope {
	case scopeSession:
		who = "this session"
	case scopeAddress:
		l, who = h.limiter.limits.Address, "your address"
	}
	detail := fmt.Sprintf("%s is over its limit of %s requests a second (bursts of %d); retry in %ds",
		who, strconv.FormatFloat(l.PerSecond, 'f', -1, 64), l.Burst, secs)
	if route.Console {
		h.render(w, r, http.StatusTooManyRequests, "error", &page{Title: "Too many requests", Data: humanize(detail) + "."})
		return
	}
	writeProblem(w, &huma.ErrorModel{Title: http.StatusText(http.StatusTooManyRequests), Status: http.StatusTooManyRequests, Detail: detail})
}

// setRetryAfter sets Retry-After to wait in whole seconds, rounded up,
// and returns them.
func setRetryAfter(w http.ResponseWriter, wait time.Duration) int {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}

// buckets are the token buckets of one kind of key (by a hash of the key,
// so that no secret is kept). Memory is bounded: a bucket idle long
// enough to have refilled is the same as a new one, so it is dropped; if
// maxBuckets are all busy (keys cycled faster than they refill),
// arbitrary ones are.
type buckets struct {
	limit fireline.RateLimit
	seed  maphash.Seed
	mu    sync.Mutex // guards m and swept; each bucket has its own lock
	m     map[uint64]*rate.Limiter
	swept time.Time
}

func newBuckets(l fireline.RateLimit) *buckets {
	if l.PerSecond <= 0 {
		return nil
	}
	return &buckets{limit: l, seed: maphash.MakeSeed(), m: map[uint64]*rate.Limiter{}}
}

// take takes a token from key's bucket. When it is empty it takes nothing
// and returns how long until it holds one.
func (b *buckets) take(key string, now time.Time) (*rate.Reservation, time.Duration) {
	r := b.bucket(maphash.String(b.seed, key), now).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return r, 0
}

func (b *buckets) bucket(key uint64, now time.Time) *rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	lim, ok := b.m[key]
	if !ok {
		if len(b.m) >= maxBuckets || now.Sub(b.swept) >= sweepEvery {
			b.sweep(now)
		}
		lim = rate.NewLimiter(rate.Limit(b.limit.PerSecond), max(b.limit.Burst, 1))
		b.m[key] = lim
	}
	return lim
}

// sweep drops the buckets that are full again, then, while more than
// nine tenths of maxBuckets remain, arbitrary ones.
func (b *buckets) sweep(now time.Time) {
	b.swept = now
	for k, lim := range b.m {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(b.m, k)
		}
	}
	for k := range b.m {
		if len(b.m) < maxBuckets*9/10 {
			break
		}
		delete(b.m, k)
	}
}

// size is how many buckets are kept.
func (b *buckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}
