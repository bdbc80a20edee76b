// Package ingest holds what the alert decoders share: reading a JSON
// body leniently (unknown fields ignored, one value, bounded nesting) and
// the error a decoder reports for a payload it cannot use. The decoders
// themselves live in one package per format (alertmanager, pagerduty,
// grafana, generic); each is pure, turning payload bytes into
// fireline.AlertInput values with no I/O.
//
// It imports only the fireline domain and the standard library.
package ingest
