// Package policy turns an organisation's incident response guide, written
// as YAML, into a validated *fireline.Policy, and holds the embedded
// default policy (default.yaml, the Berrys.ai guide) that Fireline runs
// when no policy file is given.
//
// Parse reports every problem in a file at once, each as "file:line:
// message": YAML syntax errors, unknown fields, values of the wrong type,
// and broken rules (a missing severity, a chain that does not exist, a
// review owner who is not in the directory, ...). Check also returns
// warnings and notes, "file:line: warning: message", for what is valid but
// will probably not work on a server: a webhook to localhost or a private
// address the outbound guard refuses, the signing secrets webhooks need,
// a holiday list about to run out. They never make a policy invalid.
//
// It imports the fireline domain package, github.com/goccy/go-yaml for the
// YAML syntax tree and scalar conversion, and the standard library
// (including time/tzdata, so calendar time zones load on hosts without a
// zoneinfo database). Its only I/O is Load and CheckFile reading their
// file and time.LoadLocation reading the zoneinfo database.
package policy
