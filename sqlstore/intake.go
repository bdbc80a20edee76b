package sqlstore

import (
	"context"
	"sync"
	"time"

	"github.com/fireline-dev/fireline"
)

// IntakeService implements fireline.IntakeService: alerts in, deduplicated
// by the database, grouped into incidents, committed in groups.
type IntakeService struct {
	db      *DB
	policy  *fireline.Policy
	batcher *batcher

	stopWatch func()         // stops WatchHeartbeats
	watching  sync.WaitGroup // WatchHeartbeats' goroutine
}

var _ fireline.IntakeService = (*IntakeService)(nil)

// IntakeOptions tune intake. The zero value is ready to use.
type IntakeOptions struct {
	// MaxBatch caps the alerts one group commit holds (default 2000).
	MaxBatch int
}

// NewIntakeService starts intake over db under policy p. Close stops it.
func NewIntakeService(db *DB, p *fireline.Policy, opts IntakeOptions) *IntakeService {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 2000
	}
	return &IntakeService{db: db, policy: p, batcher: newBatcher(db, opts.MaxBatch)}
}

// Close stops the group-commit writer after its batch in flight; work
// still queued is answered EUnavailable. Close it before the DB.
func (s *IntakeService) Close() error {
	if s.stopWatch != nil {
		s.stopWatch()
	}
	s.watching.Wait()
	s.batcher.Close()
	return nil
}

// systemActor sees every incident, so that intake can attach alerts to
// restricted ones; timelines name the integration, not this actor.
var systemActor = fireline.Actor{Role: fireline.RoleAdmin, Automation: "intake"}

// IntegrationByKey returns the live integration whose current key, or
// previous key within its grace period, is key. EUnauthorized otherwise.
func (s *IntakeService) IntegrationByKey(ctx context.Context, key string) (*fireline.Integration, error) {
	invalid := fireline.Errorf(fireline.EUnauthorized, "unknown or revoked integration key")
	if key == "" || len(key) > 200 {
		return nil, invalid
	}
	var in *fireline.Integration
	err := s.db.readTx(ctx, "integration by key", func(tx *Tx) (err error) {
		in, err = integrationByKeyHash(ctx, tx, fireline.HashToken(key))
		return err
	})
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, invalid
	}
	return in, nil
}

// Ingest stores a batch of alerts from one integration in one commit,
// shared with concurrent requests. Invalid alerts are rejected (and not
// stored) without failing the others. EUnavailable when the database
// cannot commit.
func (s *IntakeService) Ingest(ctx context.Context, integ *fireline.Integration, alerts []fireline.AlertInput) ([]fireline.AlertResult, error) {
	results := make([]fireline.AlertResult, len(alerts))
	valid := make([]fireline.AlertInput, len(alerts))
	for i, a := range alerts {
		v, err := a.Normalise()
		if err != nil {
			results[i] = fireline.AlertResult{Outcome: fireline.OutcomeRejected, DedupKey: a.DedupKey, Err: err}
			continue
		}
		valid[i] = v
	}
	err := s.batcher.do(ctx, len(alerts), func(ctx context.Context, tx *Tx) error {
		for i, a := range valid {
			if results[i].Outcome == fireline.OutcomeRejected {
				continue
			}
			r, err := s.ingestOne(ctx, tx, integ, a)
			if err != nil {
				return err
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func (s *IntakeService) ingestOne(ctx context.Context, tx *Tx, integ *fireline.Integration, a fireline.AlertInput) (fireline.AlertResult, error) {
	open, err := findOpenAlert(ctx, tx, integ.ID, a.DedupKey)
	if err != nil {
		return fireline.AlertResult{}, err
	}
	switch a.Action {
	case fireline.AlertTrigger:
		if open != nil {
			return s.repeat(ctx, tx, open, a)
		}
		return s.trigger(ctx, tx, integ, a)
	case fireline.AlertAcknowledge:
		if open == nil {
			return fireline.AlertResult{Outcome: fireline.OutcomeDropped, DedupKey: a.DedupKey}, nil
		}
		return s.acknowledge(ctx, tx, integ, open, a)
	default:
		if open == nil {
			return s.resolvedUnknown(ctx, tx, integ, a)
		}
		return s.resolve(ctx, tx, integ, open, a)
	}
}

// repeat counts a trigger of an open alert: deduplicated.
func (s *IntakeService) repeat(ctx context.Context, tx *Tx, open *openAlert, a fireline.AlertInput) (fireline.AlertResult, error) {
	_, err := tx.exec(ctx, "UPDATE alerts SET count = count + 1, last_seen_at = ? WHERE id = ?", micros(tx.now), open.id)
	r := fireline.AlertResult{Outcome: fireline.OutcomeDeduplicated, DedupKey: a.DedupKey, AlertID: open.id}
	if open.incident.Valid {
		r.Incident = fireline.IncidentID(open.incident.Int64)
	}
	return r, err
}

func newAlertRow(integ *fireline.Integration, a fireline.AlertInput, c fireline.Classification, now time.Time) *fireline.Alert {
	return &fireline.Alert{
		Integration: integ.ID, Service: c.Service, DedupKey: a.DedupKey, Status: fireline.AlertFiring,
		Summary: a.Summary, Source: a.Source, Severity: c.Severity, Labels: a.Labels, Annotations: a.Annotations,
		URL: a.URL, Details: a.Details, Count: 1, StartsAt: a.StartsAt, FirstSeenAt: now, LastSeenAt: now,
	}
}

// trigger stores a new alert and opens or joins an incident, unless a
// maintenance window covers its service.
func (s *IntakeService) trigger(ctx context.Context, tx *Tx, integ *fireline.Integration, a fireline.AlertInput) (fireline.AlertResult, error) {
	c := s.policy.Alerts.Classify(a, integ.Service)
	row := newAlertRow(integ, a, c, tx.now)
	inMaintenance, err := underMaintenance(ctx, tx, c.Service)
	if err != nil {
		return fireline.AlertResult{}, err
	}
	if inMaintenance {
		row.Suppressed = true
		if err := insertAlert(ctx, tx, row, integ.Restricted()); err != nil {
			return fireline.AlertResult{}, err
		}
		return fireline.AlertResult{Outcome: fireline.OutcomeSuppressed, DedupKey: a.DedupKey, AlertID: row.ID}, nil
	}
	inc, err := s.groupIncident(ctx, tx, c)
	if err != nil {
		return fireline.AlertResult{}, err
	}
	if inc == nil {
		if inc, err = s.openIncident(ctx, tx, integ, a, c); err != nil {
			return fireline.AlertResult{}, err
		}
	}
	row.Incident = inc.ID
	if err := insertAlert(ctx, tx, row, integ.Restricted()); err != nil {
		return fireline.AlertResult{}, err
	}
	if err := recordOn(ctx, tx, inc, integ, inc.AttachAlert(row, tx.now)); err != nil {
		return fireline.AlertResult{}, err
	}
	_, err = tx.exec(ctx, "UPDATE alert_groups SET open_alerts = open_alerts + 1, last_alert_at = ? WHERE incident_number = ?",
		micros(tx.now), inc.Number)
	return fireline.AlertResult{Outcome: fireline.OutcomeCreated, DedupKey: a.DedupKey, AlertID: row.ID, Incident: inc.ID}, err
}

// groupIncident returns the open incident of the alert's group whose last
// alert came within the policy's window, locked; nil when there is none.
func (s *IntakeService) groupIncident(ctx context.Context, tx *Tx, c fireline.Classification) (*fireline.Incident, error) {
	var n int64
	err := tx.queryRow(ctx, `SELECT g.incident_number FROM alert_groups g JOIN incidents i ON i.number = g.incident_number
		WHERE g.service = ? AND g.group_key = ? AND g.last_alert_at >= ? AND i.status IN (?, ?)
		ORDER BY g.incident_number DESC LIMIT 1`,
		c.Service, c.GroupKey, micros(tx.now.Add(-s.policy.Alerts.Window())),
		string(fireline.StatusTriggered), string(fireline.StatusAcknowledged)).Scan(&n)
	if err != nil {
		if isNoRows(err) {
			return nil, nil
		}
		return nil, err
	}
	return findIncident(ctx, tx, systemActor, fireline.IncidentID(n), n, true)
}

// openIncident declares the incident a new alert group starts.
func (s *IntakeService) openIncident(ctx context.Context, tx *Tx, integ *fireline.Integration, a fireline.AlertInput, c fireline.Classification) (*fireline.Incident, error) {
	in := fireline.DeclareInput{
		Title: truncate(a.Summary, fireline.MaxTitle), Severity: c.Severity, Source: integ.Source,
		Services: []string{c.Service}, Description: truncate(describeAlert(a), fireline.MaxText),
	}
	in, err := in.Validate(s.policy)
	if err != nil {
		return nil, err
	}
	inc, err := declareIncident(ctx, tx, s.policy, in, integ.Actor())
	if err != nil {
		return nil, err
	}
	_, err = tx.exec(ctx, "INSERT INTO alert_groups (incident_number, service, group_key, open_alerts, last_alert_at) VALUES (?, ?, ?, 0, ?)",
		inc.Number, c.Service, c.GroupKey, micros(tx.now))
	return inc, err
}

func describeAlert(a fireline.AlertInput) string {
	for _, k := range []string{"description", "message", "summary"} {
		if v := a.Annotations[k]; v != "" {
			return v
		}
	}
	if a.Source != "" {
		return "From " + a.Source
	}
	return ""
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// acknowledge marks an open alert acknowledged, and acknowledges its
// incident if nobody has.
func (s *IntakeService) acknowledge(ctx context.Context, tx *Tx, integ *fireline.Integration, open *openAlert, a fireline.AlertInput) (fireline.AlertResult, error) {
	r := fireline.AlertResult{Outcome: fireline.OutcomeAcknowledged, DedupKey: a.DedupKey, AlertID: open.id}
	if _, err := tx.exec(ctx, "UPDATE alerts SET status = ?, last_seen_at = ? WHERE id = ?",
		string(fireline.AlertAcknowledged), micros(tx.now), open.id); err != nil {
		return r, err
	}
	if !open.incident.Valid {
		return r, nil
	}
	inc, err := findIncident(ctx, tx, systemActor, fireline.IncidentID(open.incident.Int64), open.incident.Int64, true)
	if err != nil {
		return r, err
	}
	r.Incident = inc.ID
	if inc.Status != fireline.StatusTriggered {
		return r, nil
	}
	return r, s.act(ctx, tx, inc, integ, fireline.Action{Kind: fireline.ActAcknowledge})
}

// resolve resolves an open alert and, when it was its incident's last
// open alert and the policy says so, the incident.
func (s *IntakeService) resolve(ctx context.Context, tx *Tx, integ *fireline.Integration, open *openAlert, a fireline.AlertInput) (fireline.AlertResult, error) {
	r := fireline.AlertResult{Outcome: fireline.OutcomeResolved, DedupKey: a.DedupKey, AlertID: open.id}
	if _, err := tx.exec(ctx, "UPDATE alerts SET status = ?, resolved_at = ?, last_seen_at = ? WHERE id = ?",
		string(fireline.AlertResolved), micros(tx.now), micros(tx.now), open.id); err != nil {
		return r, err
	}
	if !open.incident.Valid {
		return r, nil
	}
	inc, err := findIncident(ctx, tx, systemActor, fireline.IncidentID(open.incident.Int64), open.incident.Int64, true)
	if err != nil {
		return r, err
	}
	r.Incident = inc.ID
	row := &fireline.Alert{ID: open.id, DedupKey: a.DedupKey}
	if err := recordOn(ctx, tx, inc, integ, inc.ResolveAlert(row, tx.now)); err != nil {
		return r, err
	}
	var left int64
	err = tx.queryRow(ctx, "UPDATE alert_groups SET open_alerts = open_alerts - 1 WHERE incident_number = ? RETURNING open_alerts",
		inc.Number).Scan(&left)
	if err != nil && !isNoRows(err) {
		return r, err
	}
	if err == nil && left <= 0 && inc.Status.Open() && s.policy.Alerts.AutoResolves(inc.Severity) {
		return r, s.act(ctx, tx, inc, integ, fireline.Action{Kind: fireline.ActResolve, Text: "All alerts resolved."})
	}
	return r, nil
}

// resolvedUnknown handles a resolve for no open alert: PagerDuty drops
// it; the other formats record the resolved alert, attached to nothing.
func (s *IntakeService) resolvedUnknown(ctx context.Context, tx *Tx, integ *fireline.Integration, a fireline.AlertInput) (fireline.AlertResult, error) {
	if integ.Type == fireline.IntegrationPagerDuty || integ.Type == fireline.IntegrationHeartbeat {
		return fireline.AlertResult{Outcome: fireline.OutcomeDropped, DedupKey: a.DedupKey}, nil
	}
	c := s.policy.Alerts.Classify(a, integ.Service)
	row := newAlertRow(integ, a, c, tx.now)
	if row.Summary == "" {
		row.Summary = a.Labels["alertname"]
	}
	row.Status, row.ResolvedAt = fireline.AlertResolved, &tx.now
	err := insertAlert(ctx, tx, row, integ.Restricted())
	return fireline.AlertResult{Outcome: fireline.OutcomeResolved, DedupKey: a.DedupKey, AlertID: row.ID}, err
}

// act does a domain action to a locked incident as the integration.
func (s *IntakeService) act(ctx context.Context, tx *Tx, inc *fireline.Incident, integ *fireline.Integration, a fireline.Action) error {
	changes, err := inc.Do(s.policy, a, tx.now)
	if err != nil {
		return err
	}
	return recordOn(ctx, tx, inc, integ, changes...)
}

// recordOn appends changes already applied to inc as events by the
// integration, and stores the incident's row.
func recordOn(ctx context.Context, tx *Tx, inc *fireline.Incident, integ *fireline.Integration, changes ...fireline.Change) error {
	actor := integ.Actor().Name()
	for _, c := range changes {
		e, err := fireline.NewEvent(inc.ID, inc.EventCount+1, inc.HeadHash, tx.now, actor, c)
		if err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, inc.Number, e); err != nil {
			return err
		}
		inc.EventCount, inc.HeadHash = e.Seq, e.Hash
	}
	if err := updateIncident(ctx, tx, inc); err != nil {
		return err
	}
	// An acknowledgement or resolution from the sender stops the paging
	// walk in this same transaction, as one from a person does.
	return tx.plan(ctx, inc, changes)
}

// underMaintenance reports whether a window covers service now.
func underMaintenance(ctx context.Context, tx *Tx, service string) (bool, error) {
	var n int64
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM maintenance_windows WHERE service = ? AND starts_at <= ? AND ends_at > ?",
		service, micros(tx.now), micros(tx.now)).Scan(&n)
	return n > 0, err
}

// RecordChange puts a change event on the timeline of every open incident
// of the integration's service. It never opens an incident.
func (s *IntakeService) RecordChange(ctx context.Context, integ *fireline.Integration, c fireline.ChangeInput) error {
	d := fireline.ChangeEventData{Integration: integ.Name, Summary: c.Summary, Source: c.Source, Timestamp: c.Timestamp, Links: c.Links}
	return s.batcher.do(ctx, 1, func(ctx context.Context, tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT s.incident_number FROM incident_services s JOIN incidents i ON i.number = s.incident_number
			WHERE s.service_id = ? AND i.status IN (?, ?) ORDER BY s.incident_number`,
			integ.Service, string(fireline.StatusTriggered), string(fireline.StatusAcknowledged))
		if err != nil {
			return err
		}
		var numbers []int64
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			numbers = append(numbers, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, n := range numbers {
			inc, err := findIncident(ctx, tx, systemActor, fireline.IncidentID(n), n, true)
			if err != nil {
				return err
			}
			if err := recordOn(ctx, tx, inc, integ, inc.RecordChangeEvent(d, tx.now)); err != nil {
				return err
			}
		}
		return nil
	})
}
