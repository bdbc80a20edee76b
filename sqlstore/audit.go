package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/fireline-dev/fireline"
)

// The audit log (migration 00016, docs/adr/0058): each audited act's
// transaction appends its entries through appendAudit, so a committed act
// always has its entry and a rolled-back one has none.

// appendAudit seals records as the next entries of the audit log, made by
// the actor in ctx ("system" without one) from the request's address, in
// tx.
func appendAudit(ctx context.Context, tx *Tx, records ...fireline.AuditRecord) error {
	a, _ := fireline.ActorFromContext(ctx)
	return appendAuditAs(ctx, tx, fireline.AuditOriginOf(a, fireline.AddressFromContext(ctx)), records...)
}

// appendAuditAs is appendAudit for an act whose maker is not the actor in
// ctx: a login, made by the user it signs in (or by nobody known).
func appendAuditAs(ctx context.Context, tx *Tx, o fireline.AuditOrigin, records ...fireline.AuditRecord) error {
	var head fireline.AuditHead
	// The head's row lock (PostgreSQL) orders appends across replicas;
	// SQLite's one writer orders them already.
	err := tx.queryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"+tx.forUpdate()).Scan(&head.Seq, &head.Hash)
	if err != nil {
		return err
	}
	entries, err := head.Append(o, tx.now, records...)
	if err != nil {
		return err
	}
	for _, e := range entries {
		_, err := tx.exec(ctx, `INSERT INTO audit_log (seq, at, actor, via, address, action, subject, data, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, micros(e.At), e.Actor, e.Via, e.Address, string(e.Action),
			e.Subject, string(e.Data), e.PrevHash, e.Hash)
		if err != nil {
			return err
		}
	}
	_, err = tx.exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", head.Seq, head.Hash)
	return err
}

// AuditService implements fireline.AuditService.
type AuditService struct {
	db *DB
}

var _ fireline.AuditService = (*AuditService)(nil)

// NewAuditService returns the audit log's reader over db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// mustBeAdmin refuses every actor but an admin.
func mustBeAdmin(ctx context.Context) error {
	a, err := actorFrom(ctx)
	if err != nil {
		return err
	}
	if !a.Role.Includes(fireline.RoleAdmin) {
		return fireline.Errorf(fireline.EForbidden, "the audit log is for admins; your role is %s", a.Role)
	}
	return nil
}

// ListAudit implements fireline.AuditService.
func (s *AuditService) ListAudit(ctx context.Context, f fireline.AuditFilter) (*fireline.AuditPage, error) {
	if err := mustBeAdmin(ctx); err != nil {
		return nil, err
	}
	f, err := f.Validate()
	if err != nil {
		return nil, err
	}
	where, args := auditWhere(f)
	var entries []*fireline.AuditEntry
	err = s.db.readTx(ctx, "list audit", func(tx *Tx) error {
		rows, err := tx.query(ctx, auditColumns+" WHERE "+where+" ORDER BY seq DESC LIMIT ?", append(args, f.Limit+1)...)
		if err != nil {
			return err
		}
		entries, err = scanAudit(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	page := &fireline.AuditPage{Entries: entries}
	if len(entries) > f.Limit {
		page.Entries = entries[:f.Limit]
		page.Older = page.Entries[f.Limit-1].Seq
	}
	return page, nil
}

// auditWhere is the filter as a WHERE clause and its arguments.
func auditWhere(f fireline.AuditFilter) (string, []any) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if strings.Contains(f.Action, ".") {
		add("action = ?", f.Action)
	} else if f.Action != "" {
		// A group: its acts all start with "group.", and none has a LIKE
		// wildcard in its name.
		add("action LIKE ?", f.Action+".%")
	}
	if f.Since != nil {
		add("at >= ?", micros(*f.Since))
	}
	if f.Until != nil {
		add("at < ?", micros(*f.Until))
	}
	if f.Before > 0 {
		add("seq < ?", f.Before)
	}
	return strings.Join(where, " AND "), args
}

const auditColumns = "SELECT seq, at, actor, via, address, action, subject, data, prev_hash, hash FROM audit_log"

// scanAudit reads the entries rows hold, and closes them.
func scanAudit(rows *sql.Rows) ([]*fireline.AuditEntry, error) {
	defer rows.Close()
	entries := []*fireline.AuditEntry{}
	for rows.Next() {
		var e fireline.AuditEntry
		var at int64
		var action, data string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Via, &e.Address, &action, &e.Subject, &data, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At, e.Action, e.Data = instant(at), fireline.AuditAction(action), []byte(data)
		entries = append(entries, &e)
	}
	return entries, rows.Err()
}

// ExportAudit implements fireline.AuditService: the head and every entry,
// read in one snapshot.
func (s *AuditService) ExportAudit(ctx context.Context) (*fireline.AuditExport, error) {
	if err := mustBeAdmin(ctx); err != nil {
		return nil, err
	}
	x := &fireline.AuditExport{Format: fireline.AuditExportFormat}
	err := s.db.readTx(ctx, "export audit", func(tx *Tx) error {
		x.ExportedAt = tx.now
		if err := tx.queryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&x.HeadSeq, &x.HeadHash); err != nil {
			return err
		}
		rows, err := tx.query(ctx, auditColumns+" WHERE seq <= ? ORDER BY seq", x.HeadSeq)
		if err != nil {
			return err
		}
		x.Entries, err = scanAudit(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// RecordPolicy audits the policy this server starts with when it is not
// the one the log last recorded (Fireline has no live reload: a policy
// changes when a server starts with another file). The actor is the
// server itself ("system"); the details are the digests, old and new.
func (s *AuditService) RecordPolicy(ctx context.Context, p *fireline.Policy) error {
	return s.db.writeTx(ctx, "record policy", func(tx *Tx) error {
		// Locked first, so that replicas starting together record the
		// change once.
		var seq int64
		if err := tx.queryRow(ctx, "SELECT seq FROM audit_head WHERE id = 1"+tx.forUpdate()).Scan(&seq); err != nil {
			return err
		}
		var data string
		err := tx.queryRow(ctx, "SELECT data FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1",
			string(fireline.AuditPolicyChanged)).Scan(&data)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		last := lastPolicyDigest(data)
		if last == p.VersionID() {
			return nil
		}
		return appendAudit(ctx, tx, fireline.AuditRecord{Action: fireline.AuditPolicyChanged, Subject: "policy",
			Data: fireline.AuditChange{From: last, To: p.VersionID()}})
	})
}

// lastPolicyDigest is the policy a policy.changed entry's data changed to;
// "" for none.
func lastPolicyDigest(data string) string {
	var c fireline.AuditChange
	if data == "" || json.Unmarshal([]byte(data), &c) != nil {
		return ""
	}
	return c.To
}

// userRecord audits an act on console user u, whose subject is their
// email.
func userRecord(action fireline.AuditAction, u *fireline.User, data any) fireline.AuditRecord {
	return fireline.AuditRecord{Action: action, Subject: "user:" + u.Email, Data: data}
}

// loginLinkAudit is what the log keeps of a login link: when it expires,
// never its secret.
type loginLinkAudit struct {
	ExpiresAt time.Time `json:"expires_at"`
}

// integrationAudit is what the log keeps of an integration: what it is,
// never its key or signing secret.
type integrationAudit struct {
	Name     string                   `json:"name"`
	Type     fireline.IntegrationType `json:"type"`
	Service  string                   `json:"service"`
	Source   fireline.Source          `json:"source"`
	ProbeURL string                   `json:"probe_url,omitempty"`
	Signed   bool                     `json:"signed,omitempty"`
	// OldKeyUntil is, for a rotation, when the previous key stops
	// working.
	OldKeyUntil *time.Time `json:"old_key_until,omitempty"`
}

// integrationRecord audits an act on integration in.
func integrationRecord(action fireline.AuditAction, in *fireline.Integration, oldKeyUntil *time.Time) fireline.AuditRecord {
	return fireline.AuditRecord{Action: action, Subject: "integration:" + in.ID, Data: integrationAudit{
		Name: in.Name, Type: in.Type, Service: in.Service, Source: in.Source, ProbeURL: in.ProbeURL,
		Signed: in.SigningSecret != "", OldKeyUntil: oldKeyUntil}}
}

// RecordAudit appends r, made by the actor in ctx, in a transaction of its
// own: for acts that store nothing else (a calendar feed's URL issued).
func (s *AuditService) RecordAudit(ctx context.Context, r fireline.AuditRecord) error {
	return s.db.writeTx(ctx, "record audit", func(tx *Tx) error { return appendAudit(ctx, tx, r) })
}
