// Package soak runs Fireline's outside scenarios against real processes
// on this machine, as `fireline soak` does: it starts the fireline binary
// as `serve` on loopback ports with temporary data directories, drives it
// over HTTP the way monitoring, responders and attackers would, breaks
// what production breaks (kill -9, a database that stops, a webhook
// receiver that fails), and checks what must survive (docs/soak.md,
// docs/adr/0059-soak-command.md).
//
// Correctness counts are absolute: an acknowledged alert lost, an
// escalation step run twice, a page duplicated beyond the retry policy or
// a restricted incident's canary seen by someone who may not see it fails
// the run. Durations and rates are reported, not judged.
//
// The package has no test doubles of Fireline itself: every scenario talks
// to the real binary. The one fake is the webhook receiver, which speaks
// Standard Webhooks, verifies every signature and fails the scenario on a
// message it cannot verify.
package soak
