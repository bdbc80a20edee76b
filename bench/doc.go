// Package bench measures Fireline on this machine, as `fireline bench`
// does: alert intake against a trivial HTTP handler in the same run
// (Ingest), alert-to-page latency and the lateness of due steps among many
// pending timers (Page), and how reads cost as incidents grow (Scale).
//
// Every bench drives real servers over loopback HTTP on a real database (a
// temporary SQLite file, or a schema of its own in a PostgreSQL database
// that it drops afterwards). The servers are started by the StartFunc the
// caller gives, so that what is measured is the binary's own wiring: cmd/
// passes the function `fireline serve` uses, and this package imports the
// store, the web client and the policy, never cmd/ or the engine.
//
// Figures are printed, not judged: the machine is shared, so rates are
// reported beside a ceiling measured just before them, and CPU per alert
// beside rates (docs/intake.md, docs/adr/0039, docs/adr/0068).
package bench
