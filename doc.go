// Package fireline holds Fireline's domain: incidents and their lifecycle,
// severities and the clocks they imply (respond, escalate, resolve; at
// risk and breached), the business-hours calendar, on-call schedules, the
// paging walk and what each incident change asks for (PlanWork: job kinds
// and their arguments, steps to run now), alerts and their grouping, the
// append-only hash-chained timeline (Incident.Append is the one way it
// grows), the audit log of sign-ins and administrative acts, chained by
// the same hash (AuditHead.Append, chain.go), actors and roles, error codes, the rule for text that may be
// stored (TextProblem), and the service interfaces that the storage, HTTP
// and CLI layers implement or consume.
//
// It imports the standard library only and performs no I/O. Functions that
// depend on time take the current instant as an argument.
package fireline
