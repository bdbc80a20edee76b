package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
)

// StatusService implements fireline.StatusService: what the public and
// internal status pages show. The public record's queries select
// unrestricted incidents only (restricted = FALSE in SQL), whoever asks.
type StatusService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.StatusService = (*StatusService)(nil)

// NewStatusService returns the status pages' reads over db.
func NewStatusService(db *DB, p *fireline.Policy) *StatusService {
	return &StatusService{db: db, policy: p}
}

// maxInternal caps the incidents the internal page lists.
const maxInternal = 200

// PublicRecord returns unrestricted incidents with published updates
// unresolved or resolved since, the outages of unrestricted incidents on
// public services in that time, and public maintenance windows not ended.
func (s *StatusService) PublicRecord(ctx context.Context, since time.Time) (*fireline.PublicRecord, error) {
	rec := &fireline.PublicRecord{}
	err := s.db.readTx(ctx, "public status", func(tx *Tx) error {
		if err := s.publicIncidents(ctx, tx, since, rec); err != nil {
			return err
		}
		if err := s.outages(ctx, tx, since, rec); err != nil {
			return err
		}
		return s.publicMaintenance(ctx, tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

func (s *StatusService) publicIncidents(ctx context.Context, tx *Tx, since time.Time, rec *fireline.PublicRecord) error {
	rows, err := tx.query(ctx, `SELECT i.number, i.severity, i.services, i.declared_at, i.resolved_at, c.comms, r.data
		FROM incident_comms c JOIN incidents i ON i.number = c.incident_number
		LEFT JOIN incident_reviews r ON r.incident_number = i.number
		WHERE c.published_at IS NOT NULL AND i.restricted = FALSE AND (i.resolved_at IS NULL OR i.resolved_at >= ?)
		ORDER BY i.declared_at DESC, i.number DESC`, micros(since))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var inc fireline.PublicIncident
		var services, comms string
		var declared int64
		var resolved sql.NullInt64
		var review sql.NullString
		if err := rows.Scan(&inc.Number, &inc.Severity, &services, &declared, &resolved, &comms, &review); err != nil {
			return err
		}
		if err := publicPostmortem(&inc, review); err != nil {
			return fmt.Errorf("incident %d: %w", inc.Number, err)
		}
		var all []string
		var c fireline.Comms
		if err := firstError(json.Unmarshal([]byte(services), &all), json.Unmarshal([]byte(comms), &c)); err != nil {
			return fmt.Errorf("incident %d: %w", inc.Number, err)
		}
		inc.Services, inc.Updates = s.policy.PublicServicesOf(all), c.Published()
		inc.DeclaredAt, inc.ResolvedAt = instant(declared), instantPtr(resolved)
		rec.Incidents = append(rec.Incidents, inc)
	}
	return rows.Err()
}

func (s *StatusService) outages(ctx context.Context, tx *Tx, since time.Time, rec *fireline.PublicRecord) error {
	rows, err := tx.query(ctx, `SELECT i.number, i.severity, i.services, i.declared_at, i.resolved_at FROM incidents i
		WHERE i.restricted = FALSE AND (i.resolved_at IS NULL OR i.resolved_at >= ?)
		ORDER BY i.declared_at`, micros(since))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o fireline.OutageSpan
		var services string
		var declared int64
		var resolved sql.NullInt64
		if err := rows.Scan(&o.Number, &o.Severity, &services, &declared, &resolved); err != nil {
			return err
		}
		var all []string
		if err := json.Unmarshal([]byte(services), &all); err != nil {
			return fmt.Errorf("incident %d: %w", o.Number, err)
		}
		if o.Services = s.policy.PublicServicesOf(all); len(o.Services) > 0 {
			o.Start, o.End = instant(declared), instantPtr(resolved)
			rec.Outages = append(rec.Outages, o)
		}
	}
	return rows.Err()
}

func (s *StatusService) publicMaintenance(ctx context.Context, tx *Tx, rec *fireline.PublicRecord) error {
	list, err := listMaintenance(ctx, tx, true)
	rec.Maintenance = list
	return err
}

// InternalStatus returns the open incidents the actor may see and those
// resolved since, newest first, each with its latest note.
func (s *StatusService) InternalStatus(ctx context.Context, since time.Time) (*fireline.InternalStatus, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &fireline.InternalStatus{Open: []fireline.InternalIncident{}, Resolved: []fireline.InternalIncident{}}
	err = s.db.readTx(ctx, "internal status", func(tx *Tx) error {
		q := selectIncident + ` WHERE (i.status IN ('triggered', 'acknowledged') OR i.resolved_at >= ?) AND ` + visibleTo +
			fmt.Sprintf(" ORDER BY i.declared_at DESC, i.number DESC LIMIT %d", maxInternal)
		incs, err := scanIncidents(ctx, tx, q, append([]any{micros(since)}, visibleArgs(actor)...)...)
		if err != nil {
			return err
		}
		for _, inc := range incs {
			ii, err := s.internal(ctx, tx, inc)
			if err != nil {
				return err
			}
			if inc.Status.Open() {
				out.Open = append(out.Open, ii)
			} else {
				out.Resolved = append(out.Resolved, ii)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func scanIncidents(ctx context.Context, tx *Tx, q string, args ...any) ([]*fireline.Incident, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*fireline.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, finish(inc, tx.now))
	}
	return out, rows.Err()
}

// internal is one incident as the internal page shows it.
func (s *StatusService) internal(ctx context.Context, tx *Tx, inc *fireline.Incident) (fireline.InternalIncident, error) {
	if err := loadComms(ctx, tx, inc); err != nil {
		return fireline.InternalIncident{}, err
	}
	if err := loadSlack(ctx, tx, inc); err != nil { // slack.go
		return fireline.InternalIncident{}, err
	}
	ii := fireline.InternalIncident{Channel: inc.Slack.Link(), ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Stage: inc.Stage, Status: inc.Status,
		Services: inc.Services, ETA: inc.ETA, Commander: inc.RoleHolder(fireline.RoleIncidentCommander),
		Liaison: inc.RoleHolder(fireline.RoleCommunicationsLiaison), DeclaredAt: inc.DeclaredAt, ResolvedAt: inc.ResolvedAt,
		Restricted: inc.Restricted}
	if due, _, ok := s.policy.NextUpdateDue(inc); ok {
		ii.NextPublicUpdate = &due
	}
	var at int64
	var by, data string
	err := tx.queryRow(ctx, `SELECT at, actor, data FROM events WHERE incident_number = ? AND type = 'note'
		ORDER BY seq DESC LIMIT 1`, inc.Number).Scan(&at, &by, &data)
	if isNoRows(err) {
		return ii, nil
	}
	if err != nil {
		return ii, err
	}
	var note fireline.NoteData
	if err := json.Unmarshal([]byte(data), &note); err != nil {
		return ii, err
	}
	t := instant(at)
	ii.Latest, ii.LatestAt, ii.LatestBy = note.Text, &t, by
	return ii, nil
}

// UpdateCompliance counts the public update obligations of the incidents
// the actor may see by severity and outcome.
func (s *StatusService) UpdateCompliance(ctx context.Context) ([]fireline.Compliance, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var all []fireline.Obligation
	err = s.db.readTx(ctx, "update compliance", func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT c.comms FROM incident_comms c JOIN incidents i ON i.number = c.incident_number
			WHERE `+visibleTo, visibleArgs(actor)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var data string
			var c fireline.Comms
			if err := rows.Scan(&data); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(data), &c); err != nil {
				return err
			}
			all = append(all, c.Obligations...)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return fireline.ComplianceOf(all), nil
}
