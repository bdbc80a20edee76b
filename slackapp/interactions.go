package slackapp

import (
	"context"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/fireline-dev/fireline"
)

// The declare modal's callback and its inputs' block ids.
const (
	declareCallback = "fireline_declare"
	blockTitle      = "title"
	blockSeverity   = "severity"
	blockDetails    = "description"
)

// interaction runs a button press or a modal submission.
func (in *Inbound) interaction(w http.ResponseWriter, ctx context.Context, cb *slack.InteractionCallback) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		in.answer(w, ctx, cb.ResponseURL, func(ctx context.Context) reply { return in.button(ctx, cb) })
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID == declareCallback {
			writeJSON(w, in.declare(ctx, cb))
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK) // nothing Fireline asked for
	}
}

// button runs Acknowledge or I'll be incident commander as the person
// who pressed it; Open in Fireline is a link Slack opens itself.
func (in *Inbound) button(ctx context.Context, cb *slack.InteractionCallback) reply {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return reply{Text: "No action."}
	}
	act := cb.ActionCallback.BlockActions[0]
	actor, err := in.actorOf(ctx, cb.User.ID)
	if err != nil {
		return reply{Text: "Refused: " + err.Error()}
	}
	ctx = fireline.NewContextWithActor(ctx, actor)
	switch act.ActionID {
	case ActionAcknowledge:
		return in.act(ctx, actor, act.Value, fireline.Action{Kind: fireline.ActAcknowledge})
	case ActionCommand:
		return in.act(ctx, actor, act.Value, fireline.Action{Kind: fireline.ActAssignRole, Role: fireline.RoleIncidentCommander, Person: actor.PersonID})
	}
	return reply{Text: "Opening " + act.Value + " in Fireline."}
}

// openDeclare opens the declare modal: a title, the severity with the
// guide's descriptions, and details.
func (in *Inbound) openDeclare(ctx context.Context, trigger string) reply {
	if trigger == "" {
		return reply{Text: "Slack sent no trigger_id: declare from the slash command itself."}
	}
	text := func(t string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, t, false, false)
	}
	var options []*slack.OptionBlockObject
	for _, sp := range in.Policy.Severities {
		desc := sp.Description
		if r := []rune(desc); len(r) > 75 {
			desc = string(r[:74]) + "…"
		}
		options = append(options, slack.NewOptionBlockObject(string(sp.Level), text(string(sp.Level)+" "+sp.Name), text(desc)))
	}
	view := slack.ModalViewRequest{Type: slack.VTModal, CallbackID: declareCallback, Title: text("Declare an incident"), Submit: text("Declare"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(blockTitle, text("Title"), nil, slack.NewPlainTextInputBlockElement(text("What is happening?"), blockTitle)),
			slack.NewInputBlock(blockSeverity, text("Severity"), nil, slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, text("Choose"), blockSeverity, options...)),
			slack.NewInputBlock(blockDetails, text("Details"), nil, slack.NewPlainTextInputBlockElement(text("Impact, what you saw"), blockDetails)),
		}}}
	view.Blocks.BlockSet[2].(*slack.InputBlock).Optional = true
	if err := in.Client.OpenView(ctx, trigger, view); err != nil {
		return reply{Text: "Slack did not open the form: " + err.Error()}
	}
	return reply{Text: "Declaring: fill in the form."}
}

// declare declares the incident the modal describes, as the person who
// submitted it; bad input goes back to the modal's fields.
func (in *Inbound) declare(ctx context.Context, cb *slack.InteractionCallback) map[string]any {
	actor, err := in.actorOf(ctx, cb.User.ID)
	if err == nil && !actor.Role.Includes(fireline.RoleResponder) {
		err = errString("declaring needs the responder role; you are a " + string(actor.Role) + " in Fireline")
	}
	if err != nil {
		return map[string]any{"response_action": "errors", "errors": map[string]string{blockTitle: err.Error()}}
	}
	value := func(block string) string {
		if cb.View.State == nil {
			return ""
		}
		v := cb.View.State.Values[block][block]
		if v.SelectedOption.Value != "" {
			return v.SelectedOption.Value
		}
		return v.Value
	}
	inc, err := in.Incidents.DeclareIncident(fireline.NewContextWithActor(ctx, actor), fireline.DeclareInput{
		Title: value(blockTitle), Severity: fireline.Severity(value(blockSeverity)), Description: value(blockDetails)})
	if err != nil {
		return map[string]any{"response_action": "errors", "errors": fieldErrors(err)}
	}
	in.log().Info("slack: declared", "incident", inc.ID, "by", actor.PersonID)
	return map[string]any{"response_action": "clear"}
}

// fieldErrors maps the domain's field errors to the modal's blocks.
func fieldErrors(err error) map[string]string {
	out := map[string]string{}
	msg := userMessage(err)
	for _, b := range []string{blockSeverity, blockDetails} {
		if strings.Contains(msg, b+":") {
			out[b] = msg
		}
	}
	if len(out) == 0 {
		out[blockTitle] = msg
	}
	return out
}

type errString string

func (e errString) Error() string { return string(e) }
