package fireline

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The guide makes Slack the real-time channel of a P1 or P2: a channel
// per incident, its responders in it, a pinned summary kept current, the
// timeline mirrored into it, archived after resolution. What the channel
// should be is decided here from the incident; the engine's Slack job
// (engine/slack.go) brings the channel up to that, one Slack call at a
// time, outside any transaction, so that a slow or absent Slack never
// holds up a page or an action.

// JobSlackSync brings an incident's Slack channel up to date.
const JobSlackSync = "slack.sync"

// Slack defaults (the guide's).
const (
	DefaultSlackNameTemplate = "incident-{date}-{slug}"
	DefaultSlackReaction     = "pushpin"
	DefaultSlackArchiveAfter = 24 * time.Hour
	// MaxSlackChannelName is Slack's cap on channel names.
	MaxSlackChannelName = 80
	// MaxSlackTopic is about where Slack cuts a topic.
	MaxSlackTopic = 250
)

// SlackPolicy is the policy's slack section.
type SlackPolicy struct {
	// Severities get a channel (default P1 and P2).
	Severities []Severity `yaml:"severities,omitempty" json:"severities,omitempty"`
	// NameTemplate names the channel: {date} is the declaration's date in
	// the calendar's time zone (YYYY-MM-DD), {slug} the title, {number}
	// the incident's number.
	NameTemplate string `yaml:"name_template,omitempty" json:"name_template,omitempty"`
	// AnnouncementChannel (an id or #name) is told of each new channel.
	AnnouncementChannel string `yaml:"announcement_channel,omitempty" json:"announcement_channel,omitempty"`
	// Private makes every channel private; restricted incidents' always are.
	Private bool `yaml:"private,omitempty" json:"private,omitempty"`
	// ArchiveAfter is how long after resolution the channel is archived.
	ArchiveAfter Interval `yaml:"archive_after,omitempty" json:"archive_after,omitzero"`
	// Reaction marks a message for the timeline (default pushpin).
	Reaction string `yaml:"reaction,omitempty" json:"reaction,omitempty"`
	// Connected says the server has a bot token; the server sets it at
	// start (it is not policy): without it no Slack work is planned.
	Connected bool `yaml:"-" json:"connected"`
}

// ChannelSeverities are the severities that get a channel.
func (sp SlackPolicy) ChannelSeverities() []Severity {
	if len(sp.Severities) == 0 {
		return []Severity{P1, P2}
	}
	return sp.Severities
}

// Template is the channel name template.
func (sp SlackPolicy) Template() string {
	if sp.NameTemplate == "" {
		return DefaultSlackNameTemplate
	}
	return sp.NameTemplate
}

// ArchiveDelay is how long after resolution the channel is archived.
func (sp SlackPolicy) ArchiveDelay() time.Duration {
	if sp.ArchiveAfter <= 0 {
		return DefaultSlackArchiveAfter
	}
	return time.Duration(sp.ArchiveAfter)
}

// MarkReaction is the reaction that marks a message for the timeline.
func (sp SlackPolicy) MarkReaction() string {
	if sp.Reaction == "" {
		return DefaultSlackReaction
	}
	return strings.Trim(sp.Reaction, ":")
}

// SlackChannel is an incident's Slack channel and how far it has been
// brought up to date. The engine's Slack job keeps it (the store holds it
// beside the incident); it is not replayed from the timeline, which
// records only the channel's creation and archiving.
type SlackChannel struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Creating is the name being created: a retry that finds it taken
	// adopts the channel of that name, its own from before a crash.
	Creating string `json:"creating,omitempty"`
	// SummaryTS is the pinned summary message, edited in place.
	SummaryTS string `json:"summary_ts,omitempty"`
	Summary   string `json:"summary,omitempty"`
	Pinned    bool   `json:"pinned,omitempty"`
	Topic     string `json:"topic,omitempty"`
	// Invited are the people invited (directory ids); Users maps them to
	// Slack user ids.
	Invited []string          `json:"invited,omitempty"`
	Users   map[string]string `json:"users,omitempty"`
	// Bookmarks is how many of the channel's bookmarks were added.
	Bookmarks int  `json:"bookmarks,omitempty"`
	Announced bool `json:"announced,omitempty"`
	// Mirrored is the last timeline event posted into the channel.
	Mirrored   int64      `json:"mirrored,omitempty"`
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
	// Error is the last Slack call's failure while the channel is behind
	// (empty once it caught up), Failures how many in a row.
	Error    string     `json:"error,omitempty"`
	ErrorAt  *time.Time `json:"error_at,omitempty"`
	Failures int        `json:"failures,omitempty"`
}

// SlackJob is a Slack job's arguments.
type SlackJob struct {
	Incident int64 `json:"incident"`
}

// SlackGroup is the group of an incident's Slack job: its own, so that
// resolving the incident (which cancels the incident's group) does not
// stop the resolution notice and the archiving.
func SlackGroup(n int64) string { return "slack:" + strconv.FormatInt(n, 10) }

// WantsSlackChannel reports whether an incident should have a channel:
// Slack is connected and the incident is of a severity that gets one.
func (p *Policy) WantsSlackChannel(inc *Incident) bool {
	return p.Slack.Connected && slices.Contains(p.Slack.ChannelSeverities(), inc.Severity)
}

// planSlack is the Slack work of an incident's changes: the Slack job,
// when the incident has or should have a channel. One job an incident
// (its key): a job already pending sees these changes when it runs; one
// running sees, at its end, that the incident moved on and runs again.
func (p *Policy) planSlack(inc *Incident, changes []Change, now time.Time) []Job {
	if !p.Slack.Connected || len(changes) == 0 {
		return nil
	}
	if (inc.Slack == nil || inc.Slack.ID == "") && !p.WantsSlackChannel(inc) {
		return nil
	}
	if !slices.ContainsFunc(changes, func(c Change) bool { return slackRelevant(c.Type) }) {
		return nil
	}
	return []Job{SlackSyncJob(inc.Number, now)}
}

// SlackWork is the Slack work of changes the engine records (an
// escalation step paging someone, a clock mark): the same as planSlack.
func (p *Policy) SlackWork(inc *Incident, changes []Change, now time.Time) []Job {
	return p.planSlack(inc, changes, now)
}

// SlackSyncJob is the job bringing incident n's channel up to date at at.
func SlackSyncJob(n int64, at time.Time) Job {
	return Job{Kind: JobSlackSync, Group: SlackGroup(n), RunAt: at, MaxAttempts: 1000,
		Key: "slack:" + strconv.FormatInt(n, 10), Args: SlackJob{Incident: n}}
}

// slackRelevant reports whether an event changes what the channel shows:
// all but page attempts, which the escalation steps already show.
func slackRelevant(t EventType) bool { return t != EventPageSent && t != EventPageFailed }

// ChannelName is the channel's name for an incident on its attempt-th
// try (1 the first; then -2, -3 after name_taken): the template filled
// in, lowercase a-z, 0-9, - and _ only, at most 80 characters.
func (p *Policy) ChannelName(inc *Incident, attempt int) string {
	loc := p.Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	r := strings.NewReplacer("{date}", inc.DeclaredAt.In(loc).Format(time.DateOnly),
		"{slug}", Slugify(inc.Title), "{number}", strconv.FormatInt(inc.Number, 10))
	name := Slugify(r.Replace(p.Slack.Template()))
	suffix := ""
	if attempt > 1 {
		suffix = "-" + strconv.Itoa(attempt)
	}
	if len(name)+len(suffix) > MaxSlackChannelName {
		name = strings.TrimRight(name[:MaxSlackChannelName-len(suffix)], "-")
	}
	return name + suffix
}

// Slugify lowercases s and maps every run of characters other than a-z,
// 0-9 and _ to one hyphen, trimmed at both ends.
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// SlackTopic is the channel's topic: severity, stage, commander and the
// status page.
func (p *Policy) SlackTopic(inc *Incident, statusURL string) string {
	ic := "none"
	if per := inc.holder(RoleIncidentCommander); per != "" {
		ic = p.personName(per)
	}
	t := fmt.Sprintf("%s %s · %s · %s · IC: %s", inc.ID, inc.Severity, inc.Status, inc.Stage, ic)
	if statusURL != "" {
		t += " · status: " + statusURL
	}
	return truncateRunes(t, MaxSlackTopic)
}

// PersonName is a directory person's name (their id when unnamed).
func (p *Policy) PersonName(id string) string { return p.personName(id) }

func (p *Policy) personName(id string) string {
	if per, ok := p.Person(id); ok && per.Name != "" {
		return per.Name
	}
	return id
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// EventSlackChannel records the channel's life: created, archived, or
// Slack failing while the channel is behind (and catching up again).
const EventSlackChannel EventType = "slack_channel"

// What a slack_channel event says happened.
const (
	SlackCreated   = "created"
	SlackArchived  = "archived"
	SlackFailing   = "failing"
	SlackRecovered = "recovered"
)

// SlackChannelData is a slack_channel event's data.
type SlackChannelData struct {
	What    string `json:"what"`
	Channel string `json:"channel,omitempty"`
	Name    string `json:"name,omitempty"`
	Error   string `json:"error,omitempty"`
}

// NoteSource is where a note from outside Fireline came from.
type NoteSource struct {
	// System is "slack".
	System string `json:"system"`
	// Author is the message's author as Slack names them (U...), Person
	// the directory's person they map to.
	Author string `json:"author,omitempty"`
	Person string `json:"person,omitempty"`
	// Link is the message's permalink; TS its Slack timestamp, Thread
	// the timestamp of the message it replies to (a thread).
	Link   string `json:"link,omitempty"`
	TS     string `json:"ts,omitempty"`
	Thread string `json:"thread,omitempty"`
}

// SlackMessage is a message for an incident's channel or a person's
// direct messages: its text (Slack mrkdwn, also the notification's), and
// with Buttons, Acknowledge, I'll be incident commander and Open in
// Fireline (URL) for incident Incident.
type SlackMessage struct {
	Text     string
	Incident string
	URL      string
	Buttons  bool
}

// Link opens the channel in Slack ("" when there is none yet).
func (ch *SlackChannel) Link() string {
	if ch == nil || ch.ID == "" {
		return ""
	}
	return "https://slack.com/app_redirect?channel=" + ch.ID
}
