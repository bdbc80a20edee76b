package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"time"

	"github.com/google/uuid"

	"github.com/fireline-dev/fireline"
)

// IntegrationService implements fireline.IntegrationService.
type IntegrationService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.IntegrationService = (*IntegrationService)(nil)

// NewIntegrationService returns the integration service over db; services
// are checked against policy p.
func NewIntegrationService(db *DB, p *fireline.Policy) *IntegrationService {
	return &IntegrationService{db: db, policy: p}
}

// newIntegrationKey returns 32 random hex digits (128 bits): the shape of
// a PagerDuty routing key.
func newIntegrationKey() string {
	b := make([]byte, fireline.IntegrationKeyLength/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CreateIntegration stores a new integration and returns it with its key
// (and signing secret when it verifies signatures), shown only now.
// EInvalid for bad input; EUnauthorized without an actor.
func (s *IntegrationService) CreateIntegration(ctx context.Context, in fireline.IntegrationInput) (*fireline.CreatedIntegration, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in, err = in.Validate(s.policy); err != nil {
		return nil, err
	}
	out := &fireline.CreatedIntegration{Key: newIntegrationKey()}
	if in.Sign {
		out.SigningSecret = rand.Text()
	}
	err = s.db.writeTx(ctx, "create integration", func(tx *Tx) error {
		out.Integration = fireline.Integration{
			ID: uuid.NewString(), Name: in.Name, Type: in.Type, Service: in.Service, Source: in.Source,
			SignatureHeader: in.SignatureHeader, TimestampHeader: in.TimestampHeader, SigningSecret: out.SigningSecret,
			HeartbeatInterval: in.HeartbeatInterval, ProbeURL: in.ProbeURL, ProbeInterval: in.ProbeInterval,
			CreatedBy: actor.Name(), CreatedAt: tx.now,
		}
		var n int64
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM integrations WHERE name = ? AND deleted_at IS NULL", in.Name).Scan(&n); err != nil {
			return err
		} else if n > 0 {
			return fireline.Errorf(fireline.EConflict, "an integration named %q exists; choose another --name", in.Name)
		}
		if err := insertIntegration(ctx, tx, &out.Integration, out.Key); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, integrationRecord(fireline.AuditIntegrationAdded, &out.Integration, nil)); err != nil {
			return err
		}
		switch in.Type {
		case fireline.IntegrationProbe:
			return tx.Enqueue(ctx, fireline.ProbeJob(out.ID, tx.now))
		case fireline.IntegrationHeartbeat:
			return tx.Enqueue(ctx, fireline.HeartbeatJob(out.ID, out.HeartbeatDue()))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if in.Type == fireline.IntegrationProbe {
		out.Key = "" // nothing calls a probe: its key, never shown, opens nothing
	}
	return out, nil
}

// insertIntegrationSQL stores an integration. Its ref, the small number
// its alerts carry for deduplication (docs/adr/0042), comes from the
// column's identity sequence on PostgreSQL and follows the highest on
// SQLite, whose one writer holds the database lock.
var insertIntegrationSQL = map[string]string{
	DialectPostgres: `INSERT INTO integrations (id, name, type, service, source, key_hash,
		signature_header, timestamp_header, signing_secret, heartbeat_interval, probe_url, probe_interval, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	DialectSQLite: `INSERT INTO integrations (id, name, type, service, source, key_hash,
		signature_header, timestamp_header, signing_secret, heartbeat_interval, probe_url, probe_interval, created_by, created_at, ref)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(ref), 0) + 1 FROM integrations))`,
}

func insertIntegration(ctx context.Context, tx *Tx, in *fireline.Integration, key string) error {
	_, err := tx.exec(ctx, insertIntegrationSQL[tx.db.dialect],
		in.ID, in.Name, string(in.Type), in.Service, string(in.Source), fireline.HashToken(key),
		in.SignatureHeader, in.TimestampHeader, in.SigningSecret, time.Duration(in.HeartbeatInterval).Microseconds(),
		in.ProbeURL, time.Duration(in.ProbeInterval).Microseconds(), in.CreatedBy, micros(in.CreatedAt))
	return err
}

// integrationRef returns the ref of the integration with id, which its
// alerts carry in integration_ref (docs/adr/0042). Refs never change, so
// each is read once per process.
func (db *DB) integrationRef(ctx context.Context, tx *Tx, id string) (int64, error) {
	if ref, ok := db.refs.Load(id); ok {
		return ref.(int64), nil
	}
	var ref int64
	err := tx.queryRow(ctx, "SELECT ref FROM integrations WHERE id = ?", id).Scan(&ref)
	if err == sql.ErrNoRows {
		return 0, fireline.Errorf(fireline.ENotFound, "no integration %q", id)
	} else if err != nil {
		return 0, err
	}
	db.refs.Store(id, ref)
	return ref, nil
}

// ListIntegrations returns the live integrations, newest first.
// EUnauthorized without an actor.
func (s *IntegrationService) ListIntegrations(ctx context.Context) ([]*fireline.Integration, error) {
	if _, err := actorFrom(ctx); err != nil {
		return nil, err
	}
	var list []*fireline.Integration
	err := s.db.readTx(ctx, "list integrations", func(tx *Tx) error {
		rows, err := tx.query(ctx, "SELECT "+integrationColumns+" FROM integrations WHERE deleted_at IS NULL ORDER BY created_at DESC, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		list = []*fireline.Integration{}
		for rows.Next() {
			in, err := scanIntegration(rows)
			if err != nil {
				return err
			}
			list = append(list, in)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// RotateIntegrationKey issues a new key; the old one keeps working for
// grace. ENotFound for no live integration with id.
func (s *IntegrationService) RotateIntegrationKey(ctx context.Context, id string, grace time.Duration) (*fireline.CreatedIntegration, error) {
	if _, err := actorFrom(ctx); err != nil {
		return nil, err
	}
	if grace <= 0 {
		grace = fireline.DefaultRotationGrace
	}
	out := &fireline.CreatedIntegration{Key: newIntegrationKey()}
	defer s.db.forgetIntegrationKeys() // after the commit: the cache must not keep the old key's row
	err := s.db.writeTx(ctx, "rotate integration key", func(tx *Tx) error {
		in, err := findIntegration(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if in.Type == fireline.IntegrationProbe {
			return fireline.Errorf(fireline.EInvalid, "integration %q is a probe: it has no key to rotate", in.Name)
		}
		_, err = tx.exec(ctx, `UPDATE integrations SET previous_key_hash = key_hash, previous_key_expires_at = ?,
			key_hash = ?, rotated_at = ? WHERE id = ?`,
			micros(tx.now.Add(grace)), fireline.HashToken(out.Key), micros(tx.now), id)
		if err != nil {
			return err
		}
		exp := tx.now.Add(grace)
		in.RotatedAt, in.PreviousKeyExpiresAt = &tx.now, &exp
		out.Integration = *in
		return appendAudit(ctx, tx, integrationRecord(fireline.AuditIntegrationKey, in, &exp))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteIntegration stops an integration: its keys stop working at once;
// its alerts stay in history. ENotFound for no live integration with id.
func (s *IntegrationService) DeleteIntegration(ctx context.Context, id string) error {
	if _, err := actorFrom(ctx); err != nil {
		return err
	}
	defer s.db.forgetIntegrationKeys() // after the commit: a deleted key stops working at once
	return s.db.writeTx(ctx, "delete integration", func(tx *Tx) error {
		in, err := findIntegration(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE integrations SET deleted_at = ? WHERE id = ?", micros(tx.now), id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, integrationRecord(fireline.AuditIntegrationGone, in, nil))
	})
}

const integrationColumns = `id, name, type, service, source, signature_header, timestamp_header, signing_secret,
	heartbeat_interval, last_ping_at, probe_url, probe_interval, probe_failing, last_probe_at, last_probe_result,
	created_by, created_at, rotated_at, previous_key_expires_at`

func findIntegration(ctx context.Context, tx *Tx, id string, lock bool) (*fireline.Integration, error) {
	q := "SELECT " + integrationColumns + " FROM integrations WHERE id = ? AND deleted_at IS NULL"
	if lock {
		q += tx.forUpdate()
	}
	in, err := scanIntegration(tx.queryRow(ctx, q, id))
	if err == sql.ErrNoRows {
		return nil, fireline.Errorf(fireline.ENotFound, "integration %q not found", id)
	}
	return in, err
}

// integrationByKeyHash finds the live integration whose current key, or
// previous key still in its grace period, hashes to hash; nil if none.
// viaPrevious says it was the previous key.
func integrationByKeyHash(ctx context.Context, tx *Tx, hash string) (in *fireline.Integration, viaPrevious bool, err error) {
	in, err = scanIntegration(tx.queryRow(ctx, "SELECT "+integrationColumns+
		" FROM integrations WHERE key_hash = ? AND deleted_at IS NULL", hash))
	if err == sql.ErrNoRows {
		viaPrevious = true
		in, err = scanIntegration(tx.queryRow(ctx, "SELECT "+integrationColumns+
			" FROM integrations WHERE previous_key_hash = ? AND previous_key_expires_at > ? AND deleted_at IS NULL",
			hash, micros(tx.now)))
	}
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	return in, viaPrevious, err
}

func scanIntegration(row scanner) (*fireline.Integration, error) {
	var in fireline.Integration
	var interval, probeInterval, created int64
	var lastPing, lastProbe, rotated, prevExp sql.NullInt64
	err := row.Scan(&in.ID, &in.Name, &in.Type, &in.Service, &in.Source, &in.SignatureHeader, &in.TimestampHeader,
		&in.SigningSecret, &interval, &lastPing, &in.ProbeURL, &probeInterval, &in.ProbeFailing, &lastProbe, &in.LastProbeResult,
		&in.CreatedBy, &created, &rotated, &prevExp)
	if err != nil {
		return nil, err
	}
	in.HeartbeatInterval = fireline.Interval(time.Duration(interval) * time.Microsecond)
	in.ProbeInterval = fireline.Interval(time.Duration(probeInterval) * time.Microsecond)
	in.CreatedAt, in.LastPingAt, in.LastProbeAt = instant(created), instantPtr(lastPing), instantPtr(lastProbe)
	in.RotatedAt, in.PreviousKeyExpiresAt = instantPtr(rotated), instantPtr(prevExp)
	return &in, nil
}
