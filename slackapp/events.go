package slackapp

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/slack-go/slack/slackevents"

	"github.com/fireline-dev/fireline"
)

// eventIDs remembers the events handled lately: Slack sends an event
// again when it got no answer in 3 s, and a note must be taken once.
type eventIDs struct {
	mu    sync.Mutex
	ids   map[string]bool
	order []string
}

const rememberEvents = 10000

// first reports whether id is new, and remembers it.
func (e *eventIDs) first(id string) bool {
	if id == "" {
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ids[id] {
		return false
	}
	if e.ids == nil {
		e.ids = map[string]bool{}
	}
	e.ids[id] = true
	e.order = append(e.order, id)
	if len(e.order) > rememberEvents {
		delete(e.ids, e.order[0])
		e.order = e.order[1:]
	}
	return true
}

// serveEvent answers the URL check, and turns events in incident
// channels into notes: a pinned message, a message marked with the
// policy's reaction, a message starting decision: or finding:.
func (in *Inbound) serveEvent(w http.ResponseWriter, ctx context.Context, body []byte) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		problem(w, http.StatusBadRequest, "the event does not parse: "+err.Error())
		return
	}
	if ev.Type == slackevents.URLVerification {
		var ch slackevents.ChallengeResponse
		json.Unmarshal(body, &ch)
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(ch.Challenge))
		return
	}
	var outer struct {
		EventID string `json:"event_id"`
	}
	json.Unmarshal(body, &outer)
	if ev.Type == slackevents.CallbackEvent && in.seen.first(outer.EventID) {
		in.noteFrom(ctx, ev.InnerEvent.Data)
	}
	w.WriteHeader(http.StatusOK)
}

// slackNote is a message to record as a note.
type slackNote struct {
	by, channel, ts, thread, author, text string
	kind                                  fireline.NoteKind
}

func (in *Inbound) noteFrom(ctx context.Context, data any) {
	var n slackNote
	switch e := data.(type) {
	case *slackevents.PinAddedEvent:
		if e.Item.Message == nil {
			return
		}
		n = slackNote{by: e.User, channel: e.Channel, ts: e.Item.Message.Timestamp, author: e.Item.Message.User, text: e.Item.Message.Text}
	case *slackevents.ReactionAddedEvent:
		if e.Reaction != in.Policy.Slack.MarkReaction() || e.Item.Type != "message" {
			return
		}
		text, author, err := in.Client.Message(ctx, e.Item.Channel, e.Item.Timestamp)
		if err != nil {
			in.log().Warn("slack: read the message marked for the timeline", "err", err)
			return
		}
		n = slackNote{by: e.User, channel: e.Item.Channel, ts: e.Item.Timestamp, author: author, text: text}
	case *slackevents.MessageEvent:
		kind, text, ok := markedMessage(e)
		if !ok {
			return
		}
		n = slackNote{by: e.User, channel: e.Channel, ts: e.TimeStamp, thread: e.ThreadTimeStamp, author: e.User, text: text, kind: kind}
	default:
		return
	}
	in.recordNote(ctx, n)
}

// markedMessage reads a message starting decision: or finding: (a
// person's, not a bot's or an edit).
func markedMessage(e *slackevents.MessageEvent) (fireline.NoteKind, string, bool) {
	if e.SubType != "" || e.BotID != "" {
		return "", "", false
	}
	for _, k := range []fireline.NoteKind{fireline.NoteDecision, fireline.NoteFinding} {
		prefix := string(k) + ":"
		if len(e.Text) > len(prefix) && strings.EqualFold(e.Text[:len(prefix)], prefix) {
			return k, strings.TrimSpace(e.Text[len(prefix):]), true
		}
	}
	return "", "", false
}

// recordNote adds the note to the channel's incident, as the person who
// marked it, with its author and permalink; nothing when the channel is
// no incident's or that person may not add notes.
func (in *Inbound) recordNote(ctx context.Context, n slackNote) {
	id, err := in.Channels.SlackChannelIncident(ctx, n.channel)
	if err != nil {
		return
	}
	actor, err := in.actorOf(ctx, n.by)
	if err != nil || !actor.Role.Includes(fireline.RoleResponder) {
		in.log().Info("slack: a message marked for the timeline by someone who may not add notes is left out", "user", n.by, "incident", id)
		return
	}
	author, _ := in.personOf(ctx, n.author)
	if n.kind == "" {
		n.kind = fireline.NoteGeneral
	}
	src := &fireline.NoteSource{System: "slack", Author: n.author, Person: author, TS: n.ts, Thread: n.thread,
		Link: in.Client.Permalink(ctx, n.channel, n.ts)}
	a := fireline.Action{Kind: fireline.ActAddNote, NoteKind: n.kind, Text: n.text, Source: src}
	if _, err := in.Incidents.Act(fireline.NewContextWithActor(ctx, actor), id, a); err != nil {
		in.log().Warn("slack: note from Slack", "incident", id, "err", err)
	}
}
