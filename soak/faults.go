package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/web"
)

// faultScripts are the receiver's answers to a message's attempts, one
// script per message chosen by its id. None fails more than the three
// attempts a contact method gets before the next method, so every page
// must arrive in the first round.
var faultScripts = [][]fault{
	{fail500, accept},
	{hangUp, accept},
	{throttle, accept},
	{slowAccept},
	{fail500, hangUp, slowAccept},
	{accept},
}

// scriptFor picks a message's script by its id.
func scriptFor(id string) []fault {
	h := fnv.New32a()
	h.Write([]byte(id))
	return faultScripts[h.Sum32()%uint32(len(faultScripts))]
}

// sinkFaults is D3/D4 with a real process: the receiver answers each
// message's attempts by a script of 500s, 429s with Retry-After, closed
// connections and slow answers while P2 walks page through it. Every
// walk must finish, every page arrive exactly once (one success per
// message id: no crash here excuses a repeat), no attempt come before a
// Retry-After, and every attempt be on the incident's timeline.
func sinkFaults(ctx context.Context, r *run, res *Result) {
	f, err := r.newFixture("sink-faults", "")
	if err != nil {
		res.fail("%v", err)
		return
	}
	defer f.close()
	f.rc.setScript(func(id string, n int) fault {
		if s := scriptFor(id); n <= len(s) {
			return s[n-1]
		}
		return accept
	})
	p, err := r.serve(ctx, f)
	if err != nil {
		res.fail("%v", err)
		return
	}
	declareSpread(ctx, []*proc{p}, r.size.faultIncidents, 2*time.Second)
	v, err := awaitWalks(ctx, p, f.rc)
	if err != nil {
		res.fail("%v", err)
		return
	}
	v.judge(res)
	tries := f.rc.attempts()
	judgeAttempts(res, tries)
	if err := judgeRecorded(ctx, admin(p), tries, res); err != nil {
		res.fail("reading the timelines: %v", err)
	}
	f.rc.judgeSignatures(res)
}

// judgeAttempts checks each message's attempts at the receiver: one
// success, as many attempts as its script, none early after a 429.
func judgeAttempts(res *Result, tries []attempt) {
	byID := map[string][]attempt{}
	for _, t := range tries {
		byID[t.ID] = append(byID[t.ID], t)
	}
	faults := 0
	for id, ts := range byID {
		script := scriptFor(id)
		if ok := len(delivered(ts)); ok != 1 {
			res.fail("message %s (%s to %s) succeeded %d times, want once", id, ts[0].Type, ts[0].Path, ok)
		}
		if len(ts) != len(script) {
			res.fail("message %s: %d attempts, want %d (%v)", id, len(ts), len(script), script)
		}
		for i, t := range ts {
			if t.Fault == throttle && i+1 < len(ts) && ts[i+1].At.Sub(t.At) < retryAfter-50*time.Millisecond {
				res.fail("message %s tried again %s after a 429 with Retry-After: 2", id, ts[i+1].At.Sub(t.At).Round(time.Millisecond))
			}
			if t.Fault != accept {
				faults++
			}
		}
	}
	res.count("%d messages, %d attempts, %d faults injected", len(byID), len(tries), faults)
}

// judgeRecorded checks that each incident's timeline records every
// attempt the receiver saw, by message id: as many page_sent and
// page_failed events as requests.
func judgeRecorded(ctx context.Context, c *web.Client, tries []attempt, res *Result) error {
	seen := map[string]int{}
	for _, t := range tries {
		seen[t.ID]++
	}
	recorded := map[string]int{}
	incidents, err := allIncidents(ctx, c)
	if err != nil {
		return err
	}
	for _, inc := range incidents {
		events, err := c.Timeline(ctx, inc.ID)
		if err != nil {
			return err
		}
		for _, e := range events {
			if e.Type != fireline.EventPageSent && e.Type != fireline.EventPageFailed {
				continue
			}
			var d fireline.PageAttemptData
			if json.Unmarshal(e.Data, &d) == nil && d.Method == fireline.MethodWebhook {
				recorded[d.MessageID]++
			}
		}
	}
	var wrong []string
	for id, n := range seen {
		if recorded[id] != n {
			wrong = append(wrong, fmt.Sprintf("%s: %d attempts received, %d recorded", id, n, recorded[id]))
		}
	}
	for id, n := range recorded {
		if seen[id] == 0 {
			wrong = append(wrong, fmt.Sprintf("%s: %d attempts recorded, none received", id, n))
		}
	}
	for i, w := range wrong {
		if i == 5 {
			res.fail("and %d more messages recorded wrongly", len(wrong)-5)
			break
		}
		res.fail("timeline: %s", w)
	}
	return nil
}
