package sqlstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/fireline-dev/fireline"
)

// MaintenanceService implements fireline.MaintenanceService.
type MaintenanceService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.MaintenanceService = (*MaintenanceService)(nil)

// NewMaintenanceService returns the maintenance windows over db.
func NewMaintenanceService(db *DB, p *fireline.Policy) *MaintenanceService {
	return &MaintenanceService{db: db, policy: p}
}

// CreateMaintenance schedules a window. EInvalid for bad input;
// EUnauthorized without an actor.
func (s *MaintenanceService) CreateMaintenance(ctx context.Context, in fireline.MaintenanceInput) (*fireline.MaintenanceWindow, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var w *fireline.MaintenanceWindow
	err = s.db.writeTx(ctx, "create maintenance", func(tx *Tx) error {
		v, err := in.Validate(s.policy, tx.now)
		if err != nil {
			return err
		}
		w = &fireline.MaintenanceWindow{ID: uuid.NewString(), Service: v.Service, StartsAt: v.StartsAt, EndsAt: v.EndsAt,
			Reason: v.Reason, CreatedBy: actor.Name(), CreatedAt: tx.now, Public: v.Public}
		_, err = tx.exec(ctx, `INSERT INTO maintenance_windows (id, service, starts_at, ends_at, reason, created_by, created_at, public)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, w.ID, w.Service, micros(w.StartsAt), micros(w.EndsAt), w.Reason, w.CreatedBy, micros(w.CreatedAt), w.Public)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, fireline.AuditRecord{Action: fireline.AuditMaintenanceAdded, Subject: "maintenance:" + w.ID, Data: w})
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// ListMaintenance returns the windows that have not ended, soonest first.
func (s *MaintenanceService) ListMaintenance(ctx context.Context) ([]*fireline.MaintenanceWindow, error) {
	if _, err := actorFrom(ctx); err != nil {
		return nil, err
	}
	var list []*fireline.MaintenanceWindow
	err := s.db.readTx(ctx, "list maintenance", func(tx *Tx) error {
		var err error
		list, err = listMaintenance(ctx, tx, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// listMaintenance returns the windows that have not ended, soonest
// first; with public, only those shown on the status page.
func listMaintenance(ctx context.Context, tx *Tx, public bool) ([]*fireline.MaintenanceWindow, error) {
	q := `SELECT id, service, starts_at, ends_at, reason, created_by, created_at, public
		FROM maintenance_windows WHERE ends_at > ?`
	if public {
		q += " AND public = TRUE"
	}
	rows, err := tx.query(ctx, q+" ORDER BY starts_at, id", micros(tx.now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []*fireline.MaintenanceWindow{}
	for rows.Next() {
		var w fireline.MaintenanceWindow
		var starts, ends, created int64
		if err := rows.Scan(&w.ID, &w.Service, &starts, &ends, &w.Reason, &w.CreatedBy, &created, &w.Public); err != nil {
			return nil, err
		}
		w.StartsAt, w.EndsAt, w.CreatedAt = instant(starts), instant(ends), instant(created)
		list = append(list, &w)
	}
	return list, rows.Err()
}

// DeleteMaintenance cancels a window. ENotFound for no such window.
func (s *MaintenanceService) DeleteMaintenance(ctx context.Context, id string) error {
	if _, err := actorFrom(ctx); err != nil {
		return err
	}
	return s.db.writeTx(ctx, "delete maintenance", func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM maintenance_windows WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fireline.Errorf(fireline.ENotFound, "maintenance window %q not found", id)
		}
		return appendAudit(ctx, tx, fireline.AuditRecord{Action: fireline.AuditMaintenanceGone, Subject: "maintenance:" + id})
	})
}
