package sqlstore

import (
	"context"

	"github.com/fireline-dev/fireline"
)

// ChangesChannelFor exposes the live-update channel's name to tests.
var ChangesChannelFor = changesChannelFor

// LookAheadPostgresSQL and PrefetchSQLiteSQL expose intake's look-ahead
// queries, whose plans tests check.
const (
	LookAheadPostgresSQL = lookAheadPostgresSQL
	PrefetchSQLiteSQL    = prefetchSQLiteSQL
)

// WriterPragma reads a pragma on the writer's connection.
func (db *DB) WriterPragma(name string) (string, error) {
	var v string
	err := db.write.QueryRow("PRAGMA " + name).Scan(&v)
	return v, err
}

// DefaultMaxBatch exposes the group commit's default cap.
const DefaultMaxBatch = defaultMaxBatch

// IncidentColumns exposes the incident columns the incident updates set.
var IncidentColumns = incidentColumns

// IncidentIndexed exposes the incident columns intake's lighter update
// leaves out.
var IncidentIndexed = incidentIndexed

// MigrateTo applies the migrations up to version, as an older binary
// would have left the database.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateDownTo rolls the migrations after version back, as an operator
// returning to an older binary would.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// ListSQL is the incident list query for a filter, as the actor's.
func ListSQL(actor fireline.Actor, f fireline.IncidentFilter, dialect string) (string, []any, error) {
	q, err := buildListQuery(actor, f, dialect)
	return q.sql, q.args, err
}

// Count and timeline queries, whose plans tests check.
var (
	DueCountsSQL    = dueCountsSQL
	MemberCountsSQL = memberCountsSQL
	SummaryTypesSQL = summaryTypesSQL
)

// AuditLoginFailures records n failed logins as email as one
// transaction, as n requests would one after another, and says how many
// were recorded.
func (db *DB) AuditLoginFailures(ctx context.Context, n int, email string) (int, error) {
	recorded := 0
	err := db.writeTx(ctx, "audit login failures", func(tx *Tx) error {
		for range n {
			ok, err := appendLoginFailure(ctx, tx, fireline.AuditOrigin{Actor: "anonymous"}, "user:"+email, "no such user")
			if err != nil {
				return err
			}
			if ok {
				recorded++
			}
		}
		return nil
	})
	return recorded, err
}
