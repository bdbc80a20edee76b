// Package firelinetest is Fireline's test kit, in the manner of
// net/http/httptest: fresh SQLite and PostgreSQL databases per test, a
// loop over every available database, a manual clock, Eventually (which
// polls for a condition where a test would otherwise sleep), and
// wire-level fakes of outside services (an SMTP server, a webhook sink,
// GitHub).
//
// It may import the fireline domain, the database drivers and the standard
// library's testing package. It is imported only by tests.
package firelinetest
