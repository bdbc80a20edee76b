package sqlstore

import (
	"sync"
	"time"

	"github.com/fireline-dev/fireline"
)

// committedOpen remembers the open alerts intake has committed, so that a
// repeat of one is answered without waiting for a commit of its own
// (docs/adr/0038-repeats-answered-from-committed-state.md). SQLite only:
// there one process owns the database and every change to an alert goes
// through its one intake batcher, so what this holds is what the database
// holds. With several replicas on PostgreSQL another replica may resolve an
// alert at any moment, and a repeat would be mistaken for a new firing.
//
// An entry is added only after the commit that stored its alert, and only
// by the batcher, in commit order; a resolution removes it before its
// transaction even commits. So an entry never claims an alert is open
// when the database says otherwise, except for a resolution still
// waiting for its commit, which a concurrent repeat may precede.
//
// A repeat answered here is counted (alerts.count, last_seen_at) by the
// next group commit, which nobody waits for. Dedup itself is still the
// database's unique index: a key missing here goes through the batch.
type committedOpen struct {
	mu      sync.Mutex
	entries map[alertKey]openEntry
	max     int
	// repeats are the counts not written yet, by alert id.
	repeats map[int64]pendingRepeat
	// kicked: a wake-up for the batcher is queued and has not been taken.
	kicked bool
	// taken counts the batches holding repeats they have not committed.
	taken int
}

// openEntry is what a repeat's answer needs of its open alert.
type openEntry struct {
	id       int64
	incident string
}

// pendingRepeat is the count of repeats of one alert not written yet.
type pendingRepeat struct {
	count    int64
	lastSeen time.Time
}

// plus adds n repeats, the latest seen at seen.
func (p pendingRepeat) plus(n int64, seen time.Time) pendingRepeat {
	p.count += n
	if seen.After(p.lastSeen) {
		p.lastSeen = seen
	}
	return p
}

// maxCommittedOpen bounds the entries kept. Alertmanager repeats every
// firing alert of a group each group_interval, so the useful set is the
// alerts firing now; past the bound arbitrary entries are dropped, which
// only sends their next repeat through a commit.
const maxCommittedOpen = 1 << 16

// repeatsDelay is how long repeats answered without a commit may wait for
// one, when no batch runs meanwhile: the most a crash can take of their
// counts. Alert reads do not wait for it (batcher.repeatsWritten).
const repeatsDelay = 10 * time.Millisecond

func newCommittedOpen(max int) *committedOpen {
	return &committedOpen{entries: map[alertKey]openEntry{}, repeats: map[int64]pendingRepeat{}, max: max}
}

// answer answers a request whose every valid alert is a trigger of a
// committed open alert: it fills results and counts the repeats, and
// reports whether the batcher needs a wake-up to write them. ok is false,
// and nothing is changed, when any alert needs the batch.
func (c *committedOpen) answer(integration string, alerts []preparedAlert, results []fireline.AlertResult, now time.Time) (ok, wake bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	someValid := false
	for i := range alerts {
		if results[i].Outcome == fireline.OutcomeRejected {
			continue
		}
		if alerts[i].Action != fireline.AlertTrigger {
			return false, false
		}
		if _, found := c.entries[alertKey{integration, alerts[i].DedupKey}]; !found {
			return false, false
		}
		someValid = true
	}
	if !someValid {
		return false, false
	}
	for i := range alerts {
		if results[i].Outcome == fireline.OutcomeRejected {
			continue
		}
		e := c.entries[alertKey{integration, alerts[i].DedupKey}]
		results[i] = fireline.AlertResult{Outcome: fireline.OutcomeDeduplicated, DedupKey: alerts[i].DedupKey, AlertID: e.id, Incident: e.incident}
		c.repeats[e.id] = c.repeats[e.id].plus(1, now)
	}
	wake = !c.kicked
	c.kicked = true
	return true, wake
}

// unkicked says the wake-up asked for by answer could not be queued.
func (c *committedOpen) unkicked() {
	c.mu.Lock()
	c.kicked = false
	c.mu.Unlock()
}

// remember adds the open alerts of a batch that has committed.
func (c *committedOpen) remember(opened map[alertKey]openEntry) {
	if c == nil || len(opened) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range opened {
		c.entries[k] = e
	}
	for k := range c.entries {
		if len(c.entries) <= c.max {
			break
		}
		delete(c.entries, k) // map order: an arbitrary entry
	}
}

// forget removes an alert that is being resolved.
func (c *committedOpen) forget(k alertKey) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}

// takeRepeats hands the counts not written yet to a batch.
func (c *committedOpen) takeRepeats() map[int64]pendingRepeat {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kicked = false
	if len(c.repeats) == 0 {
		return nil
	}
	r := c.repeats
	c.repeats = map[int64]pendingRepeat{}
	c.taken++
	return r
}

// written says the counts a batch took have committed.
func (c *committedOpen) written(r map[int64]pendingRepeat) {
	if c == nil || len(r) == 0 {
		return
	}
	c.mu.Lock()
	c.taken--
	c.mu.Unlock()
}

// unwritten reports whether some repeats answered are not committed yet.
func (c *committedOpen) unwritten() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.repeats) > 0 || c.taken > 0
}

// giveBack returns counts whose batch did not commit, for the next one
// (a database that is down keeps them until it is back).
func (c *committedOpen) giveBack(r map[int64]pendingRepeat) {
	if c == nil || len(r) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.taken--
	for id, p := range r {
		c.repeats[id] = c.repeats[id].plus(p.count, p.lastSeen)
	}
}

// countRepeat adds a repeat of alert id, seen at now, to the batch's.
func (b *intakeBatch) countRepeat(id int64, now time.Time) {
	if b.repeats == nil {
		b.repeats = map[int64]pendingRepeat{}
	}
	b.repeats[id] = b.repeats[id].plus(1, now)
}

// stillOpen notes an alert the batch leaves open, for committedOpen to
// remember once the batch has committed.
func (b *intakeBatch) stillOpen(k alertKey, r fireline.AlertResult) {
	if b.committed == nil || r.AlertID == 0 {
		return
	}
	if b.opened == nil {
		b.opened = map[alertKey]openEntry{}
	}
	b.opened[k] = openEntry{id: r.AlertID, incident: r.Incident}
}

// resolving notes an alert the batch resolves: committedOpen forgets it
// at once, before the commit, so that no repeat is answered from it once
// the resolution is in the database.
func (b *intakeBatch) resolving(k alertKey) {
	delete(b.opened, k)
	b.committed.forget(k)
}
