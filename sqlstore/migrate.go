package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/fireline-dev/fireline"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

func (db *DB) migrationFS() (fs.FS, goose.Dialect, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if db.dialect == DialectPostgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrationFiles, dir)
	return fsys, dialect, err
}

// provider returns a goose provider over the writer. On PostgreSQL a
// session lock keeps replicas that start together from migrating twice.
func (db *DB) provider() (*goose.Provider, error) {
	fsys, dialect, err := db.migrationFS()
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.dialect == DialectPostgres {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.write, fsys, opts...)
}

// latestVersion is the newest schema version this binary knows.
func (db *DB) latestVersion() (int64, error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	sources := p.ListSources()
	if len(sources) == 0 {
		return 0, errors.New("sqlstore: no migrations embedded")
	}
	return sources[len(sources)-1].Version, nil
}

// Migrate applies the pending migrations. It refuses, changing nothing, a
// database whose schema is newer than this binary.
func (db *DB) Migrate(ctx context.Context) error {
	if err := db.checkNotNewer(ctx); err != nil {
		return err
	}
	p, err := db.provider()
	if err != nil {
		return err
	}
	if db.dialect == DialectSQLite {
		// The writer's only connection sorts in files while migrating:
		// building an index on a large table must not hold the table's
		// keys in memory (sqliteWriter keeps temporary files in memory).
		if _, err := db.write.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
			return db.dbError("migrate", err)
		}
		defer db.write.ExecContext(context.WithoutCancel(ctx), "PRAGMA temp_store = MEMORY")
	}
	results, err := p.Up(ctx)
	if err != nil {
		return db.dbError("migrate", err)
	}
	for _, r := range results {
		db.logger.Info("migrated", "dialect", db.dialect, "version", r.Source.Version, "duration", r.Duration)
	}
	if len(results) > 0 {
		if err := db.analyzeAfterMigrating(ctx); err != nil { // statistics.go
			return db.dbError("analyze after migrating", err)
		}
	}
	return nil
}

// Ready reports whether the database answers, its schema is the one this
// binary expects, and writes go through (writehealth.go); EUnavailable
// otherwise.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return db.unavailableError("ready", err)
	}
	have, want, err := db.versions(ctx)
	if err != nil {
		return db.unavailableError("ready", err)
	}
	if have != want {
		return fireline.Errorf(fireline.EUnavailable, "database schema version %d, want %d; run fireline migrate", have, want)
	}
	if err := db.checkWrites(ctx); err != nil { // writehealth.go
		return err
	}
	return db.CheckClock(ctx)
}

// unavailableError reports any failure as EUnavailable.
func (db *DB) unavailableError(op string, err error) error {
	err = db.dbError(op, err)
	if fireline.ErrorCode(err) == fireline.EUnavailable {
		return err
	}
	db.logger.Warn("database not ready", "op", op, "err", err)
	return fireline.Errorf(fireline.EUnavailable, "the database is not ready")
}

// checkNotNewer refuses a database migrated by a newer binary.
func (db *DB) checkNotNewer(ctx context.Context) error {
	have, want, err := db.versions(ctx)
	if err != nil {
		return db.dbError("schema version", err)
	}
	if have > want {
		return fireline.Errorf(fireline.EConflict, "database schema version %d is newer than this binary (%d); upgrade fireline", have, want)
	}
	return nil
}

// versions returns the database's schema version (0 before the first
// migration) and the newest this binary knows. It only reads.
func (db *DB) versions(ctx context.Context) (have, want int64, err error) {
	if want, err = db.latestVersion(); err != nil {
		return 0, 0, err
	}
	have, err = db.schemaVersion(ctx)
	return have, want, err
}

// schemaVersion reads the highest version in goose's table, 0 when the
// table does not exist yet.
func (db *DB) schemaVersion(ctx context.Context) (int64, error) {
	exists := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if db.dialect == DialectPostgres {
		exists = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?"
	}
	var n int64
	if err := db.read.QueryRowContext(ctx, db.rebind(exists), goose.DefaultTablename).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var v sql.NullInt64
	if err := db.read.QueryRowContext(ctx, "SELECT MAX(version_id) FROM "+goose.DefaultTablename).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v.Int64, nil
}
