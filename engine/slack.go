package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/jobs"
)

// SlackAPI is what the Slack job needs of Slack; slackapp.Client
// provides it.
type SlackAPI interface {
	// CreateChannel creates a channel; taken says the name is taken.
	CreateChannel(ctx context.Context, name string, private bool) (id string, taken bool, err error)
	// FindOwnChannel finds the open channel of that name the bot created.
	FindOwnChannel(ctx context.Context, name string) (string, error)
	Invite(ctx context.Context, channel string, users []string) error
	SetTopic(ctx context.Context, channel, topic string) error
	Post(ctx context.Context, channel string, m fireline.SlackMessage) (ts string, err error)
	Update(ctx context.Context, channel, ts string, m fireline.SlackMessage) error
	Pin(ctx context.Context, channel, ts string) error
	Bookmark(ctx context.Context, channel, title, link string) error
	Archive(ctx context.Context, channel string) error
	// UserOf is a directory person's Slack user ("" when none).
	UserOf(ctx context.Context, per *fireline.Person) (string, error)
}

// SlackStore is what the Slack job needs of the database beyond Store.
type SlackStore interface {
	// EventsAfter reads incident n's events numbered above after (at
	// most the newest fireline.MaxTimelinePage), oldest first.
	EventsAfter(ctx context.Context, n, after int64) ([]*fireline.Event, error)
}

// SlackTx is an IncidentTx that keeps the incident's Slack channel.
type SlackTx interface {
	IncidentTx
	SaveSlack(ctx context.Context, ch *fireline.SlackChannel) error
}

// Slack runs the Slack job (fireline.JobSlackSync): it brings an
// incident's channel up to what the incident is, one Slack call at a
// time and outside any transaction, recording its progress as it goes so
// that a retry after a failure or a crash picks up where it stopped
// (never a second channel, never a second summary).
type Slack struct {
	Engine *Engine
	API    SlackAPI
	Store  SlackStore
}

// Register installs the Slack job's handler.
func (s *Slack) Register(r *jobs.Runner) { r.Handle(fireline.JobSlackSync, s.sync) }

// slackRun is one run of the Slack job over an incident.
type slackRun struct {
	inc  *fireline.Incident
	ch   *fireline.SlackChannel
	own  int64 // events this run recorded itself
	seen int64 // the incident's events when the run read it
}

func (s *Slack) sync(ctx context.Context, j *jobs.Job) error {
	var a fireline.SlackJob
	if err := j.Decode(&a); err != nil {
		return jobs.Permanent(err)
	}
	if s.API == nil {
		return nil // Slack was disconnected: nothing to bring up to date
	}
	inc, err := s.Engine.Store.Incident(ctx, a.Incident)
	if fireline.ErrorCode(err) == fireline.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	run := &slackRun{inc: inc, ch: &fireline.SlackChannel{}, seen: inc.EventCount}
	if inc.Slack != nil {
		*run.ch = *inc.Slack
	}
	callErr := s.bringUp(ctx, run)
	if err := s.finish(ctx, j, run, callErr); err != nil {
		return err
	}
	if _, limited := rateLimited(callErr); limited {
		return nil // rescheduled by finish
	}
	return callErr
}

// rateLimited reports whether err is Slack asking to wait, and how long.
func rateLimited(err error) (time.Duration, bool) {
	var rl interface{ RetryAfter() time.Duration }
	if errors.As(err, &rl) {
		return rl.RetryAfter(), true
	}
	return 0, false
}

// bringUp makes the Slack calls the channel is behind by.
func (s *Slack) bringUp(ctx context.Context, run *slackRun) error {
	p := s.Engine.Policy
	if run.ch.ID == "" {
		if !p.WantsSlackChannel(run.inc) || !run.inc.Status.Open() {
			return nil
		}
		if err := s.create(ctx, run); err != nil || run.ch.ID == "" {
			return err
		}
	}
	if run.ch.ArchivedAt != nil {
		return nil
	}
	events, err := s.Store.EventsAfter(ctx, run.inc.Number, run.ch.Mirrored)
	if err != nil {
		return err
	}
	steps := []func(context.Context, *slackRun, []*fireline.Event) error{s.invite, s.topic, s.summary, s.bookmarks, s.announce, s.mirror, s.archive}
	for _, step := range steps {
		if err := step(ctx, run, events); err != nil {
			return err
		}
	}
	return nil
}

// create creates the channel under the first free name, recording the
// name it tries before it tries it: a retry that finds that name taken
// by a channel the bot made adopts it (its own, from before a crash).
func (s *Slack) create(ctx context.Context, run *slackRun) error {
	p, inc := s.Engine.Policy, run.inc
	private := p.Slack.Private || inc.Restricted
	for attempt := 1; attempt <= 20; attempt++ {
		name := p.ChannelName(inc, attempt)
		tried := run.ch.Creating == name
		if !tried {
			run.ch.Creating = name
			if err := s.save(ctx, run, nil); err != nil {
				return err
			}
		}
		id, taken, err := s.API.CreateChannel(ctx, name, private)
		if err != nil {
			return err
		}
		if taken && tried {
			if id, err = s.API.FindOwnChannel(ctx, name); err != nil {
				return err
			}
		}
		if id != "" {
			run.ch.ID, run.ch.Name, run.ch.Creating = id, name, ""
			return s.save(ctx, run, &fireline.Change{Type: fireline.EventSlackChannel,
				Data: &fireline.SlackChannelData{What: fireline.SlackCreated, Channel: id, Name: name}})
		}
	}
	return fmt.Errorf("slack: no free channel name for %s", inc.ID)
}

// invite invites the responders not yet invited.
func (s *Slack) invite(ctx context.Context, run *slackRun, events []*fireline.Event) error {
	var users, people []string
	for _, id := range fireline.SlackResponders(run.inc, events) {
		if slices.Contains(run.ch.Invited, id) {
			continue
		}
		per, ok := s.Engine.Policy.Person(id)
		if !ok {
			continue
		}
		u, known := run.ch.Users[id]
		if !known {
			var err error
			if u, err = s.API.UserOf(ctx, per); err != nil {
				return err
			}
		}
		people = append(people, id)
		if u != "" {
			users = append(users, u)
			if run.ch.Users == nil {
				run.ch.Users = map[string]string{}
			}
			run.ch.Users[id] = u
		}
	}
	if len(users) > 0 {
		if err := s.API.Invite(ctx, run.ch.ID, users); err != nil {
			return err
		}
	}
	run.ch.Invited = append(run.ch.Invited, people...)
	return nil
}

// topic keeps the topic current.
func (s *Slack) topic(ctx context.Context, run *slackRun, _ []*fireline.Event) error {
	t := s.Engine.Policy.SlackTopic(run.inc, s.statusURL())
	if t == run.ch.Topic {
		return nil
	}
	if err := s.API.SetTopic(ctx, run.ch.ID, t); err != nil {
		return err
	}
	run.ch.Topic = t
	return nil
}

// summary posts the summary once, saving its ts before anything else,
// pins it, and edits it in place when it changes.
func (s *Slack) summary(ctx context.Context, run *slackRun, _ []*fireline.Event) error {
	m := s.Engine.Policy.SlackSummary(run.inc, s.incidentURL(run.inc))
	if run.ch.SummaryTS == "" {
		ts, err := s.API.Post(ctx, run.ch.ID, m)
		if err != nil {
			return err
		}
		run.ch.SummaryTS, run.ch.Summary = ts, m.Text
		if err := s.save(ctx, run, nil); err != nil {
			return err
		}
	} else if m.Text != run.ch.Summary {
		if err := s.API.Update(ctx, run.ch.ID, run.ch.SummaryTS, m); err != nil {
			return err
		}
		run.ch.Summary = m.Text
	}
	if !run.ch.Pinned {
		if err := s.API.Pin(ctx, run.ch.ID, run.ch.SummaryTS); err != nil {
			return err
		}
		run.ch.Pinned = true
	}
	return nil
}

// bookmarks adds the incident page, the status page and the playbooks
// to the channel's bookmarks, once each: the count of those added is
// kept, so that a retry after a refusal adds the rest, not all again.
func (s *Slack) bookmarks(ctx context.Context, run *slackRun, _ []*fireline.Event) error {
	if s.Engine.BaseURL == "" {
		return nil
	}
	links := [][2]string{{run.inc.ID + " in Fireline", s.incidentURL(run.inc)}, {"Internal status", s.statusURL()}}
	for _, pb := range run.inc.Checklist.Playbooks {
		links = append(links, [2]string{"Playbook: " + pb.Title, s.incidentURL(run.inc) + "#checklist"})
	}
	for run.ch.Bookmarks < len(links) {
		l := links[run.ch.Bookmarks]
		if err := s.API.Bookmark(ctx, run.ch.ID, l[0], l[1]); err != nil {
			return err
		}
		run.ch.Bookmarks++
	}
	return nil
}

// announce tells the announcement channel of the new channel, once;
// never for a restricted incident.
func (s *Slack) announce(ctx context.Context, run *slackRun, _ []*fireline.Event) error {
	to := s.Engine.Policy.Slack.AnnouncementChannel
	if run.ch.Announced || to == "" || run.inc.Restricted {
		return nil
	}
	m := fireline.SlackMessage{Text: fmt.Sprintf(":rotating_light: %s [%s] %s: join <#%s>", run.inc.ID, run.inc.Severity, run.inc.Title, run.ch.ID)}
	if _, err := s.API.Post(ctx, to, m); err != nil {
		return err
	}
	run.ch.Announced = true
	return nil
}

// mirror posts the events the channel has not been told of, as one
// message (a burst of changes costs one call), and moves the mark past
// them.
func (s *Slack) mirror(ctx context.Context, run *slackRun, events []*fireline.Event) error {
	var text string
	last := run.ch.Mirrored
	for _, ev := range events {
		if line, ok := s.Engine.Policy.SlackLine(ev); ok {
			text += line + "\n"
		}
		last = max(last, ev.Seq)
	}
	if text != "" {
		if _, err := s.API.Post(ctx, run.ch.ID, fireline.SlackMessage{Text: text[:len(text)-1]}); err != nil {
			return err
		}
	}
	run.ch.Mirrored = last
	return nil
}

// archive archives the channel of an incident resolved the policy's
// delay ago.
func (s *Slack) archive(ctx context.Context, run *slackRun, _ []*fireline.Event) error {
	at, due := s.archiveAt(run.inc)
	if !due || s.now().Before(at) {
		return nil
	}
	if err := s.API.Archive(ctx, run.ch.ID); err != nil {
		return err
	}
	now := s.now()
	run.ch.ArchivedAt = &now
	return s.save(ctx, run, &fireline.Change{Type: fireline.EventSlackChannel,
		Data: &fireline.SlackChannelData{What: fireline.SlackArchived, Channel: run.ch.ID, Name: run.ch.Name}})
}

// archiveAt is when a resolved incident's channel is archived.
func (s *Slack) archiveAt(inc *fireline.Incident) (time.Time, bool) {
	if inc.Status.Open() || inc.ResolvedAt == nil {
		return time.Time{}, false
	}
	return inc.ResolvedAt.Add(s.Engine.Policy.Slack.ArchiveDelay()), true
}

// statusURL is the internal status page, for the topic and bookmarks.
func (s *Slack) statusURL() string {
	if s.Engine.BaseURL == "" {
		return ""
	}
	return s.Engine.BaseURL + "/status/internal"
}

func (s *Slack) incidentURL(inc *fireline.Incident) string {
	if s.Engine.BaseURL == "" {
		return ""
	}
	return s.Engine.BaseURL + "/incidents/" + inc.ID
}

// save stores the channel's progress, and records c when not nil, in a
// transaction of its own.
func (s *Slack) save(ctx context.Context, run *slackRun, c *fireline.Change) error {
	return s.Engine.Store.IncidentTx(ctx, run.inc.Number, func(tx IncidentTx, _ *fireline.Incident) error {
		if c != nil {
			if err := tx.Record(ctx, *c); err != nil {
				return err
			}
			run.own++
		}
		return tx.(SlackTx).SaveSlack(ctx, run.ch)
	})
}

// finish stores how far the run got and decides what comes next, with
// the incident locked: a failed call is retried (the handler returns
// it); an incident that changed meanwhile runs the job again at once; a
// resolved incident's channel waits for its archiving; otherwise the
// job is done. The first failure of a streak, and the recovery after it,
// are recorded on the timeline, so the incident page shows Slack behind.
func (s *Slack) finish(ctx context.Context, j *jobs.Job, run *slackRun, callErr error) error {
	return s.Engine.Store.IncidentTx(ctx, run.inc.Number, func(tx IncidentTx, inc *fireline.Incident) error {
		if c := s.health(run.ch, callErr, tx.Now()); c != nil {
			if err := tx.Record(ctx, *c); err != nil {
				return err
			}
			run.own++
		}
		if err := tx.(SlackTx).SaveSlack(ctx, run.ch); err != nil {
			return err
		}
		if after, limited := rateLimited(callErr); limited {
			// Slack asked to slow down: not a failure, so the backoff does
			// not grow (the client spaces the callers waiting together).
			return tx.Reschedule(ctx, j, tx.Now().Add(after+rand.N(after/10+time.Millisecond)), callErr.Error(), nil, true)
		}
		if callErr != nil {
			return nil
		}
		if inc.EventCount > run.seen+run.own {
			return tx.Reschedule(ctx, j, tx.Now(), "", nil, true)
		}
		if at, due := s.archiveAt(inc); due && run.ch.ID != "" && run.ch.ArchivedAt == nil {
			return tx.Reschedule(ctx, j, at, "", nil, true)
		}
		return tx.Complete(ctx, j)
	})
}

// health notes a failed call on the channel, and returns the event to
// record at the first failure of a streak or the recovery after one.
// Slack asking to slow down is not a failure: the job waits and goes on.
func (s *Slack) health(ch *fireline.SlackChannel, err error, now time.Time) *fireline.Change {
	_, limited := rateLimited(err)
	switch {
	case limited:
		return nil
	case err != nil:
		ch.Failures++
		ch.Error, ch.ErrorAt = err.Error(), &now
		if ch.Failures > 1 {
			return nil
		}
		return &fireline.Change{Type: fireline.EventSlackChannel, Data: &fireline.SlackChannelData{What: fireline.SlackFailing, Channel: ch.ID, Name: ch.Name, Error: err.Error()}}
	case ch.Failures > 0:
		ch.Failures, ch.Error, ch.ErrorAt = 0, "", nil
		return &fireline.Change{Type: fireline.EventSlackChannel, Data: &fireline.SlackChannelData{What: fireline.SlackRecovered, Channel: ch.ID, Name: ch.Name}}
	}
	return nil
}

func (s *Slack) now() time.Time {
	if s.Engine.Now == nil {
		return time.Now()
	}
	return s.Engine.Now()
}
