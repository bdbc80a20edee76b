package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/fireline-dev/fireline"
)

// GuideReviewService records the guide's reviews (guide_reviews,
// migration 00019) and reads them with the quarter's agenda.
type GuideReviewService struct {
	db     *DB
	policy *fireline.Policy
}

var _ fireline.GuideReviewService = (*GuideReviewService)(nil)

// NewGuideReviewService returns the guide review service on db.
func NewGuideReviewService(db *DB, p *fireline.Policy) *GuideReviewService {
	return &GuideReviewService{db: db, policy: p}
}

// guideHistory is how many past reviews the status lists.
const guideHistory = 20

// RecordGuideReview records a review as the actor. EForbidden, EInvalid
// as fireline.Policy.RecordGuideReview.
func (s *GuideReviewService) RecordGuideReview(ctx context.Context, note string) (*fireline.GuideReviewRecord, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var rec fireline.GuideReviewRecord
	err = s.db.writeTx(ctx, "record guide review", func(tx *Tx) error {
		if rec, err = s.policy.RecordGuideReview(actor, note, tx.now); err != nil {
			return err
		}
		if rec.Number, err = nextNumber(ctx, tx, "guide_review"); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO guide_reviews (number, at, by_actor, note, policy_version, next_due) VALUES (?, ?, ?, ?, ?, ?)`,
			rec.Number, micros(rec.At), rec.By, rec.Note, rec.PolicyVersion, rec.NextDue.String())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// GuideReview returns the cycle, its history and the agenda: the report
// of the last cadence's months as the actor may see it, and the owners
// of open action items.
func (s *GuideReviewService) GuideReview(ctx context.Context) (*fireline.GuideReviewStatus, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var st *fireline.GuideReviewStatus
	err = s.db.snapshotTx(ctx, "guide review", func(tx *Tx) error {
		history, err := guideReviews(ctx, tx)
		if err != nil {
			return err
		}
		st = s.policy.GuideReviewStatus(history, tx.now)
		f, err := fireline.ReportFilter{From: tx.now.AddDate(0, -st.EveryMonths, 0)}.Validate(s.policy, tx.now)
		if err != nil {
			return err
		}
		in, err := readReport(ctx, tx, f, actor.Role == fireline.RoleAdmin)
		if err != nil {
			return err
		}
		owners, err := openItemOwners(ctx, tx)
		if err != nil {
			return err
		}
		st.Agenda = s.policy.GuideAgenda(s.policy.BuildReport(in, tx.now), owners)
		used, err := agendaPlaybookIncidents(ctx, tx, actor, f.From, f.To) // guide_playbooks.go
		st.Agenda.Playbooks = s.policy.PlaybooksUsed(used)
		return err
	})
	return st, err
}

func guideReviews(ctx context.Context, tx *Tx) ([]fireline.GuideReviewRecord, error) {
	rows, err := tx.query(ctx, `SELECT number, at, by_actor, note, policy_version, next_due FROM guide_reviews
		ORDER BY number DESC LIMIT `+fmt.Sprint(guideHistory))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []fireline.GuideReviewRecord{}
	for rows.Next() {
		var r fireline.GuideReviewRecord
		var at int64
		var due string
		if err := rows.Scan(&r.Number, &at, &r.By, &r.Note, &r.PolicyVersion, &due); err != nil {
			return nil, err
		}
		r.At = time.UnixMicro(at).UTC()
		if r.NextDue, err = fireline.ParseDate(due); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// openItemOwners lists the owners of open action items.
func openItemOwners(ctx context.Context, tx *Tx) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT DISTINCT owner FROM action_items WHERE status = 'open' ORDER BY owner`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// GuideReviewDue returns the date the guide's next review is due: the
// newest record's, or the policy file's.
func (s *GuideReviewService) GuideReviewDue(ctx context.Context) (fireline.Date, error) {
	var due fireline.Date
	err := s.db.readTx(ctx, "guide review due", func(tx *Tx) error {
		history, err := guideReviews(ctx, tx)
		if err != nil {
			return err
		}
		if len(history) == 0 {
			due = s.policy.NextGuideReviewDue(nil)
		} else {
			due = s.policy.NextGuideReviewDue(&history[0])
		}
		return nil
	})
	return due, err
}
