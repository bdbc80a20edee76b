package sqlstore

import (
	"context"
	"time"

	"github.com/fireline-dev/fireline"
)

// Signed webhook requests are accepted once (docs/adr/0053): the digest of
// each timestamped signature that verified is kept in seen_signatures until
// its timestamp leaves the window, inserted in the transaction that stores
// the request's alerts. A replay finds it and stores nothing; a request
// whose transaction rolled back left no row, so its retry is accepted.

// signatureSweepMargin is how long past its expiry a signature is kept: a
// replica whose clock is behind the sweeping one's (by at most
// --max-clock-skew, docs/adr/0052) still verifies it until its own clock
// passes the expiry.
const signatureSweepMargin = time.Minute

const (
	seenSignatureSQL   = "SELECT COUNT(*) FROM seen_signatures WHERE digest = ?"
	insertSignatureSQL = "INSERT INTO seen_signatures (digest, expires_at) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING"
	// sweepSignaturesSQL deletes up to 100 expired rows (each signed
	// request sweeps, so the table holds about a window's requests). On
	// PostgreSQL it skips
	// rows another replica's transaction is deleting, so that sweeps never
	// wait on each other, nor deadlock with the intake around them.
	sweepSignaturesSQL = "DELETE FROM seen_signatures WHERE digest IN (SELECT digest FROM seen_signatures WHERE expires_at < ? LIMIT 100"
)

// replayError answers a replay.
func replayError() error {
	return fireline.Errorf(fireline.EConflict,
		"this signed request was received before (a replay within its signature's window); each signed request is accepted once, and nothing was stored")
}

// IngestOnce implements fireline.IntakeService: Ingest, recording the
// request's signature in the same commit. A signature already committed
// is refused before the request joins a group commit; one committed by a
// concurrent request (on PostgreSQL, another replica's: the insert waits
// for that transaction) is refused inside it.
func (s *IntakeService) IngestOnce(ctx context.Context, integ *fireline.Integration, req fireline.SignedRequest, alerts []fireline.AlertInput) ([]fireline.AlertResult, error) {
	checked, results := checkEach(alerts)
	return s.ingestOnce(ctx, integ, req, checked, results)
}

// ingestOnce is IngestOnce of alerts checked already.
func (s *IntakeService) ingestOnce(ctx context.Context, integ *fireline.Integration, req fireline.SignedRequest, alerts []fireline.NormalisedAlert, results []fireline.AlertResult) ([]fireline.AlertResult, error) {
	var n int64
	err := s.db.readTx(ctx, "seen signature", func(tx *Tx) error {
		return tx.queryRow(ctx, seenSignatureSQL, req.Digest).Scan(&n)
	})
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, replayError()
	}
	return s.ingest(ctx, integ, &req, alerts, results)
}

// recordSignature sweeps some expired signatures and inserts this one;
// EConflict when it is there already.
func recordSignature(ctx context.Context, tx *Tx, req *fireline.SignedRequest) error {
	sweep := sweepSignaturesSQL + ")"
	if tx.db.dialect == DialectPostgres {
		sweep = sweepSignaturesSQL + " FOR UPDATE SKIP LOCKED)"
	}
	if _, err := tx.exec(ctx, sweep, micros(tx.now.Add(-signatureSweepMargin))); err != nil {
		return err
	}
	res, err := tx.exec(ctx, insertSignatureSQL, req.Digest, micros(req.ExpiresAt))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = replayError()
	}
	return err
}
