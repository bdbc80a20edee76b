package fireline

import "strconv"

// NormalisedAlert is an alert that Normalise accepted, as Normalise
// cleaned it. Only this package makes one (AlertInput.Check,
// NormaliseAlerts), so whatever takes one knows it is checked and checks
// nothing again: intake normalises each alert once, at its edge.
type NormalisedAlert struct{ in AlertInput }

// Alert returns the cleaned input.
func (n NormalisedAlert) Alert() AlertInput { return n.in }

// Check normalises in (Normalise) into a NormalisedAlert. EInvalid as
// Normalise.
func (in AlertInput) Check() (NormalisedAlert, error) {
	n, err := in.Normalise()
	if err != nil {
		return NormalisedAlert{}, err
	}
	return NormalisedAlert{n}, nil
}

// NormaliseAlerts checks every alert of a request, so that a request is
// stored whole or not at all: EInvalid naming alerts[i].field for each
// problem of any of them.
func NormaliseAlerts(alerts []AlertInput) ([]NormalisedAlert, error) {
	out := make([]NormalisedAlert, len(alerts))
	var fe []FieldError
	for i, a := range alerts {
		n, err := a.Check()
		if e, ok := err.(*Error); ok {
			for _, f := range e.Fields {
				fe = append(fe, FieldError{Field: "alerts[" + strconv.Itoa(i) + "]." + f.Field, Message: f.Message})
			}
			continue
		}
		out[i] = n
	}
	if len(fe) > 0 {
		return nil, &Error{Code: EInvalid, Message: "invalid alerts", Fields: fe}
	}
	return out, nil
}
