package fireline

import (
	"slices"
	"strings"
)

// Runbook items that close themselves (the guide's "runbook, monitoring
// and playbook updates"): an item of kind runbook may name a playbook and
// records the digest of the revision loaded when it was added. When the
// server loads playbooks and that playbook's digest is another, the
// change the item asked for has landed, and the item closes, by the
// system, with a note naming both digests.

// ActPlaybookChanged closes an incident's open items naming Action.Playbook
// whose recorded digest is not the loaded playbook's (the store's, at
// start-up; never a request's).
const ActPlaybookChanged ActionKind = "playbook_changed"

// checkItemPlaybook validates a new item's playbook into fe: one the
// server runs, on a runbook item.
func checkItemPlaybook(p *Policy, fe []FieldError, in ActionItemInput) []FieldError {
	id := strings.TrimSpace(deref(in.Playbook))
	if id == "" {
		return fe
	}
	if _, ok := p.Playbook(id); !ok {
		return append(fe, FieldError{"playbook", "no playbook " + quote(id) + " among the playbooks loaded (fireline playbook list)"})
	}
	if in.Kind != nil && *in.Kind != KindRunbook {
		return append(fe, FieldError{"playbook", "only an item of kind runbook names a playbook"})
	}
	return fe
}

// itemPlaybook is a new item's playbook and the digest loaded now.
func itemPlaybook(p *Policy, in ActionItemInput) (id, digest string) {
	id = strings.TrimSpace(deref(in.Playbook))
	if pb, ok := p.Playbook(id); ok {
		return id, pb.Digest
	}
	return "", ""
}

// PlaybookChanged says whether an item is open on a playbook now loaded
// with another digest than the one it recorded; with the digest loaded.
// A playbook no longer loaded leaves its items open: removing a file is
// not the update they asked for.
func (p *Policy) PlaybookChanged(it *ActionItem) (string, bool) {
	if it.Status != ItemOpen || it.Playbook == "" {
		return "", false
	}
	pb, ok := p.Playbook(it.Playbook)
	if !ok || pb.Digest == it.PlaybookDigest {
		return "", false
	}
	return pb.Digest, true
}

// ChangedPlaybooks lists, by incident, the playbooks whose change closes
// some of the items given, each pair once, in the items' order.
func (p *Policy) ChangedPlaybooks(items []ActionItem) []IncidentPlaybook {
	var out []IncidentPlaybook
	for i := range items {
		ip := IncidentPlaybook{Incident: items[i].Incident, Playbook: items[i].Playbook}
		if _, ok := p.PlaybookChanged(&items[i]); ok && !slices.Contains(out, ip) {
			out = append(out, ip)
		}
	}
	return out
}

// IncidentPlaybook names a playbook on an incident.
type IncidentPlaybook struct {
	Incident string `json:"incident"`
	Playbook string `json:"playbook"`
}

// playbookChanged closes the incident's items on playbook id that its
// loaded revision has overtaken. EConflict when there is none (another
// replica closed them first).
func (inc *Incident) playbookChanged(p *Policy, id, by string) ([]Change, error) {
	var changes []Change
	for i := range inc.ActionItems {
		it := &inc.ActionItems[i]
		digest, ok := p.PlaybookChanged(it)
		if !ok || it.Playbook != id {
			continue
		}
		changes = append(changes, Change{EventActionItemUpdated, &ActionItemUpdatedData{Number: it.Number, Status: ItemDone, By: by,
			PlaybookDigest: &digest, Note: "playbook " + id + " changed (digest " + it.PlaybookDigest + "→" + digest + ")"}})
	}
	if len(changes) == 0 {
		return nil, Errorf(EConflict, "%s has no open item on playbook %q that its change closes", inc.ID, id)
	}
	return changes, nil
}
