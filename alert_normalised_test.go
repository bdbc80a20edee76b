package fireline

import (
	"reflect"
	"strings"
	"testing"
)

// TestNormaliseAlertsIsAllOrNothing: a request's alerts come back cleaned
// as Normalise cleans them, or not at all, with every problem named by
// its alert's place.
func TestNormaliseAlertsIsAllOrNothing(t *testing.T) {
	good := AlertInput{Action: AlertTrigger, Summary: " Disk full ", Labels: map[string]string{"alertname": "DiskFull"}}
	bad := AlertInput{Action: AlertTrigger, Summary: strings.Repeat("x", MaxAlertSummary+1)}
	checked, err := NormaliseAlerts([]AlertInput{good, good})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := good.Normalise()
	if len(checked) != 2 || !reflect.DeepEqual(checked[1].Alert(), want) {
		t.Fatalf("checked %+v, want each %+v", checked, want)
	}
	_, err = NormaliseAlerts([]AlertInput{good, bad, {Action: "poke"}})
	var fields []string
	if e, ok := err.(*Error); ok {
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
	}
	if ErrorCode(err) != EInvalid || !reflect.DeepEqual(fields, []string{"alerts[1].summary", "alerts[2].action"}) {
		t.Fatalf("err %v, fields %v", err, fields)
	}
	if _, err := bad.Check(); ErrorCode(err) != EInvalid {
		t.Fatalf("Check of a bad alert: %v", err)
	}
}
