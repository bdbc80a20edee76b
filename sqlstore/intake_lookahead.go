package sqlstore

// What an intake batch knows of its open alerts and alert groups before
// its jobs run (intakeDialect.readAhead; docs/adr/0013, 0035).

import (
	"context"
	"hash/fnv"
	"slices"
)

// groupLockClass is the first key of Fireline's advisory locks on alert
// groups (the second is groupLockKey), so that they share no key with
// other users of advisory locks in the same database.
const groupLockClass = 0x46_4c_41 // "FLA"

// groupLockKey is the advisory lock key of an alert group: a 32-bit hash
// of its service and grouping key (a collision only makes two groups wait
// for each other).
func groupLockKey(service, key string) int64 {
	h := fnv.New32a()
	h.Write([]byte(service))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return int64(int32(h.Sum32()))
}

func sortedUnique(groups []int64) []int64 {
	groups = slices.Clone(groups)
	slices.Sort(groups)
	return slices.Compact(groups)
}

// openAlert returns the open alert of an integration with a dedup key,
// locked; nil when there is none.
func (b *intakeBatch) openAlert(ctx context.Context, integration, key string) (*openAlert, error) {
	if a, ok := b.open[alertKey{integration, key}]; ok {
		return a, nil
	}
	return findOpenAlert(ctx, b.tx, integration, key)
}

// setOpen records what this batch did to an open alert (nil: resolved),
// so that later lookups ahead stay true.
func (b *intakeBatch) setOpen(integration, key string, a *openAlert) {
	k := alertKey{integration, key}
	if _, ok := b.open[k]; ok {
		b.open[k] = a
	}
}
