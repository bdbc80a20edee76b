package fireline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// chainHash is the one hash of Fireline's append-only logs, the incident
// timeline (Event) and the audit log (AuditEntry): the SHA-256 over the
// previous entry's hash and the entry's fields, each ended by a NUL, then
// its data as compact JSON, so that re-indenting an export does not break
// it.
func chainHash(prevHash string, fields []string, data json.RawMessage) string {
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		compact.Reset()
		compact.Write(data)
	}
	h := sha256.New()
	for _, part := range append([]string{prevHash}, fields...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(compact.Bytes())
	return hex.EncodeToString(h.Sum(nil))
}

// chainLink is what verifyLinks checks of one entry of a chain: its
// number, the hashes it stores, and the hash its content has.
type chainLink struct {
	Seq      int64
	PrevHash string
	Hash     string
	Computed string
}

// verifyLinks checks a chain of n entries (noun names them in messages):
// numbered 1, 2, ... without gaps, each linking to the hash of the one
// before, each hash matching its content.
func verifyLinks(noun string, n int, link func(i int) chainLink) error {
	prev := ""
	for i := range n {
		l := link(i)
		if l.Seq != int64(i+1) {
			return fmt.Errorf("%s %d: sequence number is %d, want %d (an %s was removed or reordered)", noun, i+1, l.Seq, i+1, noun)
		}
		if l.PrevHash != prev {
			return fmt.Errorf("%s %d: previous hash does not match %s %d (the chain was broken)", noun, l.Seq, noun, l.Seq-1)
		}
		if l.Computed != l.Hash {
			return fmt.Errorf("%s %d: content does not match its hash (the %s was edited)", noun, l.Seq, noun)
		}
		prev = l.Hash
	}
	return nil
}
