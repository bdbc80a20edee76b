package slackapp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/fireline-dev/fireline"
)

// commandHelp lists the /incident subcommands.
const commandHelp = "Usage: /incident declare | ack | severity P1 <reason> | role ic @person | note <text> | " +
	"update impact <text> | update eta <30m or 2026-12-01T18:00:00Z> | resolve <summary> | status. " +
	"In an incident's channel they act on its incident; elsewhere name it first: /incident INC-7 ack."

// incidentRef matches an incident's id given first.
var incidentRef = regexp.MustCompile(`(?i)^inc-\d+$`)

// mention matches a user mention as Slack escapes it: <@U123> or <@U123|name>.
var mention = regexp.MustCompile(`^<@([A-Z0-9]+)(\|[^>]*)?>$`)

// roleAliases are the short role names /incident role takes.
var roleAliases = map[string]fireline.IncidentRole{
	"ic": fireline.RoleIncidentCommander, "commander": fireline.RoleIncidentCommander,
	"comms": fireline.RoleCommunicationsLiaison, "liaison": fireline.RoleCommunicationsLiaison,
	"sme": fireline.RoleSME, "primary": fireline.RolePrimaryOnCall, "secondary": fireline.RoleSecondaryOnCall,
}

// command runs one /incident command as the person who typed it.
func (in *Inbound) command(ctx context.Context, cmd slack.SlashCommand) reply {
	actor, err := in.actorOf(ctx, cmd.UserID)
	if err != nil {
		return reply{Text: "Refused: " + err.Error()}
	}
	ctx = fireline.NewContextWithActor(ctx, actor)
	words := strings.Fields(cmd.Text)
	if len(words) == 0 || words[0] == "help" {
		return reply{Text: commandHelp}
	}
	if words[0] == "declare" {
		return in.openDeclare(ctx, cmd.TriggerID)
	}
	id, words, err := in.target(ctx, cmd.ChannelID, words)
	if err != nil {
		return reply{Text: err.Error()}
	}
	if len(words) == 0 {
		return reply{Text: commandHelp}
	}
	if words[0] == "status" {
		return in.status(ctx, id)
	}
	a, err := in.action(ctx, words)
	if err != nil {
		return reply{Text: err.Error()}
	}
	return in.act(ctx, actor, id, a)
}

// target is the incident a command acts on: named first, or the
// channel's.
func (in *Inbound) target(ctx context.Context, channel string, words []string) (string, []string, error) {
	if incidentRef.MatchString(words[0]) {
		return strings.ToUpper(words[0]), words[1:], nil
	}
	id, err := in.Channels.SlackChannelIncident(ctx, channel)
	if fireline.ErrorCode(err) == fireline.ENotFound {
		return "", nil, errors.New("This channel is no incident's: name the incident first, as in /incident INC-7 ack")
	}
	return id, words, err
}

// action turns a command's words into the domain's action.
func (in *Inbound) action(ctx context.Context, words []string) (fireline.Action, error) {
	rest := strings.Join(words[1:], " ")
	switch words[0] {
	case "ack", "acknowledge":
		return fireline.Action{Kind: fireline.ActAcknowledge}, nil
	case "severity":
		if len(words) < 2 {
			return fireline.Action{}, errors.New("Usage: /incident severity P1 <reason>")
		}
		return fireline.Action{Kind: fireline.ActChangeSeverity, Severity: fireline.Severity(strings.ToUpper(words[1])), Reason: strings.Join(words[2:], " ")}, nil
	case "role":
		return in.roleAction(ctx, words[1:])
	case "note":
		return fireline.Action{Kind: fireline.ActAddNote, NoteKind: fireline.NoteGeneral, Text: rest}, nil
	case "update":
		return updateAction(words[1:], time.Now)
	case "resolve":
		return fireline.Action{Kind: fireline.ActResolve, Text: rest}, nil
	}
	return fireline.Action{}, fmt.Errorf("Unknown command %q. %s", words[0], commandHelp)
}

// roleAction is /incident role ROLE @person (or a person's id).
func (in *Inbound) roleAction(ctx context.Context, words []string) (fireline.Action, error) {
	if len(words) != 2 {
		return fireline.Action{}, errors.New("Usage: /incident role ic @person")
	}
	role, ok := roleAliases[strings.ToLower(words[0])]
	if !ok {
		role = fireline.IncidentRole(words[0])
	}
	person := words[1]
	if m := mention.FindStringSubmatch(words[1]); m != nil {
		p, err := in.personOf(ctx, m[1])
		if err != nil {
			return fireline.Action{}, err
		}
		if p == "" {
			return fireline.Action{}, fmt.Errorf("%s is not in Fireline's directory", words[1])
		}
		person = p
	}
	return fireline.Action{Kind: fireline.ActAssignRole, Role: role, Person: person}, nil
}

// updateAction is /incident update impact <text> or eta <when>.
func updateAction(words []string, now func() time.Time) (fireline.Action, error) {
	if len(words) < 2 {
		return fireline.Action{}, errors.New("Usage: /incident update impact <text> | update eta <30m or 2026-12-01T18:00:00Z>")
	}
	text := strings.Join(words[1:], " ")
	switch words[0] {
	case "impact":
		return fireline.Action{Kind: fireline.ActUpdate, Update: fireline.UpdatedData{Impact: &text}}, nil
	case "eta":
		eta, err := time.Parse(time.RFC3339, text)
		if d, derr := time.ParseDuration(text); derr == nil {
			eta, err = now().Add(d).UTC().Truncate(time.Minute), nil
		}
		if err != nil {
			return fireline.Action{}, fmt.Errorf("eta %q: want a duration such as 30m or a time such as 2026-12-01T18:00:00Z", text)
		}
		return fireline.Action{Kind: fireline.ActUpdate, Update: fireline.UpdatedData{ETA: &eta}}, nil
	}
	return fireline.Action{}, fmt.Errorf("update %q: want impact or eta", words[0])
}

// act takes the action on the incident, through the same service as the
// API, the console and the CLI, after checking the person's role.
func (in *Inbound) act(ctx context.Context, actor fireline.Actor, id string, a fireline.Action) reply {
	if !actor.Role.Includes(fireline.RoleResponder) {
		return reply{Text: fmt.Sprintf("Refused: %s needs the responder role; %s is a %s in Fireline.", a.Kind, in.Policy.PersonName(actor.PersonID), actor.Role)}
	}
	inc, err := in.Incidents.Act(ctx, id, a)
	if err != nil {
		return reply{Text: "Refused: " + userMessage(err)}
	}
	return reply{Text: fmt.Sprintf("%s: %s done. %s is %s, %s.", inc.ID, a.Kind, inc.ID, inc.Severity, inc.Status)}
}

// status answers with the incident's summary, to its viewers only.
func (in *Inbound) status(ctx context.Context, id string) reply {
	inc, err := in.Incidents.FindIncident(ctx, id)
	if err != nil {
		return reply{Text: userMessage(err)}
	}
	return reply{Text: in.Policy.SlackSummary(inc, in.incidentURL(inc.ID)).Text}
}

func (in *Inbound) incidentURL(id string) string {
	if in.PublicURL == "" {
		return ""
	}
	return strings.TrimSuffix(in.PublicURL, "/") + "/incidents/" + id
}

// userMessage is an error as a person may read it: the domain's
// message, with the fields it names.
func userMessage(err error) string {
	var fe *fireline.Error
	if !errors.As(err, &fe) {
		return "something went wrong; the server's log has the details"
	}
	msg := fe.Message
	for _, f := range fe.Fields {
		msg += "; " + f.Field + ": " + f.Message
	}
	return msg
}
