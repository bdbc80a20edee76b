package fireline

import (
	"slices"
	"strings"
	"time"
)

// OnCallRole is the layer of a schedule a person is on call in.
type OnCallRole string

// On-call roles: who is paged first, and who backs them up.
const (
	OnCallPrimary   OnCallRole = "primary"
	OnCallSecondary OnCallRole = "secondary"
)

// ShiftKind is how long a rotation's shifts are.
type ShiftKind string

// Shift kinds. Daily and weekly shifts (and custom shifts of whole days)
// hand off at a local time of day, so they stay put across daylight-saving
// changes; hourly and other custom shifts are counted on the wall clock.
const (
	ShiftHourly ShiftKind = "hourly"
	ShiftDaily  ShiftKind = "daily"
	ShiftWeekly ShiftKind = "weekly"
	ShiftCustom ShiftKind = "custom"
)

// Restriction limits when a layer is in force.
type Restriction string

// Restrictions, judged by the policy's business-hours calendar.
const (
	RestrictNone                 Restriction = ""
	RestrictBusinessHours        Restriction = "business_hours"
	RestrictOutsideBusinessHours Restriction = "outside_business_hours"
)

// Schedule is an on-call schedule: layers of rotations that say who is
// primary and who is secondary at any instant. Overrides, stored at run
// time, take precedence over every layer.
type Schedule struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// TimeZone is where handoff times are read; the calendar's when empty.
	TimeZone string  `yaml:"time_zone,omitempty" json:"time_zone,omitempty"`
	Layers   []Layer `yaml:"layers" json:"layers"`
	// Location is TimeZone (or the calendar's) loaded; the policy package
	// sets it. Nil means UTC.
	Location *time.Location `yaml:"-" json:"-"`
}

// Layer is one rotation in a schedule, for the primary or secondary role.
// Of a role's layers, the last one in force at an instant decides.
type Layer struct {
	Name     string      `yaml:"name,omitempty" json:"name,omitempty"`
	Role     OnCallRole  `yaml:"role" json:"role"`
	Rotation Rotation    `yaml:"rotation" json:"rotation"`
	Restrict Restriction `yaml:"restrict,omitempty" json:"restrict,omitempty"`
}

// Rotation hands a shift from one participant to the next, in order.
type Rotation struct {
	Participants []string  `yaml:"participants" json:"participants"`
	Shift        ShiftKind `yaml:"shift" json:"shift"`
	// Length is a custom shift's length ("12h", "3d").
	Length Deadline `yaml:"length,omitempty" json:"length,omitzero"`
	// Handoff is the local time of day shifts change.
	Handoff TimeOfDay `yaml:"handoff" json:"handoff"`
	// Start is the date the first participant's first shift begins (at
	// Handoff); weekly shifts change on its weekday. Shifts before it
	// continue the rotation backwards.
	Start Date `yaml:"start" json:"start"`
}

// Override puts a person on call in place of the schedule for a while. The
// newest override covering an instant wins.
type Override struct {
	ID        string     `json:"id"`
	Schedule  string     `json:"schedule"`
	Role      OnCallRole `json:"role"`
	Person    string     `json:"person"`
	From      time.Time  `json:"from"`
	To        time.Time  `json:"to"`
	CreatedBy string     `json:"created_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// Covers reports whether the override is in force at t.
func (o Override) Covers(t time.Time) bool { return !t.Before(o.From) && t.Before(o.To) }

func (s *Schedule) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// ShiftAt returns the shift of the rotation that contains t: its start,
// its end and its participant. ok is false for a rotation with nobody.
func (r *Rotation) ShiftAt(t time.Time, loc *time.Location) (start, end time.Time, person string, ok bool) {
	n := len(r.Participants)
	if n == 0 {
		return time.Time{}, time.Time{}, "", false
	}
	k, start, end := r.shiftIndex(t, loc)
	return start, end, r.Participants[mod(k, int64(n))], true
}

// shiftIndex returns the index of the shift containing t (0 is the shift
// starting on Start) and its bounds.
func (r *Rotation) shiftIndex(t time.Time, loc *time.Location) (int64, time.Time, time.Time) {
	anchor := r.Start
	if days, civil := r.lengthDays(); civil {
		local := t.In(loc)
		d := daysBetween(anchor, DateOf(local))
		k := floorDiv(d, days)
		start := anchor.AddDays(int(k*days)).At(r.Handoff, loc)
		if t.Before(start) {
			k--
			start = anchor.AddDays(int(k*days)).At(r.Handoff, loc)
		}
		end := anchor.AddDays(int((k+1)*days)).At(r.Handoff, loc)
		return k, start, end
	}
	length := r.length()
	origin := anchor.At(r.Handoff, loc)
	k := floorDiv(int64(t.Sub(origin)), int64(length))
	start := origin.Add(time.Duration(k) * length)
	return k, start, start.Add(length)
}

// lengthDays returns the shift length in civil days, and false when shifts
// are counted on the wall clock.
func (r *Rotation) lengthDays() (int64, bool) {
	switch r.Shift {
	case ShiftDaily:
		return 1, true
	case ShiftWeekly:
		return 7, true
	case ShiftCustom:
		if l := r.Length.After; l > 0 && l%(24*time.Hour) == 0 {
			return int64(l / (24 * time.Hour)), true
		}
	}
	return 0, false
}

func (r *Rotation) length() time.Duration {
	if r.Shift == ShiftCustom && r.Length.After > 0 {
		return r.Length.After
	}
	return time.Hour
}

// inForce reports whether the layer's restriction allows t.
func (l *Layer) inForce(t time.Time, cal Calendar) bool {
	switch l.Restrict {
	case RestrictBusinessHours:
		return cal.InBusinessHours(t)
	case RestrictOutsideBusinessHours:
		return !cal.InBusinessHours(t)
	}
	return true
}

// OnCall returns who holds role on the schedule at t: the newest override
// covering t, else the participant of the last layer of that role in force
// at t; "" when nobody is on call.
func (s *Schedule) OnCall(role OnCallRole, t time.Time, cal Calendar, overrides []Override) string {
	var best *Override
	for i, o := range overrides {
		if o.Schedule == s.ID && o.Role == role && o.Covers(t) && (best == nil || !o.CreatedAt.Before(best.CreatedAt)) {
			best = &overrides[i]
		}
	}
	if best != nil {
		return best.Person
	}
	for i := len(s.Layers) - 1; i >= 0; i-- {
		l := &s.Layers[i]
		if l.Role != role || !l.inForce(t, cal) {
			continue
		}
		if _, _, p, ok := l.Rotation.ShiftAt(t, s.location()); ok {
			return p
		}
	}
	return ""
}

// OnCallNow is who is on call on one schedule at an instant.
type OnCallNow struct {
	Schedule  string    `json:"schedule"`
	Name      string    `json:"name"`
	At        time.Time `json:"at"`
	Primary   string    `json:"primary"`
	Secondary string    `json:"secondary"`
}

// WhoIsOnCall answers for every schedule of the policy at t.
func (p *Policy) WhoIsOnCall(t time.Time, overrides []Override) []OnCallNow {
	out := make([]OnCallNow, 0, len(p.Schedules))
	for i := range p.Schedules {
		s := &p.Schedules[i]
		out = append(out, OnCallNow{Schedule: s.ID, Name: s.Name, At: t.UTC(),
			Primary:   s.OnCall(OnCallPrimary, t, p.Calendar, overrides),
			Secondary: s.OnCall(OnCallSecondary, t, p.Calendar, overrides)})
	}
	return out
}

// Shift is a stretch of time one person holds a role on a schedule.
type Shift struct {
	Schedule string     `json:"schedule"`
	Role     OnCallRole `json:"role"`
	Person   string     `json:"person"` // "" for a gap
	Start    time.Time  `json:"start"`
	End      time.Time  `json:"end"`
}

// Shifts returns the role's shifts on the schedule between from and to,
// overrides, layers and restrictions applied, gaps included (Person ""),
// adjacent stretches of the same person merged. It samples at every
// instant the answer can change: shift boundaries, business-hours edges
// and override edges.
func (s *Schedule) Shifts(role OnCallRole, from, to time.Time, cal Calendar, overrides []Override) []Shift {
	var out []Shift
	for t := from; t.Before(to); {
		next := s.nextChange(role, t, to, cal, overrides)
		who := s.OnCall(role, t, cal, overrides)
		if n := len(out); n > 0 && out[n-1].Person == who {
			out[n-1].End = next
		} else {
			out = append(out, Shift{Schedule: s.ID, Role: role, Person: who, Start: t.UTC(), End: next.UTC()})
		}
		t = next
	}
	return out
}

// nextChange is the first instant after t, and no later than limit, at
// which who is on call might change.
func (s *Schedule) nextChange(role OnCallRole, t, limit time.Time, cal Calendar, overrides []Override) time.Time {
	next := limit
	consider := func(c time.Time) {
		if c.After(t) && c.Before(next) {
			next = c
		}
	}
	for i := range s.Layers {
		l := &s.Layers[i]
		if l.Role != role || len(l.Rotation.Participants) == 0 {
			continue
		}
		_, _, end := l.Rotation.shiftIndex(t, s.location())
		consider(end)
		if l.Restrict != RestrictNone {
			consider(nextBusinessEdge(t, cal))
		}
	}
	for _, o := range overrides {
		if o.Schedule == s.ID && o.Role == role {
			consider(o.From)
			consider(o.To)
		}
	}
	return next
}

// nextBusinessEdge returns the next opening or closing of business hours
// after t (at most eight days on, which covers every week).
func nextBusinessEdge(t time.Time, cal Calendar) time.Time {
	loc := cal.location()
	local := t.In(loc)
	d := DateOf(local)
	for i := 0; i < 9; i++ {
		day := d.AddDays(i)
		for _, tod := range []TimeOfDay{cal.Opens, cal.Closes} {
			if e := day.At(tod, loc); e.After(t) && cal.IsBusinessDay(day) {
				return e
			}
		}
	}
	return t.Add(8 * 24 * time.Hour)
}

// NextBusinessOpen returns t when it is inside business hours, else the
// next opening of business hours.
func (c Calendar) NextBusinessOpen(t time.Time) time.Time {
	if c.InBusinessHours(t) {
		return t
	}
	loc := c.location()
	d := DateOf(t.In(loc))
	for i := 0; i < 3*366; i++ {
		day := d.AddDays(i)
		if o := day.At(c.Opens, loc); c.IsBusinessDay(day) && !o.Before(t) {
			return o
		}
	}
	return t
}

// Schedule looks up a schedule by id.
func (p *Policy) Schedule(id string) (*Schedule, bool) {
	for i := range p.Schedules {
		if p.Schedules[i].ID == id {
			return &p.Schedules[i], true
		}
	}
	return nil, false
}

// ScheduleFor returns the schedule that pages for an incident's services:
// the first service's that has one, else the policy's first schedule.
func (p *Policy) ScheduleFor(services []string) (*Schedule, bool) {
	for _, id := range services {
		if s, ok := p.Service(id); ok && s.Schedule != "" {
			return p.Schedule(s.Schedule)
		}
	}
	if len(p.Schedules) > 0 {
		return &p.Schedules[0], true
	}
	return nil, false
}

// PeopleWithTitle returns the people whose title is title, ignoring case.
func (p *Policy) PeopleWithTitle(title string) []string {
	var out []string
	for _, per := range p.People {
		if strings.EqualFold(per.Title, title) {
			out = append(out, per.ID)
		}
	}
	return out
}

// OverrideInput asks to put someone on call for a while.
type OverrideInput struct {
	Schedule string     `json:"schedule"`
	Role     OnCallRole `json:"role,omitempty"`
	Person   string     `json:"person"`
	From     time.Time  `json:"from"`
	To       time.Time  `json:"to"`
}

// MaxOverride is the longest override: a quarter.
const MaxOverride = 92 * 24 * time.Hour

// Validate checks the input against the policy and returns a normalised
// copy (role primary by default, instants in UTC), or EInvalid.
func (in OverrideInput) Validate(p *Policy) (OverrideInput, error) {
	var fe []FieldError
	if _, ok := p.Schedule(in.Schedule); !ok {
		fe = append(fe, FieldError{"schedule", "unknown schedule " + quote(in.Schedule)})
	}
	if in.Role == "" {
		in.Role = OnCallPrimary
	}
	if in.Role != OnCallPrimary && in.Role != OnCallSecondary {
		fe = append(fe, FieldError{"role", "must be primary or secondary"})
	}
	if _, ok := p.Person(in.Person); !ok {
		fe = append(fe, FieldError{"person", "no person " + quote(in.Person) + " in the policy's directory"})
	}
	switch {
	case in.From.IsZero() || in.To.IsZero():
		fe = append(fe, FieldError{"to", "from and to are required"})
	case !in.To.After(in.From):
		fe = append(fe, FieldError{"to", "must be after from"})
	case in.To.Sub(in.From) > MaxOverride:
		fe = append(fe, FieldError{"to", "an override lasts at most 92 days"})
	}
	if len(fe) > 0 {
		return in, &Error{Code: EInvalid, Message: "invalid override", Fields: fe}
	}
	in.From, in.To = in.From.UTC().Truncate(time.Microsecond), in.To.UTC().Truncate(time.Microsecond)
	return in, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func mod(a, n int64) int {
	m := a % n
	if m < 0 {
		m += n
	}
	return int(m)
}

// daysBetween returns the whole civil days from a to b.
func daysBetween(a, b Date) int64 {
	ta := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)
	tb := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, time.UTC)
	return int64(tb.Sub(ta).Round(24*time.Hour) / (24 * time.Hour))
}

// sortedPeople returns ids deduplicated, in first-seen order.
func sortedPeople(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
