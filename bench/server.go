package bench

import (
	"context"

	"github.com/fireline-dev/fireline/sqlstore"
)

// Server is a running Fireline the benches measure.
type Server interface {
	// URL is its base URL, http://127.0.0.1:PORT.
	URL() string
	// Store is its database, for the page bench's timers, which are
	// enqueued and read back directly.
	Store() *sqlstore.DB
	// Close stops it and closes its database.
	Close(ctx context.Context) error
}

// ServerConfig is what a bench asks of a server on a loopback port.
type ServerConfig struct {
	// DB is a SQLite path or a postgres:// URL.
	DB, PolicyPath string
	// BootstrapToken becomes the admin token of a database without one.
	BootstrapToken string
	// AllowOutbound lets pages reach private addresses (the page bench's
	// loopback sink).
	AllowOutbound string
	// Getenv is the server's environment (nil: none).
	Getenv func(string) string
	// NoJobRunner leaves the job runner stopped (the scale bench's seeded
	// incidents page no one).
	NoJobRunner bool
}

// StartFunc starts a server, its logs discarded; `fireline bench` passes
// the one `fireline serve` uses.
type StartFunc func(ctx context.Context, cfg ServerConfig) (Server, error)
