package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/notify"
)

// DM pages a person by Slack direct message: contact_methods
// [{type: slack}]. It is a notify.Channel, so its attempts land on the
// timeline and a failure falls back to the next method as with email
// and webhooks.
type DM struct{ Client *Client }

var _ notify.Channel = (*DM)(nil)

// Send opens the direct message with the method's user (a Slack user id,
// or an email Slack resolves) and posts the page, with Acknowledge, I'll
// be incident commander and Open in Fireline on a page.
func (d *DM) Send(ctx context.Context, m *notify.Message, method fireline.ContactMethod) error {
	user := method.To
	if strings.Contains(user, "@") {
		id, err := d.Client.LookupUser(ctx, user)
		if err != nil {
			return sendError(err)
		}
		if id == "" {
			return &notify.Error{Err: fmt.Errorf("no Slack user has the email %s", user)}
		}
		user = id
	}
	if user == "" {
		return &notify.Error{Err: errors.New("the person has no Slack user (slack_id or email)")}
	}
	ch, _, _, err := d.Client.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err = d.Client.count("conversations.open", err); err != nil {
		return sendError(err)
	}
	msg := fireline.SlackMessage{Text: m.Text(), Incident: m.Incident, URL: m.URL, Buttons: m.Type == notify.TypePage}
	_, err = d.Client.Post(ctx, ch.ID, msg)
	return sendError(err)
}

// sendError says whether a failed call is worth retrying: a rate limit
// (after its wait) or a transport failure is; Slack refusing (an unknown
// user, a bad token) is not, and the page falls back to the next method.
func sendError(err error) error {
	var rl *RateLimited
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rl):
		return &notify.Error{Err: err, Retryable: true, RetryAfter: rl.After}
	case code(err) != "":
		return &notify.Error{Err: err}
	}
	return &notify.Error{Err: err, Retryable: true}
}
