package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	db.dialect = DialectPostgres
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	pool.SetMaxOpenConns(20)
	// As many idle as open: a connection closed after a burst must be
	// forked and authenticated again, and loses its prepared statements.
	pool.SetMaxIdleConns(20)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db.write, db.read = pool, pool
	if err := pool.PingContext(ctx); err != nil {
		return db.dbError("open", err)
	}
	// The live-update listener (publish.go) connects with the same DSN and
	// listens on the channel of the schema it works in.
	var schema sql.NullString
	if err := pool.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return db.dbError("open", err)
	}
	db.pgDSN, db.changesChannel, db.jobsChannel = dsn, changesChannelFor(schema.String), channelFor(jobsChannel, schema.String)
	return nil
}

// postgresUnavailable reports whether err means the server cannot be
// reached or cannot serve now: connection failures, and the server's
// connection (08), resource (53), operator (57) and retryable transaction
// (40: serialization failure, deadlock) error classes.
func postgresUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", "40", "53", "57":
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
