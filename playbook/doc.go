// Package playbook parses playbooks: Markdown files with a small YAML front
// matter (id, title, owner, last_reviewed, applies_to) whose ## sections,
// named after the workflow's stages (Detection, Initial response,
// Investigation or Verification, Mitigation, Resolution, Post-incident
// review), hold checklist steps written "- [ ] step". A step may carry one
// link (a dashboard, the logs) and one command to copy (inline code), and
// a trailing "<!-- auto: EVENT -->" naming the timeline event that checks
// it by itself; a ### heading naming severities ("### For P1/P2
// incidents") limits the steps under it to them.
//
// Parse turns one file into a *fireline.Playbook, or Problems, each
// "file:line: what is wrong"; Check adds what needs the policy (owners in
// the directory, services that exist, the ids the policy requires). The
// guide's four playbooks and its per-stage actions (the workflow checklist
// every incident gets) are embedded as the defaults (Defaults,
// DefaultFiles).
//
// It is pure: bytes in, playbooks out; LoadDir alone reads files. It
// imports the fireline domain package, github.com/yuin/goldmark (its
// syntax tree, with the task-list extension), github.com/goccy/go-yaml
// for the front matter, and the standard library.
package playbook
