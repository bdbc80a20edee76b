package fireline

import (
	"context"
	"fmt"
)

// Subscribers managed by an administrator: a list the organisation
// already keeps (its customers' contacts for the affected components)
// imported by CSV or the API, listed, and removed. An import attests
// that the people on it asked for status email, so they are confirmed at
// once; the public page's double opt-in is for strangers.

// MaxSubscriberImport caps one import: a realistic customer list, sent
// in one request that is one transaction.
const MaxSubscriberImport = 50_000

// SubscriberImport is the outcome of an import.
type SubscriberImport struct {
	// Added counts new subscriptions, Updated those whose components the
	// import replaced (a pending one is confirmed by it).
	Added   int `json:"added"`
	Updated int `json:"updated"`
}

// SubscriberAdmin is the administrator's side of customer subscriptions.
type SubscriberAdmin interface {
	// ImportSubscribers adds or updates each subscription, confirmed.
	// EInvalid naming the row when any is bad: then nothing changes.
	ImportSubscribers(ctx context.Context, in []SubscribeInput) (SubscriberImport, error)
	// ListSubscribers returns up to limit subscriptions after the id
	// after, in id order.
	ListSubscribers(ctx context.Context, after string, limit int) ([]*Subscriber, error)
	// RemoveSubscriber removes a subscription by id or email. ENotFound
	// when there is none.
	RemoveSubscriber(ctx context.Context, ref string) error
}

// ValidateImport returns the rows normalised, or an EInvalid error whose
// fields name each bad row (rows[3].email) and a repeated address.
func ValidateImport(p *Policy, rows []SubscribeInput) ([]SubscribeInput, error) {
	if len(rows) == 0 {
		return nil, &Error{Code: EInvalid, Message: "nothing to import", Fields: []FieldError{{"subscribers", "want at least one subscriber"}}}
	}
	if len(rows) > MaxSubscriberImport {
		return nil, &Error{Code: EInvalid, Message: "too many subscribers",
			Fields: []FieldError{{"subscribers", fmt.Sprintf("at most %d in one import; split the file", MaxSubscriberImport)}}}
	}
	out := make([]SubscribeInput, len(rows))
	seen := make(map[string]int, len(rows))
	var fe []FieldError
	for i, r := range rows {
		v, err := r.Validate(p)
		if err != nil {
			for _, f := range fieldErrors(err) {
				fe = append(fe, FieldError{fmt.Sprintf("subscribers[%d].%s", i, f.Field), f.Message})
			}
			continue
		}
		if j, dup := seen[v.Email]; dup {
			fe = append(fe, FieldError{fmt.Sprintf("subscribers[%d].email", i), fmt.Sprintf("%s is also row %d", v.Email, j)})
			continue
		}
		seen[v.Email], out[i] = i, v
	}
	if len(fe) > 0 {
		if len(fe) > 20 {
			fe = append(fe[:20], FieldError{"subscribers", fmt.Sprintf("and %d more", len(fe)-20)})
		}
		return nil, &Error{Code: EInvalid, Message: "invalid subscribers: nothing was imported", Fields: fe}
	}
	return out, nil
}

func fieldErrors(err error) []FieldError {
	if e, ok := err.(*Error); ok && len(e.Fields) > 0 {
		return e.Fields
	}
	return []FieldError{{"", ErrorMessage(err)}}
}
