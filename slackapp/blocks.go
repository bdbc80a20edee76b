package slackapp

import (
	"github.com/slack-go/slack"

	"github.com/fireline-dev/fireline"
)

// Action ids of the buttons Fireline puts on its messages.
const (
	ActionAcknowledge = "fireline_ack"
	ActionCommand     = "fireline_take_command"
	ActionOpen        = "fireline_open"
)

// maxSection is Slack's cap on a section block's text.
const maxSection = 3000

// messageOptions renders a message: its text (always set, for the
// notification) and, with buttons, a section and the incident's buttons.
func messageOptions(m fireline.SlackMessage) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if !m.Buttons {
		return opts
	}
	text := m.Text
	if r := []rune(text); len(r) > maxSection {
		text = string(r[:maxSection-1]) + "…"
	}
	section := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
	buttons := []slack.BlockElement{
		slack.NewButtonBlockElement(ActionAcknowledge, m.Incident, slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false)),
		slack.NewButtonBlockElement(ActionCommand, m.Incident, slack.NewTextBlockObject(slack.PlainTextType, "I'll be incident commander", false, false)),
	}
	if m.URL != "" {
		open := slack.NewButtonBlockElement(ActionOpen, m.Incident, slack.NewTextBlockObject(slack.PlainTextType, "Open in Fireline", false, false))
		open.URL = m.URL
		buttons = append(buttons, open)
	}
	return append(opts, slack.MsgOptionBlocks(section, slack.NewActionBlock("fireline_incident", buttons...)))
}
