package slacktest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

type method func(s *Server, args url.Values) map[string]any

// methods are the Web API methods the fake answers.
var methods = map[string]method{
	"auth.test": func(s *Server, _ url.Values) map[string]any {
		return ok("url", "https://fake.slack.com/", "team", "Fake", "user", "fireline", "team_id", "T1", "user_id", BotUser, "bot_id", "B1")
	},
	"users.lookupByEmail":    (*Server).lookupByEmail,
	"conversations.create":   (*Server).create,
	"conversations.list":     (*Server).list,
	"conversations.invite":   (*Server).invite,
	"conversations.setTopic": (*Server).setTopic,
	"conversations.archive":  (*Server).archive,
	"conversations.open":     (*Server).open,
	"chat.postMessage":       (*Server).post,
	"chat.update":            (*Server).update,
	"chat.getPermalink":      (*Server).permalink,
	"pins.add":               (*Server).pin,
	"bookmarks.add":          (*Server).bookmark,
	"views.open":             (*Server).viewsOpen,
	"users.info":             (*Server).userInfo,
	"conversations.history":  (*Server).history,
}

func (s *Server) userInfo(args url.Values) map[string]any {
	for email, id := range s.st.users {
		if id == args.Get("user") {
			return ok("user", map[string]any{"id": id, "profile": map[string]any{"email": email}})
		}
	}
	return fail("user_not_found")
}

func (s *Server) history(args url.Values) map[string]any {
	c := s.byID(args.Get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	if !slices.Contains(c.Members, BotUser) {
		return fail("not_in_channel")
	}
	var out []map[string]any
	for _, m := range c.Messages {
		if m.TS == args.Get("latest") {
			out = append(out, map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "user": m.User, "thread_ts": m.Thread})
		}
	}
	return ok("messages", out, "has_more", false)
}

func (s *Server) lookupByEmail(args url.Values) map[string]any {
	id, found := s.st.users[strings.ToLower(args.Get("email"))]
	if !found {
		return fail("users_not_found")
	}
	return ok("user", map[string]any{"id": id, "profile": map[string]any{"email": args.Get("email")}})
}

// validName applies Slack's channel name rules.
func validName(name string) string {
	switch {
	case name == "":
		return "invalid_name_required"
	case len(name) > 80:
		return "invalid_name_maxlength"
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "invalid_name_specials"
		}
	}
	return ""
}

func (s *Server) create(args url.Values) map[string]any {
	name := args.Get("name")
	if e := validName(name); e != "" {
		return fail(e)
	}
	if s.find(name) != nil {
		return fail("name_taken")
	}
	c := s.newChannel(name, BotUser, args.Get("is_private") == "true", []string{BotUser})
	return ok("channel", c.json())
}

func (s *Server) newChannel(name, creator string, private bool, members []string) *Channel {
	s.st.seq++
	c := &Channel{ID: "C" + strings.ToUpper(strings.ReplaceAll(s.nextTS(), ".", "")), Name: name, Creator: creator,
		Private: private, Members: members, Created: s.now().Unix()}
	s.st.channels = append(s.st.channels, c)
	return c
}

func (c *Channel) json() map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "is_private": c.Private, "is_archived": c.Archived,
		"creator": c.Creator, "created": c.Created, "is_member": slices.Contains(c.Members, BotUser),
		"topic": map[string]any{"value": c.Topic}}
}

func (s *Server) find(name string) *Channel {
	for _, c := range s.st.channels {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// byID finds a channel by id, or by #name as chat.postMessage allows.
func (s *Server) byID(id string) *Channel {
	if name, ok := strings.CutPrefix(id, "#"); ok {
		return s.find(name)
	}
	for _, c := range s.st.channels {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// writable finds a channel the bot may write in: it exists, is not
// archived, and the bot is a member.
func (s *Server) writable(id string) (*Channel, map[string]any) {
	c := s.byID(id)
	switch {
	case c == nil:
		return nil, fail("channel_not_found")
	case c.Archived:
		return nil, fail("is_archived")
	case !slices.Contains(c.Members, BotUser):
		return nil, fail("not_in_channel")
	}
	return c, nil
}

func (s *Server) list(args url.Values) map[string]any {
	var out []map[string]any
	for _, c := range s.st.channels {
		if !c.IM && !(c.Archived && args.Get("exclude_archived") == "true") {
			out = append(out, c.json())
		}
	}
	return ok("channels", out, "response_metadata", map[string]any{"next_cursor": ""})
}

func (s *Server) invite(args url.Values) map[string]any {
	c, e := s.writable(args.Get("channel"))
	if e != nil {
		return e
	}
	for _, u := range strings.Split(args.Get("users"), ",") {
		if !slices.Contains(c.Members, u) {
			c.Members = append(c.Members, u)
		}
	}
	return ok("channel", c.json())
}

func (s *Server) setTopic(args url.Values) map[string]any {
	c, e := s.writable(args.Get("channel"))
	if e != nil {
		return e
	}
	c.Topic = args.Get("topic")
	return ok("channel", c.json())
}

func (s *Server) archive(args url.Values) map[string]any {
	c, e := s.writable(args.Get("channel"))
	if e != nil {
		return fail(e["error"].(string))
	}
	c.Archived = true
	return ok()
}

func (s *Server) open(args url.Values) map[string]any {
	users := args.Get("users")
	known := false
	for _, id := range s.st.users {
		known = known || id == users
	}
	if !known {
		return fail("user_not_found")
	}
	for _, c := range s.st.channels {
		if c.IM && c.Name == users {
			return ok("channel", c.json())
		}
	}
	c := s.newChannel(users, BotUser, true, []string{BotUser, users})
	c.IM = true
	return ok("channel", c.json())
}

func (s *Server) post(args url.Values) map[string]any {
	c, e := s.writable(args.Get("channel"))
	if e != nil {
		return e
	}
	if args.Get("text") == "" && args.Get("blocks") == "" {
		return fail("no_text")
	}
	m := Message{TS: s.nextTS(), Text: args.Get("text"), User: BotUser, Thread: args.Get("thread_ts"), Blocks: json.RawMessage(args.Get("blocks"))}
	c.Messages = append(c.Messages, m)
	return ok("channel", c.ID, "ts", m.TS)
}

func (s *Server) update(args url.Values) map[string]any {
	c, e := s.writable(args.Get("channel"))
	if e != nil {
		return e
	}
	for i := range c.Messages {
		if m := &c.Messages[i]; m.TS == args.Get("ts") {
			m.Text, m.Blocks, m.Edits = args.Get("text"), json.RawMessage(args.Get("blocks")), m.Edits+1
			return ok("channel", c.ID, "ts", m.TS, "text", m.Text)
		}
	}
	return fail("message_not_found")
}

func (s *Server) permalink(args url.Values) map[string]any {
	return ok("channel", args.Get("channel"), "permalink", "https://fake.slack.com/archives/"+args.Get("channel")+"/p"+strings.ReplaceAll(args.Get("message_ts"), ".", ""))
}

func (s *Server) pin(args url.Values) map[string]any {
	c, e := s.writable(args.Get("channel"))
	if e != nil {
		return e
	}
	ts := args.Get("timestamp")
	if slices.Contains(c.Pins, ts) {
		return fail("already_pinned")
	}
	c.Pins = append(c.Pins, ts)
	return ok()
}

func (s *Server) bookmark(args url.Values) map[string]any {
	c, e := s.writable(args.Get("channel_id"))
	if e != nil {
		return e
	}
	if args.Get("type") != "link" || args.Get("link") == "" || args.Get("title") == "" {
		return fail("invalid_arguments")
	}
	c.Bookmarks = append(c.Bookmarks, args.Get("title")+" "+args.Get("link"))
	return ok("bookmark", map[string]any{"id": "Bk" + s.nextTS(), "title": args.Get("title"), "link": args.Get("link")})
}

func (s *Server) viewsOpen(args url.Values) map[string]any {
	if args.Get("trigger_id") == "" {
		return fail("invalid_trigger_id")
	}
	s.st.views = append(s.st.views, args.Get("view"))
	return ok("view", map[string]any{"id": "V" + s.nextTS()})
}
