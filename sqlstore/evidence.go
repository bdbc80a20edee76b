package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/fireline-dev/fireline"
)

// EvidenceService implements fireline.EvidenceService: files kept by
// their SHA-256 in evidence_blobs (ADR 0062), their record on the
// incident's timeline through the incident's actions.
type EvidenceService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.EvidenceService = (*EvidenceService)(nil)

// NewEvidenceService returns the evidence service over db under policy p.
func NewEvidenceService(db *DB, p *fireline.Policy) *EvidenceService {
	return &EvidenceService{db: db, policy: p}
}

const (
	insertBlobSQL = `INSERT INTO evidence_blobs (sha256, size, content, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`
	selectBlobSQL = "SELECT content FROM evidence_blobs WHERE sha256 = ?"
)

// AddEvidence stores content by its SHA-256 and records it on the
// incident's timeline, in one transaction. ENotFound for an incident the
// actor may not see or whose evidence they may not handle.
func (s *EvidenceService) AddEvidence(ctx context.Context, id string, in fireline.EvidenceInput, content []byte) (*fireline.Evidence, error) {
	sum := sha256.Sum256(content)
	in.SHA256, in.Size, in.Ref = hex.EncodeToString(sum[:]), int64(len(content)), ""
	var ev *fireline.Evidence
	err := s.act(ctx, "add evidence", id, fireline.Action{Kind: fireline.ActAddEvidence, Evidence: &in},
		func(tx *Tx, inc *fireline.Incident) error {
			if _, err := tx.exec(ctx, insertBlobSQL, in.SHA256, in.Size, content, micros(tx.now)); err != nil {
				return fmt.Errorf("store evidence: %w", err)
			}
			ev, _ = inc.FindEvidence(in.SHA256)
			return nil
		})
	return ev, err
}

// ListEvidence lists a visible incident's files, for its members and
// admins.
func (s *EvidenceService) ListEvidence(ctx context.Context, id string) ([]fireline.Evidence, error) {
	actor, n, err := s.target(ctx, id)
	if err != nil {
		return nil, err
	}
	var list []fireline.Evidence
	err = s.db.readTx(ctx, "list evidence", func(tx *Tx) error {
		inc, err := findIncident(ctx, tx, actor, id, n, false)
		if err != nil {
			return err
		}
		if !inc.MayHandleEvidence(actor) {
			return noEvidence(inc)
		}
		list = append([]fireline.Evidence{}, inc.Security.Evidence...)
		return nil
	})
	return list, err
}

// ReadEvidence returns a file and its content and records the read.
func (s *EvidenceService) ReadEvidence(ctx context.Context, id, ref string) (*fireline.Evidence, []byte, error) {
	var ev *fireline.Evidence
	var content []byte
	err := s.act(ctx, "read evidence", id, fireline.Action{Kind: fireline.ActReadEvidence, Evidence: &fireline.EvidenceInput{Ref: ref}},
		func(tx *Tx, inc *fireline.Incident) error {
			var err error
			if ev, err = inc.FindEvidence(ref); err != nil {
				return err
			}
			if err = tx.queryRow(ctx, selectBlobSQL, ev.SHA256).Scan(&content); err != nil {
				return fmt.Errorf("read evidence %s: %w", ev.SHA256, err)
			}
			return nil
		})
	if err != nil {
		return nil, nil, err
	}
	return ev, content, nil
}

// act does an evidence action, as actOn does, for an actor who may
// handle the incident's evidence, then runs then in the same
// transaction with the incident as the action left it.
func (s *EvidenceService) act(ctx context.Context, op, id string, a fireline.Action, then func(*Tx, *fireline.Incident) error) error {
	actor, n, err := s.target(ctx, id)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, op, func(tx *Tx) error {
		inc, err := findIncident(ctx, tx, actor, id, n, false)
		if err != nil {
			return err
		}
		if !inc.MayHandleEvidence(actor) {
			return noEvidence(inc)
		}
		if inc, err = actOn(ctx, tx, s.policy, actor, id, n, a); err != nil {
			return err
		}
		return then(tx, inc)
	})
}

func (s *EvidenceService) target(ctx context.Context, id string) (fireline.Actor, int64, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return actor, 0, err
	}
	n, err := fireline.ParseIncidentID(id)
	return actor, n, err
}

// noEvidence is the answer to someone who may see an incident but not
// its evidence: not found, as for an incident they may not see.
func noEvidence(inc *fireline.Incident) error {
	return fireline.Errorf(fireline.ENotFound, "%s has no evidence you may read: evidence is open to the incident's members and admins", inc.ID)
}
