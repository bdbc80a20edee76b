package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fireline-dev/fireline"
)

// IntakeService implements fireline.IntakeService: alerts in, deduplicated
// by the database, grouped into incidents, committed in groups.
type IntakeService struct {
	db      *DB
	policy  *fireline.Policy
	batcher *batcher
}

var _ fireline.IntakeService = (*IntakeService)(nil)

// defaultMaxBatch is IntakeOptions.MaxBatch's default (docs/adr/0043).
const defaultMaxBatch = 8000

// IntakeOptions tune intake. The zero value is ready to use.
type IntakeOptions struct {
	// MaxBatch caps the alerts one group commit holds (default 8000:
	// under a storm of hashed keys, the larger a commit, the more of its
	// new alerts share a dedup index leaf it writes; docs/adr/0043).
	MaxBatch int
}

// NewIntakeService starts intake over db under policy p. Close stops it.
func NewIntakeService(db *DB, p *fireline.Policy, opts IntakeOptions) *IntakeService {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = defaultMaxBatch
	}
	s := &IntakeService{db: db, policy: p, batcher: newBatcher(db, newIntakeDialect(db), p, opts.MaxBatch)}
	db.intake.Store(s.batcher)
	return s
}

// Close stops the group-commit writer after its batch in flight; work
// still queued is answered EUnavailable. Close it before the DB.
func (s *IntakeService) Close() error {
	s.batcher.Close()
	return nil
}

// IntegrationByKey returns the live integration whose current key, or
// previous key within its grace period, is key. EUnauthorized otherwise.
func (s *IntakeService) IntegrationByKey(ctx context.Context, key string) (*fireline.Integration, error) {
	invalid := fireline.Errorf(fireline.EUnauthorized, "unknown or revoked integration key")
	if key == "" || len(key) > 200 {
		return nil, invalid
	}
	in, err := s.db.integrationByKey(ctx, fireline.HashToken(key))
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
	checked, results := checkEach(alerts)
	return s.ingest(ctx, integ, nil, checked, results)
}

// IngestNormalised implements fireline.IntakeService: Ingest, or with
// signed IngestOnce, of alerts checked already.
func (s *IntakeService) IngestNormalised(ctx context.Context, integ *fireline.Integration, signed *fireline.SignedRequest, alerts []fireline.NormalisedAlert) ([]fireline.AlertResult, error) {
	results := make([]fireline.AlertResult, len(alerts))
	if signed != nil {
		return s.ingestOnce(ctx, integ, *signed, alerts, results)
	}
	return s.ingest(ctx, integ, nil, alerts, results)
}

// checkEach normalises each alert: results holds the rejection of each
// invalid one, whose place in checked stays empty.
func checkEach(alerts []fireline.AlertInput) ([]fireline.NormalisedAlert, []fireline.AlertResult) {
	checked, results := make([]fireline.NormalisedAlert, len(alerts)), make([]fireline.AlertResult, len(alerts))
	for i, a := range alerts {
		n, err := a.Check()
		if err != nil {
			results[i] = fireline.AlertResult{Outcome: fireline.OutcomeRejected, DedupKey: a.DedupKey, Err: err}
			continue
		}
		checked[i] = n
	}
	return checked, results
}

// ingest stores alerts but those results rejects already; signed, when
// not nil, is recorded in the same commit (replay.go).
func (s *IntakeService) ingest(ctx context.Context, integ *fireline.Integration, signed *fireline.SignedRequest, alerts []fireline.NormalisedAlert, results []fireline.AlertResult) ([]fireline.AlertResult, error) {
	valid := make([]preparedAlert, len(alerts))
	for i, a := range alerts {
		valid[i].AlertInput = a.Alert()
	}
	// Repeats of committed open alerts need no commit of their own
	// (SQLite; intake_repeats.go), unless the request's signature must be
	// recorded.
	if c := s.batcher.committed; c != nil && signed == nil {
		if ok, wake := c.answer(integ.ID, valid, results, s.db.frozenNow()); ok {
			if wake {
				// Not at once: the counts of every repeat answered
				// meanwhile share one commit, which nobody waits for.
				time.AfterFunc(repeatsDelay, func() {
					if !s.batcher.wake() {
						c.unkicked()
					}
				})
			}
			return results, nil
		}
	}
	for i := range valid {
		if results[i].Outcome == fireline.OutcomeRejected {
			continue
		}
		var err error
		if valid[i], err = s.prepare(valid[i].AlertInput, integ); err != nil {
			results[i] = fireline.AlertResult{Outcome: fireline.OutcomeRejected, DedupKey: valid[i].DedupKey, Err: err}
		}
	}
	keys := make([]string, 0, len(valid))
	var (
		groups      []int64
		services    []string
		alertGroups []groupKey
	)
	for i, a := range valid {
		if results[i].Outcome != fireline.OutcomeRejected {
			keys = append(keys, a.DedupKey)
			// What its triggers may lock and look up ahead (batchAhead).
			if a.Action == fireline.AlertTrigger {
				groups = append(groups, groupLockKey(a.class.Service, a.class.GroupKey))
				alertGroups = append(alertGroups, groupKey{a.class.Service, a.class.GroupKey, integ.Restricted()})
				if !slices.Contains(services, a.class.Service) {
					services = append(services, a.class.Service)
				}
			}
		}
	}
	err := s.batcher.submit(&batchJob{ctx: ctx, size: max(len(valid), 1), integration: integ.ID, keys: keys, groups: groups, services: services, alertGroups: alertGroups, run: func(ctx context.Context, b *intakeBatch) error {
		// First, so that a replay changes nothing and holds no lock.
		if signed != nil {
			if err := recordSignature(ctx, b.tx, signed); err != nil {
				return err
			}
		}
		for i := range valid {
			if results[i].Outcome == fireline.OutcomeRejected {
				continue
			}
			r, err := s.ingestOne(ctx, b, integ, &valid[i])
			if err != nil {
				return err
			}
			results[i] = r
			// Alerts that repeat are remembered, not every new one: a
			// storm of distinct alerts costs no memory, and an alert's
			// repeats after its first skip the commit.
			if r.Outcome == fireline.OutcomeDeduplicated {
				b.stillOpen(alertKey{integ.ID, valid[i].DedupKey}, r)
			}
		}
		return nil
	}})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// preparedAlert is an alert with what intake works out before its batch,
// in the request's goroutine rather than the batcher's: its classification
// and its labels and annotations as stored.
type preparedAlert struct {
	fireline.AlertInput
	class               fireline.Classification
	labels, annotations string
}

func (s *IntakeService) prepare(a fireline.AlertInput, integ *fireline.Integration) (preparedAlert, error) {
	p := preparedAlert{AlertInput: a, class: s.policy.Alerts.Classify(a, integ.Service)}
	var err error
	p.labels, p.annotations, err = labelsJSON(a.Labels, a.Annotations)
	return p, err
}

func (s *IntakeService) ingestOne(ctx context.Context, b *intakeBatch, integ *fireline.Integration, a *preparedAlert) (fireline.AlertResult, error) {
	open, err := b.openAlert(ctx, integ.ID, a.DedupKey)
	if err != nil {
		return fireline.AlertResult{}, err
	}
	switch a.Action {
	case fireline.AlertTrigger:
		if open != nil {
			return s.repeat(b, open, a.AlertInput), nil
		}
		return s.trigger(ctx, b, integ, a)
	case fireline.AlertAcknowledge:
		if open == nil {
			return fireline.AlertResult{Outcome: fireline.OutcomeDropped, DedupKey: a.DedupKey}, nil
		}
		return s.acknowledge(ctx, b, integ, open, a.AlertInput)
	default:
		if open == nil {
			return s.resolvedUnknown(ctx, b, integ, a)
		}
		return s.resolve(ctx, b, integ, open, a.AlertInput)
	}
}

const (
	ackAlertSQL     = "UPDATE alerts SET status = ?, last_seen_at = ? WHERE id = ?"
	resolveAlertSQL = "UPDATE alerts SET status = ?, resolved_at = ?, last_seen_at = ? WHERE id = ?"
	insertGroupSQL  = "INSERT INTO alert_groups (incident_number, service, group_key, open_alerts, last_alert_at) VALUES (?, ?, ?, ?, ?)"
	maintenanceSQL  = "SELECT COUNT(*) FROM maintenance_windows WHERE service = ? AND starts_at <= ? AND ends_at > ?"
)

var (
	// groupIncidentSQL finds the open incident of an alert group whose
	// last alert came within the window, with its alert_groups row, in one
	// statement. On PostgreSQL it locks both (forUpdateOf), the
	// incident first as everywhere else, so that the rows it returns are
	// the latest: a row changed while the statement waited is read again
	// and must still match (an incident resolved meanwhile is skipped).
	groupIncidentSQL = selectIncidentColumns + `, g.open_alerts, g.last_alert_at
		FROM incidents i JOIN alert_groups g ON g.incident_number = i.number
		WHERE g.service = ? AND g.group_key = ? AND g.last_alert_at >= ? AND i.status IN (?, ?) AND i.restricted = ?
		ORDER BY g.incident_number DESC LIMIT 1`
)

// repeat counts a trigger of an open alert: deduplicated. A repeat
// changes no incident, so it is a counter on the alert row (count,
// last_seen_at), not a timeline event; the batch adds up its repeats and
// writes them at its flush, one statement for all on PostgreSQL.
func (s *IntakeService) repeat(b *intakeBatch, open *openAlert, a fireline.AlertInput) fireline.AlertResult {
	r := fireline.AlertResult{Outcome: fireline.OutcomeDeduplicated, DedupKey: a.DedupKey, AlertID: open.id}
	if open.incident.Valid {
		r.Incident = fireline.IncidentID(open.incident.Int64)
	}
	if p := open.pending; p != nil {
		p.Count, p.LastSeenAt = p.Count+1, b.tx.now
		return r
	}
	b.countRepeat(open.id, b.tx.now)
	return r
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
func (s *IntakeService) trigger(ctx context.Context, b *intakeBatch, integ *fireline.Integration, a *preparedAlert) (fireline.AlertResult, error) {
	tx := b.tx
	c := a.class
	row := newAlertRow(integ, a.AlertInput, c, tx.now)
	inMaintenance, err := b.underMaintenance(ctx, c.Service)
	if err != nil {
		return fireline.AlertResult{}, err
	}
	if inMaintenance {
		row.Suppressed = true
		open, err := b.addAlert(ctx, row, integ.Restricted(), 0, a)
		if err != nil {
			return fireline.AlertResult{}, err
		}
		b.open[alertKey{integ.ID, a.DedupKey}] = open
		return fireline.AlertResult{Outcome: fireline.OutcomeSuppressed, DedupKey: a.DedupKey, AlertID: row.ID}, nil
	}
	inc, err := s.groupIncident(ctx, b, c, integ.Restricted())
	if err != nil {
		return fireline.AlertResult{}, err
	}
	if inc == nil {
		if inc, err = s.openIncident(ctx, b, integ, a.AlertInput, c); err != nil {
			return fireline.AlertResult{}, err
		}
	}
	row.Incident = inc.ID
	open, err := b.addAlert(ctx, row, integ.Restricted(), inc.Number, a)
	if err != nil {
		return fireline.AlertResult{}, err
	}
	b.open[alertKey{integ.ID, a.DedupKey}] = open
	if err := b.gatherAlert(ctx, inc, integ, row, fireline.EventAlertAttached); err != nil {
		return fireline.AlertResult{}, err
	}
	// An alert joining an incident brings the playbooks its labels match
	// (and the regulatory clock, when its rule matches them).
	attached := inc.AttachMatching(s.policy, a.Labels, tx.now)
	attached = append(attached, inc.StartRegulatoryClock(s.policy, a.Labels, tx.now)...)
	if len(attached) > 0 {
		if err := b.record(ctx, inc, integ, attached...); err != nil {
			return fireline.AlertResult{}, err
		}
	}
	// A more severe alert joining an open incident raises the incident to
	// its severity: otherwise a P1 alert grouped into a P3 incident would
	// page as a P3. The change restarts the paging walk under the new
	// severity's rules, as a person's would.
	if c.Severity.MoreSevere(inc.Severity) {
		reason := truncate(fmt.Sprintf("Alert #%d (%s) joined: %s", row.ID, c.Severity, row.Summary), fireline.MaxReason)
		if err := s.act(ctx, b, inc, integ, fireline.Action{Kind: fireline.ActChangeSeverity, Severity: c.Severity, Reason: reason}); err != nil {
			return fireline.AlertResult{}, err
		}
	}
	g, err := b.group(ctx, inc.Number)
	if err != nil {
		return fireline.AlertResult{}, err
	}
	if g.exists {
		g.open, g.lastAlertAt, g.dirty = g.open+1, micros(tx.now), true
	}
	return fireline.AlertResult{Outcome: fireline.OutcomeCreated, DedupKey: a.DedupKey, AlertID: row.ID, Incident: inc.ID}, nil
}

// groupIncident returns the open incident of the alert's group whose last
// alert came within the policy's window, locked; nil when there is none.
// Within a batch the answer is kept: a group's last alert only moves
// later, and the transaction's instant is frozen, so an incident found
// stays in the window until it is no longer open.
func (s *IntakeService) groupIncident(ctx context.Context, b *intakeBatch, c fireline.Classification, restricted bool) (*fireline.Incident, error) {
	k := groupKey{c.Service, c.GroupKey, restricted}
	if n, ok := b.byKey[k]; ok {
		if n == 0 {
			return nil, nil
		}
		if inc := b.incidents[n]; inc != nil && inc.Status.Open() {
			return inc, nil
		}
		delete(b.byKey, k)
	}
	// The query reads incident statuses and alert groups: bring the rows
	// up to date first.
	if err := b.flush(ctx); err != nil {
		return nil, err
	}
	tx := b.tx
	q := groupIncidentSQL + tx.forUpdateOf("i, g")
	g := &groupRow{exists: true}
	inc, err := scanIncident(withColumns(tx.queryRowCached(ctx, q,
		c.Service, c.GroupKey, micros(tx.now.Add(-s.policy.Alerts.Window())),
		string(fireline.StatusTriggered), string(fireline.StatusAcknowledged), restricted), &g.open, &g.lastAlertAt))
	if isNoRows(err) {
		b.byKey[k] = 0
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// The batch's own copy, if it has one, is the one its changes go to
	// (flushed above, so equal to what was read).
	if mine := b.incidents[inc.Number]; mine != nil {
		inc = mine
	} else {
		if err := loadParts(ctx, tx, inc); err != nil {
			return nil, err
		}
		b.incidents[inc.Number] = inc
		b.stored[inc.Number] = indexedOf(inc)
	}
	if _, ok := b.groups[inc.Number]; !ok {
		b.groups[inc.Number] = g
	}
	if !inc.Status.Open() {
		b.byKey[k] = 0
		return nil, nil
	}
	b.byKey[k] = inc.Number
	return inc, nil
}

// underMaintenance reports whether a window covers service now; the
// answer holds for the whole transaction, whose instant is frozen.
func (b *intakeBatch) underMaintenance(ctx context.Context, service string) (bool, error) {
	if v, ok := b.maint[service]; ok {
		return v, nil
	}
	var n int64
	now := micros(b.tx.now)
	if err := b.tx.queryRowCached(ctx, maintenanceSQL, service, now, now).Scan(&n); err != nil {
		return false, err
	}
	b.maint[service] = n > 0
	return n > 0, nil
}

// openIncident declares the incident a new alert group starts.
func (s *IntakeService) openIncident(ctx context.Context, b *intakeBatch, integ *fireline.Integration, a fireline.AlertInput, c fireline.Classification) (*fireline.Incident, error) {
	tx := b.tx
	in := fireline.DeclareInput{
		Title: truncate(a.Summary, fireline.MaxTitle), Severity: c.Severity, Source: integ.Source,
		Services: []string{c.Service}, Description: truncate(describeAlert(a), fireline.MaxText),
	}
	in, err := in.Validate(s.policy)
	if err != nil {
		return nil, err
	}
	inc, err := declareIncident(ctx, tx, s.policy, in, integ.Actor(), a.Labels)
	if err != nil {
		return nil, err
	}
	if _, err = tx.execCached(ctx, insertGroupSQL, inc.Number, c.Service, c.GroupKey, 0, micros(tx.now)); err != nil {
		return nil, err
	}
	b.incidents[inc.Number] = inc
	b.groups[inc.Number] = &groupRow{exists: true, lastAlertAt: micros(tx.now)}
	b.byKey[groupKey{c.Service, c.GroupKey, inc.Restricted}] = inc.Number
	return inc, nil
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
func (s *IntakeService) acknowledge(ctx context.Context, b *intakeBatch, integ *fireline.Integration, open *openAlert, a fireline.AlertInput) (fireline.AlertResult, error) {
	tx := b.tx
	r := fireline.AlertResult{Outcome: fireline.OutcomeAcknowledged, DedupKey: a.DedupKey, AlertID: open.id}
	if p := open.pending; p != nil {
		p.Status, p.LastSeenAt = fireline.AlertAcknowledged, tx.now
	} else if _, err := tx.execCached(ctx, ackAlertSQL, string(fireline.AlertAcknowledged), micros(tx.now), open.id); err != nil {
		return r, err
	}
	open.status = fireline.AlertAcknowledged
	if !open.incident.Valid {
		return r, nil
	}
	inc, err := b.incident(ctx, open.incident.Int64)
	if err != nil {
		return r, err
	}
	r.Incident = inc.ID
	if inc.Status != fireline.StatusTriggered {
		return r, nil
	}
	return r, s.act(ctx, b, inc, integ, fireline.Action{Kind: fireline.ActAcknowledge})
}

// resolve resolves an open alert and, when it was its incident's last
// open alert and the policy says so, the incident.
func (s *IntakeService) resolve(ctx context.Context, b *intakeBatch, integ *fireline.Integration, open *openAlert, a fireline.AlertInput) (fireline.AlertResult, error) {
	tx := b.tx
	r := fireline.AlertResult{Outcome: fireline.OutcomeResolved, DedupKey: a.DedupKey, AlertID: open.id}
	if p := open.pending; p != nil {
		now := tx.now
		p.Status, p.ResolvedAt, p.LastSeenAt = fireline.AlertResolved, &now, now
		open.pending = nil // resolved: no longer among the open alerts
	} else if _, err := tx.execCached(ctx, resolveAlertSQL,
		string(fireline.AlertResolved), micros(tx.now), micros(tx.now), open.id); err != nil {
		return r, err
	}
	b.setOpen(integ.ID, a.DedupKey, nil)
	b.resolving(alertKey{integ.ID, a.DedupKey})
	if !open.incident.Valid {
		return r, nil
	}
	inc, err := b.incident(ctx, open.incident.Int64)
	if err != nil {
		return r, err
	}
	r.Incident = inc.ID
	row := &fireline.Alert{ID: open.id, DedupKey: a.DedupKey}
	if err := b.gatherAlert(ctx, inc, integ, row, fireline.EventAlertResolved); err != nil {
		return r, err
	}
	g, err := b.group(ctx, inc.Number)
	if err != nil || !g.exists {
		return r, err
	}
	g.open, g.dirty = g.open-1, true
	if g.open <= 0 && inc.Status.Open() && s.policy.Alerts.AutoResolves(inc.Severity) {
		return r, s.act(ctx, b, inc, integ, fireline.Action{Kind: fireline.ActResolve, Text: "All alerts resolved.", Automatic: true})
	}
	return r, nil
}

// resolvedUnknown handles a resolve for no open alert: PagerDuty drops
// it; the other formats record the resolved alert, attached to nothing.
func (s *IntakeService) resolvedUnknown(ctx context.Context, b *intakeBatch, integ *fireline.Integration, a *preparedAlert) (fireline.AlertResult, error) {
	tx := b.tx
	if integ.Type == fireline.IntegrationPagerDuty || integ.Type == fireline.IntegrationHeartbeat || integ.Type == fireline.IntegrationProbe {
		return fireline.AlertResult{Outcome: fireline.OutcomeDropped, DedupKey: a.DedupKey}, nil
	}
	row := newAlertRow(integ, a.AlertInput, a.class, tx.now)
	if row.Summary == "" {
		row.Summary = a.Labels["alertname"]
	}
	row.Status, row.ResolvedAt = fireline.AlertResolved, &tx.now
	_, err := b.addAlert(ctx, row, integ.Restricted(), 0, a)
	return fireline.AlertResult{Outcome: fireline.OutcomeResolved, DedupKey: a.DedupKey, AlertID: row.ID}, err
}

// act does a domain action to a locked incident as the integration.
func (s *IntakeService) act(ctx context.Context, b *intakeBatch, inc *fireline.Incident, integ *fireline.Integration, a fireline.Action) error {
	changes, err := inc.Do(s.policy, a, b.tx.now)
	if err != nil {
		return err
	}
	return b.record(ctx, inc, integ, changes...)
}

// RecordChange puts a change event on the timeline of every open incident
// of the integration's service. It never opens an incident.
func (s *IntakeService) RecordChange(ctx context.Context, integ *fireline.Integration, c fireline.ChangeInput) error {
	c, err := c.Normalise()
	if err != nil {
		return err
	}
	d := fireline.ChangeEventData{Integration: integ.Name, Summary: c.Summary, Source: c.Source, Timestamp: c.Timestamp, Links: c.Links}
	return s.batcher.do(ctx, 1, func(ctx context.Context, b *intakeBatch) error {
		// The query reads incident statuses: bring the rows up to date.
		if err := b.flush(ctx); err != nil {
			return err
		}
		tx := b.tx
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
			inc, err := b.incident(ctx, n)
			if err != nil {
				return err
			}
			if err := b.record(ctx, inc, integ, inc.RecordChangeEvent(d, tx.now)); err != nil {
				return err
			}
		}
		return nil
	})
}
