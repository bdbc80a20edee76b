package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/ingest"
	"github.com/fireline-dev/fireline/ingest/pagerduty"
)

// pdAnswer is PagerDuty Events API v2's response body, success or not.
type pdAnswer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// pagerDutyEnqueue serves POST /v2/enqueue as PagerDuty does: 202 with
// the dedup key when the event is committed (follow-ups for closed keys
// are dropped, still 202), 400 "invalid event" with errors.
func (h *handler) pagerDutyEnqueue(w http.ResponseWriter, r *http.Request) {
	body, ierr := readBody(w, r, maxIntakeBody)
	if ierr != nil {
		h.writePDError(w, r, ierr)
		return
	}
	key, alert, decodeErr := pagerduty.Decode(body)
	in, err := h.admitPD(r, key, decodeErr)
	if err != nil {
		h.writePDError(w, r, err)
		return
	}
	if alert.Action == fireline.AlertTrigger && alert.DedupKey == "" {
		alert.DedupKey = newDedupKey()
	}
	checked, err := alert.Check() // one event: its fields need no alerts[0] prefix
	if err != nil {
		h.intake.rejected(in, fireline.IntegrationPagerDuty)
		h.writePDError(w, r, err)
		return
	}
	results, err := h.cfg.Intake.IngestNormalised(r.Context(), in, nil, []fireline.NormalisedAlert{checked})
	if err != nil {
		h.writePDError(w, r, h.storeError(r, err))
		return
	}
	h.intake.count(in, fireline.IntegrationPagerDuty, results)
	writeJSON(w, http.StatusAccepted, pdAnswer{Status: "success", Message: "Event processed", DedupKey: alert.DedupKey})
}

// admitPD authenticates a decoded event's routing key; a body whose key
// could not be read, or that is invalid, is a 400.
func (h *handler) admitPD(r *http.Request, key string, decodeErr error) (*fireline.Integration, error) {
	if key == "" {
		if decodeErr == nil {
			decodeErr = ingest.Invalidf("'routing_key' is missing or blank")
		}
		h.intake.rejected(nil, fireline.IntegrationPagerDuty)
		return nil, decodeErr
	}
	in, err := h.admit(r.Context(), key, fireline.IntegrationPagerDuty)
	if err != nil {
		return nil, err
	}
	if decodeErr != nil {
		h.intake.rejected(in, fireline.IntegrationPagerDuty)
		return nil, decodeErr
	}
	return in, nil
}

// pagerDutyChange serves POST /v2/change/enqueue: the change lands on the
// timelines of the service's open incidents and pages no one.
func (h *handler) pagerDutyChange(w http.ResponseWriter, r *http.Request) {
	body, ierr := readBody(w, r, maxIntakeBody)
	if ierr != nil {
		h.writePDError(w, r, ierr)
		return
	}
	key, change, decodeErr := pagerduty.DecodeChange(body)
	in, err := h.admitPD(r, key, decodeErr)
	if err == nil {
		err = h.storeError(r, h.cfg.Intake.RecordChange(r.Context(), in, change))
	}
	if err != nil {
		h.writePDError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, pdAnswer{Status: "success", Message: "Change event processed"})
}

// writePDError answers in PagerDuty's error shape.
func (h *handler) writePDError(w http.ResponseWriter, r *http.Request, err error) {
	err = h.storeError(r, err)
	var inv *ingest.Invalid
	var ie *intakeError
	var fe *fireline.Error
	switch {
	case errors.As(err, &inv):
		writeJSON(w, http.StatusBadRequest, pdAnswer{Status: "invalid event", Message: "Event object is invalid", Errors: inv.Problems})
	case errors.As(err, &ie):
		status := map[int]string{http.StatusTooManyRequests: "throttle event", http.StatusUnauthorized: "unauthorized",
			http.StatusRequestEntityTooLarge: "invalid event", http.StatusBadRequest: "invalid event"}[ie.status]
		if status == "" {
			status = "unavailable"
		}
		if ie.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ie.retryAfter.Seconds()))))
		}
		writeJSON(w, ie.status, pdAnswer{Status: status, Message: ie.message, Errors: ie.problems})
	case errors.As(err, &fe) && fe.Code == fireline.EInvalid:
		var problems []string
		for _, f := range fe.Fields {
			problems = append(problems, f.Field+": "+f.Message)
		}
		writeJSON(w, http.StatusBadRequest, pdAnswer{Status: "invalid event", Message: "Event object is invalid", Errors: problems})
	default:
		p := h.problem(r.Context(), err)
		status := map[int]string{http.StatusUnauthorized: "unauthorized"}[p.Status]
		if status == "" {
			status = "error"
		}
		writeJSON(w, p.Status, pdAnswer{Status: status, Message: p.Detail})
	}
}
