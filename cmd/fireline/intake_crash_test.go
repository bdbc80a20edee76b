package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
	"github.com/fireline-dev/fireline/web"
)

// TestKillDuringAlertStorm is Jepsen's set workload on the intake: senders
// post Alertmanager messages of one to four new alerts each while the real
// binary is killed with SIGKILL; after a restart on the same database every
// alert of every request answered 200 is stored (none lost), each request's
// alerts are stored all or none (nothing half-written), and nothing is
// stored that was never sent. Requests that got no answer are
// indeterminate: sent again, as Alertmanager would, each alert comes back
// "deduplicated" if it had been stored and "created" if not.
func TestKillDuringAlertStorm(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildFireline(t)
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		env := append(os.Environ(), "FIRELINE_DB="+dsn, "FIRELINE_POLICY=", "FIRELINE_BOOTSTRAP_TOKEN="+adminSecret, "FIRELINE_SMTP_HOST=")
		start := func() (*exec.Cmd, string) { return serveBinary(t, bin, dir, env) }
		srv, url := start()
		ctx := context.Background()
		integ, err := web.NewClient(url, adminSecret).CreateIntegration(ctx, fireline.IntegrationInput{
			Name: "storm", Type: fireline.IntegrationAlertmanager, Service: "api-gateway"})
		if err != nil {
			t.Fatal(err)
		}

		// Each request is a set of fingerprints; its fate is what the sender heard.
		type request struct {
			keys  []string
			acked bool
		}
		var (
			mu       sync.Mutex
			requests []*request
			acked    atomic.Int64
			wg       sync.WaitGroup
		)
		stop := make(chan struct{})
		client := &http.Client{Timeout: 10 * time.Second}
		for s := range 16 {
			wg.Go(func() {
				for seq := 0; ; seq++ {
					select {
					case <-stop:
						return
					default:
					}
					r := &request{}
					for i := range 1 + (s+seq)%4 {
						r.keys = append(r.keys, fmt.Sprintf("s%02d-%05d-%d", s, seq, i))
					}
					mu.Lock()
					requests = append(requests, r)
					mu.Unlock()
					code, _, err := postAlerts(client, url, integ.Key, r.keys)
					if err != nil || code != http.StatusOK {
						return // the server is gone: this request is indeterminate
					}
					mu.Lock()
					r.acked = true
					mu.Unlock()
					acked.Add(1)
				}
			})
		}
		firelinetest.EventuallyEvery(t, time.Minute, time.Millisecond, func() error {
			if n := acked.Load(); n < 300 {
				return fmt.Errorf("%d requests answered before the kill, want 300", n)
			}
			return nil
		})
		if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		srv.Wait()
		close(stop)
		wg.Wait()

		_, url = start()
		stored := map[string]*fireline.Alert{}
		c := web.NewClient(url, adminSecret)
		for cursor := ""; ; {
			page, err := c.FindAlerts(ctx, fireline.AlertFilter{Integration: integ.Name, Limit: fireline.MaxPageSize, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.Alerts {
				if stored[a.DedupKey] != nil {
					t.Fatalf("alert %s stored twice", a.DedupKey)
				}
				stored[a.DedupKey] = a
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}

		sent, ackedN, indeterminate, kept := map[string]bool{}, 0, 0, 0
		for _, r := range requests {
			in := 0
			for _, k := range r.keys {
				sent[k] = true
				if stored[k] != nil {
					in++
				}
			}
			switch {
			case r.acked && in != len(r.keys):
				t.Errorf("lost: request %v was answered 200, but only %d of its alerts are stored", r.keys, in)
			case in != 0 && in != len(r.keys):
				t.Errorf("half-written: %d of the %d alerts of request %v are stored", in, len(r.keys), r.keys)
			}
			if r.acked {
				ackedN++
				continue
			}
			indeterminate++
			if in > 0 {
				kept++ // committed, but the answer died with the server
			}
			// The sender retries; the outcomes say what the crash kept.
			code, results, err := postAlerts(client, url, integ.Key, r.keys)
			if err != nil || code != http.StatusOK {
				t.Fatalf("retry after the restart: %d %v", code, err)
			}
			for i, res := range results {
				want := fireline.OutcomeCreated
				if stored[r.keys[i]] != nil {
					want = fireline.OutcomeDeduplicated
				}
				if res.Outcome != want {
					t.Errorf("retried alert %s: %s, want %s", r.keys[i], res.Outcome, want)
				}
			}
		}
		for k := range stored {
			if !sent[k] {
				t.Errorf("stored alert %s was never sent", k)
			}
		}
		incidents := map[string]bool{}
		for _, a := range stored {
			incidents[a.Incident] = true
		}
		if len(incidents) != 1 || incidents[""] {
			t.Errorf("the storm's alerts are in incidents %v, want one", incidents)
		}
		t.Logf("%d requests answered 200, %d indeterminate (%d of them stored); %d alerts stored", ackedN, indeterminate, kept, len(stored))
	})
}

// postAlerts posts one Alertmanager message of firing alerts with the given
// fingerprints, and returns the status and the per-alert results.
func postAlerts(client *http.Client, url, key string, fingerprints []string) (int, []fireline.AlertResult, error) {
	var alerts []string
	for _, fp := range fingerprints {
		alerts = append(alerts, fmt.Sprintf(`{"status":"firing","labels":{"alertname":"Storm","instance":%q},"annotations":{"summary":"storm"},"startsAt":"2026-12-01T06:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":%q}`, fp, fp))
	}
	body := `{"version":"4","groupKey":"{}:{alertname=\"Storm\"}","status":"firing","receiver":"fireline","groupLabels":{"alertname":"Storm"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager","alerts":[` + strings.Join(alerts, ",") + `]}`
	req, err := http.NewRequest("POST", url+"/integrations/alertmanager", bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var answer struct{ Alerts []fireline.AlertResult }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, answer.Alerts, nil
}

// serveBinary starts `bin serve` on a loopback port in dir with env, and
// returns the process and its base URL; the test's end kills it.
func serveBinary(t *testing.T, bin, dir string, env []string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Env = dir, env
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, _ := readServingAddr(t, stderr)
	return cmd, "http://" + addr
}

// buildFireline builds the binary into a temporary directory.
func buildFireline(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fireline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
