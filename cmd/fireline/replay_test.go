package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/ingest"
)

const grafanaTimestampHeader = "X-Grafana-Alerting-Signature-Timestamp"

// signedRequest is one signed Grafana webhook request as it went over
// the wire, so that a test can send it again byte for byte.
type signedRequest struct {
	body           []byte
	signature, ts  string
	key            string
	signatureUpper bool // send the hex signature in upper case
}

// signGrafana signs body with the integration's secret at the server's now.
func (s *testServer) signGrafana(t testing.TB, gf fireline.CreatedIntegration, file string) signedRequest {
	t.Helper()
	body, err := os.ReadFile("../../ingest/grafana/testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(s.clock.Now().Unix(), 10)
	return signedRequest{body: body, signature: ingest.Sign(gf.SigningSecret, body, ts), ts: ts, key: gf.Key}
}

// send sends a signed request and returns the status and body.
func (s *testServer) send(t testing.TB, r signedRequest) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", s.URL()+"/integrations/grafana", bytes.NewReader(r.body))
	req.Header.Set("Authorization", "Bearer "+r.key)
	sig := r.signature
	if r.signatureUpper {
		sig = strings.ToUpper(sig)
	}
	req.Header.Set("X-Grafana-Alerting-Signature", sig)
	req.Header.Set(grafanaTimestampHeader, r.ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// incidentStatus returns an incident's status as the admin sees it.
func (s *testServer) incidentStatus(t testing.TB, id string) fireline.Status {
	t.Helper()
	var inc fireline.Incident
	s.cliJSON(t, adminSecret, &inc, "incident", "show", id)
	return inc.Status
}

// TestSignedRequestReplayRefused (issue 21, item 7): a signed Grafana
// request captured on the wire and sent again within its 5-minute window
// is refused with 409 and changes nothing: a replayed "resolved" does not
// resolve the alert that fired again, nor does a replayed "firing" (with
// its signature's hex in upper case) count as a new message.
func TestSignedRequestReplayRefused(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		gf := s.createIntegration(t, "--type", "grafana", "--service", "api-gateway", "--sign", "--timestamp-header", grafanaTimestampHeader)

		if code, body := s.send(t, s.signGrafana(t, gf, "firing.json")); code != 200 {
			t.Fatalf("firing: %d %s", code, body)
		}
		s.clock.Advance(time.Minute)
		resolved := s.signGrafana(t, gf, "resolved.json") // what an attacker captures
		if code, body := s.send(t, resolved); code != 200 {
			t.Fatalf("resolved: %d %s", code, body)
		}
		if st := s.incidentStatus(t, "INC-1"); st != fireline.StatusResolved {
			t.Fatalf("INC-1 is %s after its alert resolved", st)
		}
		s.clock.Advance(time.Minute)
		again := s.signGrafana(t, gf, "firing.json")
		if code, body := s.send(t, again); code != 200 {
			t.Fatalf("firing again: %d %s", code, body)
		}
		if st := s.incidentStatus(t, "INC-2"); st != fireline.StatusTriggered {
			t.Fatalf("INC-2 is %s, want triggered", st)
		}

		s.clock.Advance(time.Minute) // still within the resolve's 5 minutes
		code, body := s.send(t, resolved)
		if code != http.StatusConflict || !strings.Contains(body, "replay") {
			t.Fatalf("replayed resolve: %d %s, want 409 naming the replay", code, body)
		}
		again.signatureUpper = true
		if code, body := s.send(t, again); code != http.StatusConflict {
			t.Fatalf("replayed firing (upper-case signature): %d %s, want 409", code, body)
		}
		if st := s.incidentStatus(t, "INC-2"); st != fireline.StatusTriggered {
			t.Fatalf("the replayed resolve left INC-2 %s, want triggered", st)
		}
		page := s.alerts(t, adminSecret, "--integration", gf.Name)
		if len(page.Alerts) != 2 || page.Alerts[0].Status != fireline.AlertFiring || page.Alerts[0].Count != 1 {
			t.Fatalf("alerts after the replays: %+v", page.Alerts)
		}
	})
}

// TestSignedRetryAfterFailedCommit: a signed request whose transaction
// failed (here a fault injected into the alerts table) left no trace of
// its signature, so the sender's retry of the very same request is
// accepted; once that is committed, a third copy is a replay.
func TestSignedRetryAfterFailedCommit(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServer(t, dsn)
		gf := s.createIntegration(t, "--type", "grafana", "--service", "api-gateway", "--sign", "--timestamp-header", grafanaTimestampHeader)
		fault, heal := faultOnAlertInsert(s)
		if _, err := s.db.Writer().Exec(fault); err != nil {
			t.Fatalf("inject the fault: %v", err)
		}
		req := s.signGrafana(t, gf, "firing.json")
		if code, body := s.send(t, req); code != http.StatusServiceUnavailable {
			t.Fatalf("with the fault: %d %s, want 503", code, body)
		}
		if _, err := s.db.Writer().Exec(heal); err != nil {
			t.Fatalf("remove the fault: %v", err)
		}
		s.clock.Advance(10 * time.Second) // the sender retries a little later
		if code, body := s.send(t, req); code != 200 {
			t.Fatalf("retry after the failed commit: %d %s, want 200", code, body)
		}
		if st := s.incidentStatus(t, "INC-1"); st != fireline.StatusTriggered {
			t.Fatalf("INC-1 is %s", st)
		}
		if code, body := s.send(t, req); code != http.StatusConflict {
			t.Fatalf("a copy of the committed request: %d %s, want 409", code, body)
		}
	})
}

// faultOnAlertInsert returns statements that make every insert into the
// alerts table fail, and that undo it, in the server's dialect.
func faultOnAlertInsert(s *testServer) (fault, heal string) {
	if s.db.Dialect() == "postgres" {
		return `CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'injected fault'; END $$;
			CREATE TRIGGER injected_fault BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION injected_fault()`,
			"DROP TRIGGER injected_fault ON alerts; DROP FUNCTION injected_fault()"
	}
	return "CREATE TRIGGER injected_fault BEFORE INSERT ON alerts BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
		"DROP TRIGGER injected_fault"
}
