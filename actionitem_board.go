package fireline

import (
	"slices"
	"strings"
	"time"
)

// The board of action items (the guide's "reviewed in team meetings"):
// items counted by their owner, by the owner's teams in the directory and
// by age, so that each team sees what it owes and what is overdue.

// NoTeam is the board's group for owners in no team of the directory.
const NoTeam = "(no team)"

// ItemAgeBuckets are the board's age groups, youngest first: the upper
// bound of each (the last has none) and its name.
var ItemAgeBuckets = []struct {
	Under time.Duration
	Name  string
}{
	{7 * 24 * time.Hour, "0-7d"},
	{30 * 24 * time.Hour, "7-30d"},
	{90 * 24 * time.Hour, "30-90d"},
	{0, "90d+"},
}

// AgeBucket names the age group of an item created at created, at now.
func AgeBucket(created, now time.Time) string {
	age := now.Sub(created)
	for _, b := range ItemAgeBuckets {
		if b.Under == 0 || age < b.Under {
			return b.Name
		}
	}
	return ""
}

// OwnerTeams are the teams an item's owner is in ([NoTeam] for none): an
// item counts for each.
func (p *Policy) OwnerTeams(owner string) []string {
	if per, ok := p.Person(owner); ok && len(per.Teams) > 0 {
		return per.Teams
	}
	return []string{NoTeam}
}

// Teams lists every team of the directory, sorted.
func (p *Policy) Teams() []string {
	var out []string
	for _, per := range p.People {
		for _, t := range per.Teams {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}

// CheckTeam validates a board filter's team: one of the directory's (or
// none). EInvalid naming the field otherwise.
func (p *Policy) CheckTeam(team string) error {
	if team == "" || team == NoTeam || slices.Contains(p.Teams(), team) {
		return nil
	}
	return &Error{Code: EInvalid, Message: "invalid filter", Fields: []FieldError{{"team", "no team " + quote(team) + " in the policy's directory"}}}
}

// InTeam reports whether an item's owner is in team.
func (p *Policy) InTeam(it *ActionItem, team string) bool {
	return slices.Contains(p.OwnerTeams(it.Owner), team)
}

// BoardGroup counts one group's items: open, of which overdue, and done.
type BoardGroup struct {
	Key     string `json:"key"`
	Open    int    `json:"open"`
	Overdue int    `json:"overdue"`
	Done    int    `json:"done"`
}

// ActionBoard is the board's summary of a list of items.
type ActionBoard struct {
	ByTeam  []BoardGroup `json:"by_team"`
	ByOwner []BoardGroup `json:"by_owner"`
	ByAge   []BoardGroup `json:"by_age"`
}

// Board sums items up by team, owner and age at now: teams and owners by
// name (NoTeam last), ages youngest first; groups with no item left out.
func (p *Policy) Board(items []ActionItem, now time.Time) ActionBoard {
	teams, owners, ages := map[string]*BoardGroup{}, map[string]*BoardGroup{}, map[string]*BoardGroup{}
	for i := range items {
		it := &items[i]
		for _, t := range p.OwnerTeams(it.Owner) {
			count(teams, t, it, now)
		}
		count(owners, it.Owner, it, now)
		count(ages, AgeBucket(it.CreatedAt, now), it, now)
	}
	b := ActionBoard{ByTeam: sortedGroups(teams), ByOwner: sortedGroups(owners), ByAge: []BoardGroup{}}
	for _, bk := range ItemAgeBuckets {
		if g := ages[bk.Name]; g != nil {
			b.ByAge = append(b.ByAge, *g)
		}
	}
	return b
}

func count(groups map[string]*BoardGroup, key string, it *ActionItem, now time.Time) {
	g := groups[key]
	if g == nil {
		g = &BoardGroup{Key: key}
		groups[key] = g
	}
	switch {
	case it.Status == ItemDone:
		g.Done++
	case it.Overdue(now):
		g.Open++
		g.Overdue++
	default:
		g.Open++
	}
}

func sortedGroups(groups map[string]*BoardGroup) []BoardGroup {
	out := []BoardGroup{}
	for _, g := range groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b BoardGroup) int {
		if (a.Key == NoTeam) != (b.Key == NoTeam) {
			if a.Key == NoTeam {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}
