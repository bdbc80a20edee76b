package sqlstore

// ChangesChannelFor exposes the live-update channel's name to tests.
var ChangesChannelFor = changesChannelFor

// LookAheadPostgresSQL and PrefetchSQLiteSQL expose intake's look-ahead
// queries, whose plans tests check.
const (
	LookAheadPostgresSQL = lookAheadPostgresSQL
	PrefetchSQLiteSQL    = prefetchSQLiteSQL
)
