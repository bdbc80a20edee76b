package fireline

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Evidence preserved for a security incident's investigation (the
// guide's "Preserve evidence for investigation"): a file stored by its
// SHA-256 (content-addressed, docs/adr/0062), whose hash, name, size,
// note and uploader go on the hash-chained timeline, so that an export
// proves what was preserved and `fireline incident verify --evidence`
// can check the files later. Only the incident's members and admins may
// add or read it, and every read is recorded on the timeline too.

// Evidence events.
const (
	EventEvidenceAdded EventType = "evidence_added"
	EventEvidenceRead  EventType = "evidence_read"
)

// Evidence actions.
const (
	ActAddEvidence  ActionKind = "add_evidence"
	ActReadEvidence ActionKind = "read_evidence"
)

// MaxEvidenceName caps an evidence file's name.
const MaxEvidenceName = 255

// DefaultMaxEvidenceBytes is the largest evidence file a server takes
// unless told otherwise (fireline serve --evidence-max-bytes).
const DefaultMaxEvidenceBytes = 25 << 20

// Evidence is one preserved file as its incident records it.
type Evidence struct {
	SHA256  string    `json:"sha256"`
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	Note    string    `json:"note,omitempty"`
	AddedBy string    `json:"added_by"`
	AddedAt time.Time `json:"added_at"`
}

// EvidenceInput is what adding evidence takes: the file's name and note,
// and its SHA-256 and size as the store computed them from its content.
// Reading takes Ref: a SHA-256 (or an unambiguous prefix of at least 8
// hex digits) or a name.
type EvidenceInput struct {
	Name   string `json:"name,omitempty"`
	Note   string `json:"note,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
	Ref    string `json:"ref,omitempty"`
}

// Event data of evidence.
type (
	EvidenceAddedData struct {
		SHA256 string `json:"sha256"`
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		Note   string `json:"note,omitempty"`
		By     string `json:"by"`
	}
	// EvidenceReadData records who read a file (the event's actor) and
	// when (its instant).
	EvidenceReadData struct {
		SHA256 string `json:"sha256"`
		Name   string `json:"name"`
	}
)

// MayHandleEvidence reports whether the actor may add and read the
// incident's evidence: its members and admins, restricted or not.
func (inc *Incident) MayHandleEvidence(a Actor) bool {
	return a.Role == RoleAdmin || inc.HasMember(a.PersonID)
}

// EvidenceName is the name a file is preserved under: its base name,
// without the directories of the path it was uploaded from.
func EvidenceName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSpace(name)
}

// addEvidence validates a file to preserve and records it.
func (inc *Incident) addEvidence(in *EvidenceInput, by string) ([]Change, error) {
	if in == nil {
		in = &EvidenceInput{}
	}
	name, note := EvidenceName(in.Name), strings.TrimSpace(in.Note)
	if name == "." || name == ".." {
		name = ""
	}
	fe := checkText(nil, "name", name, 1, MaxEvidenceName)
	fe = checkText(fe, "note", note, 0, MaxText)
	if b, err := hex.DecodeString(in.SHA256); err != nil || len(b) != 32 {
		fe = append(fe, FieldError{"sha256", "must be 64 lowercase hex digits"})
	}
	if in.Size <= 0 {
		fe = append(fe, FieldError{"file", "is empty: there is nothing to preserve"})
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid evidence: " + fe[0].Field + " " + fe[0].Message, Fields: fe}
	}
	if ev := inc.Security.evidence(in.SHA256); ev != nil {
		return nil, Errorf(EConflict, "%s already preserves this file (SHA-256 %s) as %q", inc.ID, ev.SHA256, ev.Name)
	}
	return []Change{{EventEvidenceAdded, &EvidenceAddedData{SHA256: in.SHA256, Name: name, Size: in.Size, Note: note, By: by}}}, nil
}

// readEvidence records a read of the file ref names.
func (inc *Incident) readEvidence(in *EvidenceInput) ([]Change, error) {
	ref := ""
	if in != nil {
		ref = strings.TrimSpace(in.Ref)
	}
	ev, err := inc.FindEvidence(ref)
	if err != nil {
		return nil, err
	}
	return []Change{{EventEvidenceRead, &EvidenceReadData{SHA256: ev.SHA256, Name: ev.Name}}}, nil
}

// FindEvidence returns the file ref names: its SHA-256, an unambiguous
// prefix of it (8 hex digits or more), or its name. ENotFound when none
// or several match.
func (inc *Incident) FindEvidence(ref string) (*Evidence, error) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	var found []*Evidence
	for i := range inc.Security.Evidence {
		ev := &inc.Security.Evidence[i]
		if ev.SHA256 == ref || (len(ref) >= 8 && strings.HasPrefix(ev.SHA256, ref)) || strings.ToLower(ev.Name) == ref {
			found = append(found, ev)
		}
	}
	if len(found) != 1 {
		return nil, Errorf(ENotFound, "%s has no evidence %q (give a SHA-256, 8 or more of its first hex digits, or a file name)", inc.ID, ref)
	}
	return found[0], nil
}

// applyEvidence records a preserved file in the incident's state.
func (inc *Incident) applyEvidence(at time.Time, d *EvidenceAddedData) {
	inc.Security.Evidence = append(slices.Clip(inc.Security.Evidence), Evidence{SHA256: d.SHA256, Name: d.Name,
		Size: d.Size, Note: d.Note, AddedBy: d.By, AddedAt: at})
}

// evidence returns the preserved file with this SHA-256, or nil.
func (s *Security) evidence(sha string) *Evidence {
	for i := range s.Evidence {
		if s.Evidence[i].SHA256 == sha {
			return &s.Evidence[i]
		}
	}
	return nil
}

// EvidenceOf lists the files a timeline says were preserved, in order:
// what `fireline incident verify --evidence` checks an export's files
// against, once the chain is verified.
func EvidenceOf(events []*Event) []Evidence {
	var out []Evidence
	for _, e := range events {
		var d EvidenceAddedData
		if e.Type == EventEvidenceAdded && decodeData(e, &d) {
			out = append(out, Evidence{SHA256: d.SHA256, Name: d.Name, Size: d.Size, Note: d.Note, AddedBy: d.By, AddedAt: e.At})
		}
	}
	return out
}

// EvidenceService preserves and reads incidents' evidence. Every method
// acts as the Actor in ctx; an incident the actor may not see, or whose
// evidence they may not handle (MayHandleEvidence), answers ENotFound,
// so that a restricted incident never shows through.
type EvidenceService interface {
	// AddEvidence preserves content as a file of the incident (its
	// SHA-256 computed here) and records it on the timeline. ENotFound as
	// above; EInvalid for a bad name or note or an empty file; EConflict
	// when the incident already preserves the same content.
	AddEvidence(ctx context.Context, id string, in EvidenceInput, content []byte) (*Evidence, error)
	// ListEvidence lists the incident's files, in the order preserved.
	// ENotFound as above.
	ListEvidence(ctx context.Context, id string) ([]Evidence, error)
	// ReadEvidence returns a file (ref: EvidenceInput.Ref) and its content,
	// and records the read on the timeline: who and when. ENotFound as
	// above, and for a ref that names no file.
	ReadEvidence(ctx context.Context, id, ref string) (*Evidence, []byte, error)
}
