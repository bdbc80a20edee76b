// Package fireline holds Fireline's domain: incidents and their lifecycle,
// severities and the response clocks they imply, the business-hours
// calendar, the append-only hash-chained timeline, actors and roles, error
// codes, the rule for text that may be stored (TextProblem), and the
// service interfaces that the storage, HTTP and CLI layers implement or
// consume.
//
// It imports the standard library only and performs no I/O. Functions that
// depend on time take the current instant as an argument.
package fireline
