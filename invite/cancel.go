package invite

import ics "github.com/arran4/golang-ical"

// Cancel writes the meeting's cancellation (RFC 5546 section 3.2.5):
// METHOD:CANCEL, STATUS:CANCELLED, the meeting's UID and a SEQUENCE after
// the last request's, the ATTENDEEs being the people it is cancelled for
// (one dropped participant, or everyone when the meeting is off).
func Cancel(r Request) string {
	return build(r, ics.MethodCancel, ics.ObjectStatusCancelled)
}
