package policy

import (
	"cmp"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// HolidayHorizon is how far ahead the holiday list must reach before Check
// warns that it is running out.
const HolidayHorizon = 90 * 24 * time.Hour

// advice is a warning or a note at a path of the document: valid policy
// that will probably not work as meant. Check positions it; it never makes
// a policy invalid, because what it depends on (the server's environment,
// today's date) is not the file's.
type advice struct {
	path, msg, level string
}

// warnings looks at a valid policy as a server will run it, on the day
// now: webhooks to addresses the outbound guard refuses, the signing
// secrets webhooks need, and a holiday list that is running out.
func warnings(p *fireline.Policy, now time.Time) []advice {
	var out []advice
	out = append(out, outboundWarnings(p)...)
	out = append(out, secretNote(p)...)
	out = append(out, trackerNote(p)...)
	out = append(out, holidayWarning(p.Calendar, now)...)
	return out
}

// webhooks calls f with the path and method of every webhook contact
// method, in file order.
func webhooks(p *fireline.Policy, f func(path string, m fireline.ContactMethod)) {
	for i, per := range p.People {
		for j, m := range per.ContactMethods {
			if m.Type == fireline.MethodWebhook {
				f(at(at("people", i)+".contact_methods", j), m)
			}
		}
	}
}

// outboundWarnings: a webhook URL whose host is localhost or a literal
// address of a range the outbound guard refuses by default. Names are not
// resolved here (the check runs offline); the server's readiness check
// resolves them.
func outboundWarnings(p *fireline.Policy) []advice {
	var out []advice
	webhooks(p, func(path string, m fireline.ContactMethod) {
		u, err := url.Parse(m.URL)
		if err != nil {
			return
		}
		host := u.Hostname()
		addr, err := netip.ParseAddr(host)
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			addr, err = netip.MustParseAddr("127.0.0.1"), nil
		}
		if err != nil {
			return
		}
		if r, blocked := fireline.Blocked(addr); blocked {
			out = append(out, advice{path: path + ".url", level: Warning,
				msg: fmt.Sprintf("%s is a %s address: pages to it are refused unless the server runs with --allow-outbound %s (FIRELINE_ALLOW_OUTBOUND)",
					host, r.Kind, r.Prefix)})
		}
	})
	return out
}

// secretNote says once, at the first webhook method, which signing
// secrets the server's environment must hold.
func secretNote(p *fireline.Policy) []advice {
	var first string
	var envs []string
	webhooks(p, func(path string, m fireline.ContactMethod) {
		if first == "" {
			first = path
		}
		env := cmp.Or(m.SecretEnv, fireline.DefaultWebhookSecretEnv)
		if !slices.Contains(envs, env) {
			envs = append(envs, env)
		}
	})
	if first == "" {
		return nil
	}
	what := "the secret in " + envs[0] + ": set it"
	if len(envs) > 1 {
		what = "the secrets in " + strings.Join(envs, ", ") + ": set each"
	}
	return []advice{{path: first, level: Note,
		msg: "webhook contact methods are signed with " + what + " in the server's environment to the receiver's whsec_ signing secret, or their pages fail (fireline oncall check on the server shows what is missing)"}}
}

// holidayWarning: the holiday list ends within HolidayHorizon of now (or
// is empty), after which every working day keeps business hours and P3
// and P4 pages go out on holidays.
func holidayWarning(cal fireline.Calendar, now time.Time) []advice {
	if cal.Location != nil {
		now = now.In(cal.Location)
	}
	var last fireline.Date
	for _, h := range cal.Holidays {
		if dateAfter(h.Date, last) {
			last = h.Date
		}
	}
	switch {
	case last.IsZero():
		return []advice{{path: "calendar.holidays", level: Warning,
			msg: "no holidays are listed, so every working day keeps business hours; list your organisation's"}}
	case dateAfter(fireline.DateOf(now), last):
		return []advice{{path: "calendar.holidays", level: Warning,
			msg: fmt.Sprintf("the last holiday listed is %s, which has passed; add this year's and next year's", last)}}
	case dateAfter(fireline.DateOf(now.Add(HolidayHorizon)), last):
		return []advice{{path: "calendar.holidays", level: Warning,
			msg: fmt.Sprintf("the last holiday listed is %s; add next year's before it passes", last)}}
	}
	return nil
}

// dateAfter reports whether a is a later day than b.
func dateAfter(a, b fireline.Date) bool {
	return time.Date(a.Year, a.Month, a.Day, 0, 0, 0, 0, time.UTC).After(time.Date(b.Year, b.Month, b.Day, 0, 0, 0, 0, time.UTC))
}

// trackerNote says which variables of the server's environment the
// action item tracker reads: its token, and its webhook secret.
func trackerNote(p *fireline.Policy) []advice {
	tp := p.Reviews.ActionItems.Tracker
	if tp == nil {
		return nil
	}
	return []advice{{path: "reviews.action_items.tracker", level: Note,
		msg: fmt.Sprintf("action items are pushed to GitHub %s with the token in %s, and its webhook deliveries are verified with the secret in %s: set both in the server's environment, or pushes fail and webhooks are refused (fireline oncall check on the server shows what is missing)",
			tp.Repo, tp.Token(), tp.SecretEnv())}}
}
