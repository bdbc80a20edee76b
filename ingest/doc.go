// Package ingest holds what the alert decoders share: reading a JSON
// body leniently (unknown fields ignored, one value, bounded nesting) but
// refusing what would be stored wrongly (invalid UTF-8, named by field;
// the JSON API checks its bodies with the same CheckUTF8), the error a
// decoder reports for a payload it cannot use, the labelled-alert group
// Alertmanager and Grafana both send (Group), and the HMAC signature any
// integration may require (CheckSignature). The decoders themselves
// live in one package per format (alertmanager, pagerduty, grafana,
// generic); each is pure, turning payload bytes into fireline.AlertInput
// values with no I/O.
//
// It imports the fireline domain, the JSON v2 implementation
// (github.com/go-json-experiment/json) and the standard library.
package ingest
