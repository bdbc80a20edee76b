// Package slackapp is Fireline's Slack app: a Web API client for the
// calls the engine's Slack job makes (engine/slack.go declares what it
// needs; Client provides it), with every call counted in /metrics; the
// settings check behind `fireline slack check`; and the inbound side,
// an http.Handler for Slack's events, slash commands and interactions,
// each request verified by its v0 signature, answered within 3 seconds,
// mapped to the person of the policy's directory, and turned into the
// same incident actions the API, the console and the CLI take.
//
// It imports the domain and slack-go (the wire format, request
// verification, slash command and interaction parsing); never sqlstore,
// engine or web: what it needs of them it declares here, and cmd/ wires
// them.
package slackapp
