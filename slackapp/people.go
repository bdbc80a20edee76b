package slackapp

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/fireline-dev/fireline"
)

// slackSystem is who the Slack app reads the console's users as.
var slackSystem = fireline.Actor{Role: fireline.RoleAdmin, Automation: "slack"}

// peopleCache remembers which directory person each Slack user is.
type peopleCache struct {
	mu     sync.Mutex
	byUser map[string]string
}

// personOf maps a Slack user to the person of the directory: the one
// whose slack_id it is, or whose email Slack has for them ("" when none).
func (in *Inbound) personOf(ctx context.Context, user string) (string, error) {
	for _, per := range in.Policy.People {
		if per.SlackID != "" && per.SlackID == user {
			return per.ID, nil
		}
	}
	in.people.mu.Lock()
	id, ok := in.people.byUser[user]
	in.people.mu.Unlock()
	if ok {
		return id, nil
	}
	email, err := in.Client.UserEmail(ctx, user)
	if err != nil {
		return "", err
	}
	for _, per := range in.Policy.People {
		if email != "" && strings.EqualFold(per.Email, email) {
			id = per.ID
		}
	}
	in.people.mu.Lock()
	if in.people.byUser == nil {
		in.people.byUser = map[string]string{}
	}
	in.people.byUser[user] = id
	in.people.mu.Unlock()
	return id, nil
}

// actorOf is who a Slack user acts as: their person of the directory,
// with the role of the console user acting as that person (the highest,
// if several; none disabled), or responder when no console user does.
// A Slack user outside the directory, or whose console user is disabled,
// may do nothing.
func (in *Inbound) actorOf(ctx context.Context, user string) (fireline.Actor, error) {
	person, err := in.personOf(ctx, user)
	if err != nil {
		return fireline.Actor{}, err
	}
	if person == "" {
		return fireline.Actor{}, fmt.Errorf("your Slack account is not in Fireline's directory: ask an admin to add your email or slack_id to the policy's people")
	}
	role, err := in.roleOf(ctx, person)
	if err != nil {
		return fireline.Actor{}, err
	}
	return fireline.Actor{Role: role, PersonID: person}, nil
}

func (in *Inbound) roleOf(ctx context.Context, person string) (fireline.Role, error) {
	if in.Users == nil {
		return fireline.RoleResponder, nil
	}
	users, err := in.Users.ListUsers(fireline.NewContextWithActor(ctx, slackSystem))
	if err != nil {
		return "", err
	}
	role, found, disabled := fireline.Role(""), false, false
	for _, u := range users {
		if u.PersonID != person {
			continue
		}
		if u.Disabled {
			disabled = true
			continue
		}
		if !found || u.Role.Includes(role) {
			role, found = u.Role, true
		}
	}
	switch {
	case found:
		return role, nil
	case disabled:
		return "", fmt.Errorf("your Fireline account is disabled")
	}
	return fireline.RoleResponder, nil
}
