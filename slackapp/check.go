package slackapp

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/fireline-dev/fireline"
)

// Scopes are the bot token scopes Fireline needs (docs/slack-manifest.yaml).
var Scopes = []string{"channels:manage", "channels:read", "channels:history", "groups:write", "groups:read", "groups:history",
	"chat:write", "pins:read", "pins:write", "bookmarks:write", "reactions:read", "users:read", "users:read.email", "im:write", "commands"}

// Report is what `fireline slack check` found.
type Report struct {
	Team    string   `json:"team"`
	BotUser string   `json:"bot_user"`
	Scopes  []string `json:"scopes"`
	// Missing are the scopes the token lacks.
	Missing []string `json:"missing_scopes,omitempty"`
	// People maps each directory person to their Slack user ("" when
	// none resolves).
	People   []PersonCheck `json:"people"`
	Problems []string      `json:"problems,omitempty"`
}

// PersonCheck is one directory person's Slack user.
type PersonCheck struct {
	Person string `json:"person"`
	User   string `json:"user,omitempty"`
	By     string `json:"by,omitempty"` // slack_id or email
}

// OK reports whether nothing is wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Check verifies the token (auth.test), its scopes (its X-OAuth-Scopes
// header) and that every person in the directory resolves to a Slack user
// (their slack_id, or users.lookupByEmail). A token Slack refuses is an
// error; the rest are the report's problems.
func (c *Client) Check(ctx context.Context, p *fireline.Policy) (*Report, error) {
	var hdr http.Header
	r, err := c.api.AuthTestContext(ctx)
	if err = c.count("auth.test", err); err != nil {
		return nil, fmt.Errorf("the bot token does not work: %w", err)
	}
	hdr = r.Header
	rep := &Report{Team: r.Team, BotUser: r.UserID, Scopes: splitScopes(hdr.Get("X-OAuth-Scopes"))}
	for _, s := range Scopes {
		if !slices.Contains(rep.Scopes, s) {
			rep.Missing = append(rep.Missing, s)
		}
	}
	if len(rep.Missing) > 0 {
		rep.Problems = append(rep.Problems, "the bot token lacks the scopes "+strings.Join(rep.Missing, ", ")+" (docs/slack-manifest.yaml lists them)")
	}
	for i := range p.People {
		rep.People = append(rep.People, c.checkPerson(ctx, &p.People[i], rep))
	}
	return rep, nil
}

func (c *Client) checkPerson(ctx context.Context, per *fireline.Person, rep *Report) PersonCheck {
	pc := PersonCheck{Person: per.ID, User: per.SlackID, By: "slack_id"}
	if per.SlackID != "" {
		return pc
	}
	pc.By = "email"
	if per.Email == "" {
		rep.Problems = append(rep.Problems, fmt.Sprintf("person %s has neither an email nor a slack_id: they cannot be invited or paged in Slack", per.ID))
		return pc
	}
	id, err := c.LookupUser(ctx, per.Email)
	switch {
	case err != nil:
		rep.Problems = append(rep.Problems, fmt.Sprintf("person %s: looking up %s: %v", per.ID, per.Email, err))
	case id == "":
		rep.Problems = append(rep.Problems, fmt.Sprintf("person %s: no Slack user has the email %s; set slack_id on them in the directory", per.ID, per.Email))
	}
	pc.User = id
	return pc
}

func splitScopes(h string) []string {
	var out []string
	for _, s := range strings.Split(h, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
