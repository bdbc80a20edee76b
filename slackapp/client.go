package slackapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/fireline-dev/fireline"
)

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// Client calls Slack's Web API as the bot, counting every call.
type Client struct {
	api   *slack.Client
	calls *prometheus.CounterVec

	now   func() time.Time
	slots sync.Mutex
	// free is, per method, the first instant no caller waiting for Slack
	// has been given yet (waitFor).
	free map[string]time.Time

	mu      sync.Mutex
	botUser string
	teamURL string
}

// Options configure a Client; all are optional.
type Options struct {
	// APIURL is the Web API's base URL, ending in a slash (tests: a fake).
	APIURL string
	HTTP   *http.Client
	// Registry gets fireline_slack_calls_total.
	Registry prometheus.Registerer
	// Now is the clock of the waits handed out after a 429 (time.Now).
	Now func() time.Time
}

// NewClient returns a client acting with the bot token.
func NewClient(token string, o Options) *Client {
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Client{now: o.Now, free: map[string]time.Time{}, api: slack.New(token, slack.OptionAPIURL(o.APIURL), slack.OptionHTTPClient(o.HTTP)),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fireline_slack_calls_total",
			Help: "Slack Web API calls by method and result (ok, ratelimited, or Slack's error code)."}, []string{"method", "result"})}
	if o.Registry != nil {
		o.Registry.MustRegister(c.calls)
	}
	return c
}

// count records a call's outcome and turns Slack's answers into the
// engine's terms: a rate limit is an error with RetryAfter.
func (c *Client) count(method string, err error) error {
	result := "ok"
	var rl *slack.RateLimitedError
	var se slack.SlackErrorResponse
	switch {
	case err == nil:
	case errors.As(err, &rl):
		result = "ratelimited"
		err = &RateLimited{After: c.waitFor(method, rl.RetryAfter)}
	case errors.As(err, &se):
		result = se.Err
	default:
		result = "error"
	}
	c.calls.WithLabelValues(method, result).Inc()
	return err
}

// waitFor is how long a caller Slack refused should wait: Slack's
// Retry-After after the waits already handed out for the method, so that
// the callers waiting together come back one Retry-After apart rather
// than all at once.
func (c *Client) waitFor(method string, after time.Duration) time.Duration {
	c.slots.Lock()
	defer c.slots.Unlock()
	now := c.now()
	slot := c.free[method]
	if slot.Before(now) {
		slot = now
	}
	slot = slot.Add(after)
	c.free[method] = slot
	return slot.Sub(now)
}

// RateLimited is Slack answering 429: try again after After.
type RateLimited struct{ After time.Duration }

func (e *RateLimited) Error() string { return "slack: ratelimited, retry after " + e.After.String() }

// RetryAfter is how long Slack asked to wait.
func (e *RateLimited) RetryAfter() time.Duration { return e.After }

// code is Slack's error code in err ("" when it is not Slack's answer).
func code(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// BotUser is the bot's own user id (auth.test), asked once.
func (c *Client) BotUser(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.botUser != "" {
		return c.botUser, nil
	}
	r, err := c.api.AuthTestContext(ctx)
	if err = c.count("auth.test", err); err != nil {
		return "", err
	}
	c.botUser = r.UserID
	return c.botUser, nil
}

// CreateChannel creates a channel; taken says the name is taken.
func (c *Client) CreateChannel(ctx context.Context, name string, private bool) (id string, taken bool, err error) {
	ch, err := c.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: private})
	err = c.count("conversations.create", err)
	if code(err) == "name_taken" {
		return "", true, nil
	}
	if err != nil {
		return "", false, err
	}
	return ch.ID, false, nil
}

// FindOwnChannel finds the unarchived channel named name that the bot
// created ("" when there is none).
func (c *Client) FindOwnChannel(ctx context.Context, name string) (string, error) {
	bot, err := c.BotUser(ctx)
	if err != nil {
		return "", err
	}
	p := &slack.GetConversationsParameters{ExcludeArchived: true, Limit: 1000, Types: []string{"public_channel", "private_channel"}}
	for {
		chs, next, err := c.api.GetConversationsContext(ctx, p)
		if err = c.count("conversations.list", err); err != nil {
			return "", err
		}
		for _, ch := range chs {
			if ch.Name == name && ch.Creator == bot {
				return ch.ID, nil
			}
		}
		if next == "" {
			return "", nil
		}
		p.Cursor = next
	}
}

// Invite adds users to a channel; those already in it are no error.
func (c *Client) Invite(ctx context.Context, channel string, users []string) error {
	_, err := c.api.InviteUsersToConversationContext(ctx, channel, users...)
	err = c.count("conversations.invite", err)
	if code(err) == "already_in_channel" {
		return nil
	}
	return err
}

// SetTopic sets a channel's topic.
func (c *Client) SetTopic(ctx context.Context, channel, topic string) error {
	_, err := c.api.SetTopicOfConversationContext(ctx, channel, topic)
	return c.count("conversations.setTopic", err)
}

// Post posts a message and returns its ts.
func (c *Client) Post(ctx context.Context, channel string, m fireline.SlackMessage) (string, error) {
	_, ts, err := c.api.PostMessageContext(ctx, channel, messageOptions(m)...)
	return ts, c.count("chat.postMessage", err)
}

// Update edits the message at ts in place.
func (c *Client) Update(ctx context.Context, channel, ts string, m fireline.SlackMessage) error {
	_, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, messageOptions(m)...)
	return c.count("chat.update", err)
}

// Pin pins the message at ts; one already pinned is no error.
func (c *Client) Pin(ctx context.Context, channel, ts string) error {
	err := c.count("pins.add", c.api.AddPinContext(ctx, channel, slack.NewRefToMessage(channel, ts)))
	if code(err) == "already_pinned" {
		return nil
	}
	return err
}

// Bookmark adds a link to the channel's bookmarks bar.
func (c *Client) Bookmark(ctx context.Context, channel, title, link string) error {
	_, err := c.api.AddBookmarkContext(ctx, channel, slack.AddBookmarkParameters{Title: title, Type: "link", Link: link})
	return c.count("bookmarks.add", err)
}

// Archive archives a channel; one already archived is no error.
func (c *Client) Archive(ctx context.Context, channel string) error {
	err := c.count("conversations.archive", c.api.ArchiveConversationContext(ctx, channel))
	if code(err) == "already_archived" || code(err) == "is_archived" {
		return nil
	}
	return err
}

// LookupUser finds a workspace member by email ("" when none has it).
func (c *Client) LookupUser(ctx context.Context, email string) (string, error) {
	u, err := c.api.GetUserByEmailContext(ctx, email)
	err = c.count("users.lookupByEmail", err)
	if code(err) == "users_not_found" {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// UserOf is the Slack user of a directory person: their slack_id, or the
// member with their email ("" when neither).
func (c *Client) UserOf(ctx context.Context, per *fireline.Person) (string, error) {
	if per.SlackID != "" {
		return per.SlackID, nil
	}
	if strings.TrimSpace(per.Email) == "" {
		return "", nil
	}
	return c.LookupUser(ctx, per.Email)
}

// UserEmail is a workspace member's email (users.info; "" when Slack
// shows none).
func (c *Client) UserEmail(ctx context.Context, user string) (string, error) {
	u, err := c.api.GetUserInfoContext(ctx, user)
	if err = c.count("users.info", err); err != nil {
		if code(err) == "user_not_found" {
			return "", nil
		}
		return "", err
	}
	return u.Profile.Email, nil
}

// Message reads one message of a channel (conversations.history at its
// ts): its text and author.
func (c *Client) Message(ctx context.Context, channel, ts string) (text, user string, err error) {
	h, err := c.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: channel, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1})
	if err = c.count("conversations.history", err); err != nil {
		return "", "", err
	}
	if len(h.Messages) == 0 {
		return "", "", fmt.Errorf("slack: no message %s in %s", ts, channel)
	}
	return h.Messages[0].Text, h.Messages[0].User, nil
}

// TeamURL is the workspace's URL (auth.test), for permalinks.
func (c *Client) TeamURL(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.teamURL != "" {
		return c.teamURL, nil
	}
	r, err := c.api.AuthTestContext(ctx)
	if err = c.count("auth.test", err); err != nil {
		return "", err
	}
	c.teamURL, c.botUser = r.URL, r.UserID
	return c.teamURL, nil
}

// Permalink is a message's link, as Slack forms them: the workspace's
// URL, archives, the channel, p and the ts without its dot.
func (c *Client) Permalink(ctx context.Context, channel, ts string) string {
	base, err := c.TeamURL(ctx)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
}

// OpenView opens a modal for the person who triggered it.
func (c *Client) OpenView(ctx context.Context, trigger string, view slack.ModalViewRequest) error {
	_, err := c.api.OpenViewContext(ctx, trigger, view)
	return c.count("views.open", err)
}
