package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/firelinetest"
)

// A security incident is restricted, has the security playbook and tells
// the security team at once; a member preserves evidence, which only
// members and admins can list or read (everyone else gets 404, as for the
// incident itself), every read is on the timeline with who and when, and
// the export's hashes check the downloaded files: a changed or missing
// file is caught.
func TestEvidence(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		p := startPagingServer(t, dsn, businessHours)
		kai, gray := p.newToken(t, "responder", "kai"), p.newToken(t, "responder", "gray")
		var inc fireline.Incident
		p.cliJSON(t, kai, &inc, "incident", "declare", "--title", "Session tokens leaked in logs", "--severity", "P2", "--source", "security")
		p.advance(t, 0)
		if !inc.Restricted || attached(inc) != "security-incident,workflow" {
			t.Errorf("security incident: restricted=%v playbooks %q", inc.Restricted, attached(inc))
		}
		if got := p.received("incident.page"); got["mail:security@berrys.ai"] != 1 {
			t.Errorf("the security team was not told at once: %v", got)
		}

		dir := t.TempDir()
		file := filepath.Join(dir, "auth-service.log")
		content := []byte("2026-12-01T15:00:00Z token=abc leaked\n")
		os.WriteFile(file, content, 0o600)
		sum := sha256.Sum256(content)
		sha := hex.EncodeToString(sum[:])
		out := p.mustCLI(t, kai, "incident", "evidence", "add", inc.ID, file, "--note", "copied from auth-service-7 before rotation")
		if !strings.Contains(out, sha) {
			t.Errorf("evidence add printed %q, want the SHA-256 %s", out, sha)
		}
		refused(t, p.cli(t, kai, "incident", "evidence", "add", inc.ID, file), "already preserves")
		var shown fireline.Incident
		p.cliJSON(t, kai, &shown, "incident", "show", inc.ID)
		if st := shown.Checklist.Step("security-incident/8"); st == nil || !st.Checked || st.Auto != "evidence_added" {
			t.Errorf("the security playbook's \"Preserve evidence\" step did not check itself: %+v", st)
		}

		// Not a member: the incident and its evidence do not exist for them.
		refused(t, p.cli(t, gray, "incident", "evidence", "list", inc.ID), "not found")
		refused(t, p.cli(t, gray, "incident", "evidence", "add", inc.ID, file), "not found")
		for _, path := range []string{"/evidence", "/evidence/" + sha} {
			code, _, body := p.request(t, "GET", "/api/v1/incidents/"+inc.ID+path, gray, "")
			wantStatus(t, "non-member GET "+path, code, body, http.StatusNotFound)
		}

		// A member reads it back; so does an admin. Each read is logged.
		got := filepath.Join(dir, "read.log")
		p.mustCLI(t, kai, "incident", "evidence", "get", inc.ID, "auth-service.log", "-f", got)
		if b, _ := os.ReadFile(got); !bytes.Equal(b, content) {
			t.Errorf("read back %q", b)
		}
		list := p.mustCLI(t, adminSecret, "incident", "evidence", "list", inc.ID)
		if !strings.Contains(list, sha) || !strings.Contains(list, "copied from auth-service-7") {
			t.Errorf("evidence list:\n%s", list)
		}
		files := filepath.Join(dir, "files")
		p.mustCLI(t, adminSecret, "incident", "evidence", "get", inc.ID, "--all", files)
		var log struct{ Events []*fireline.Event }
		p.cliJSON(t, kai, &log, "incident", "log", inc.ID)
		var reads []string
		for _, e := range log.Events {
			if e.Type == fireline.EventEvidenceRead {
				reads = append(reads, e.Actor)
			}
			if e.Type == fireline.EventEvidenceAdded && (e.Actor != "kai" || !strings.Contains(string(e.Data), sha)) {
				t.Errorf("evidence_added %s by %s", e.Data, e.Actor)
			}
		}
		if len(reads) != 2 || reads[0] != "kai" {
			t.Errorf("evidence reads on the timeline: %v, want kai's and the admin's", reads)
		}

		// The export carries the hashes; verify checks the files.
		export := filepath.Join(dir, "export.json")
		p.mustCLI(t, kai, "incident", "export", inc.ID, "-f", export)
		if ok := p.mustCLI(t, "", "incident", "verify", export, "--evidence", files); !strings.Contains(ok, "1 evidence files match") {
			t.Errorf("verify printed %q", ok)
		}
		os.WriteFile(filepath.Join(files, "auth-service.log"), []byte("2026-12-01T15:00:00Z nothing to see\n"), 0o600)
		r := p.cli(t, "", "incident", "verify", export, "--evidence", files)
		if r.code == 0 || !strings.Contains(r.stderr, "auth-service.log: TAMPERED") {
			t.Errorf("a changed file passed: exit %d %q", r.code, r.stderr)
		}
		os.Remove(filepath.Join(files, "auth-service.log"))
		refused(t, p.cli(t, "", "incident", "verify", export, "--evidence", files), "MISSING")
		p.mustCLI(t, kai, "incident", "verify", "--stored", inc.ID)
	})
}

// Evidence past the server's limit is refused with a 413 problem that
// names the limit, and nothing is recorded; the console's upload
// preserves a file for a member and refuses a non-member with 404.
func TestEvidenceUploadLimits(t *testing.T) {
	t.Parallel()
	firelinetest.ForEachDatabase(t, func(t *testing.T, dsn string) {
		s := startTestServerWith(t, dsn, func(c *serveConfig) { c.MaxEvidenceBytes = 1024 })
		kai := s.newToken(t, "responder", "kai")
		var inc fireline.Incident
		s.cliJSON(t, kai, &inc, "incident", "declare", "--title", "Suspicious admin login", "--severity", "P3", "--source", "security")
		big := bytes.Repeat([]byte("x"), 2048)
		code, hdr, body := s.upload(t, "/api/v1/incidents/"+inc.ID+"/evidence", "Bearer "+kai, "", "dump.bin", big)
		wantStatus(t, "too large", code, body, http.StatusRequestEntityTooLarge)
		if hdr.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), "limit of 1024 bytes") {
			t.Errorf("413 answer %s %s", hdr.Get("Content-Type"), body)
		}
		path := filepath.Join(t.TempDir(), "dump.bin")
		os.WriteFile(path, big, 0o600)
		refused(t, s.cli(t, kai, "incident", "evidence", "add", inc.ID, path), "limit of 1024 bytes")
		empty := filepath.Join(t.TempDir(), "empty.txt")
		os.WriteFile(empty, nil, 0o600)
		refused(t, s.cli(t, kai, "incident", "evidence", "add", inc.ID, empty), "file is empty")
		if log := s.mustCLI(t, kai, "incident", "log", inc.ID); strings.Contains(log, "evidence") {
			t.Errorf("refused uploads are on the timeline:\n%s", log)
		}

		// The console: a member uploads; someone else is told 404.
		cookie := s.session(t, "responder", "kai")
		code, hdr, body = s.upload(t, "/incidents/"+inc.ID+"/evidence", "", cookie, "screenshot.png", []byte("\x89PNG fake"))
		if code != http.StatusSeeOther || !strings.HasSuffix(hdr.Get("Location"), "#evidence") {
			t.Fatalf("console upload: %d %s %s", code, hdr.Get("Location"), body)
		}
		page := s.console(t, "GET", "/incidents/"+inc.ID, cookie, nil)
		html := readBody(t, page)
		if !strings.Contains(html, "screenshot.png") || !strings.Contains(html, "preserved evidence screenshot.png") {
			t.Errorf("incident page lacks the evidence")
		}
		dl := s.console(t, "GET", "/incidents/"+inc.ID+"/evidence/screenshot.png", cookie, nil)
		if dl.StatusCode != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || readBody(t, dl) != "\x89PNG fake" {
			t.Errorf("console download: %d %v", dl.StatusCode, dl.Header)
		}
		other := s.session(t, "responder", "gray")
		if dl := s.console(t, "GET", "/incidents/"+inc.ID+"/evidence/screenshot.png", other, nil); dl.StatusCode != http.StatusNotFound {
			t.Errorf("non-member console download: %d, want 404", dl.StatusCode)
		}
		code, _, _ = s.upload(t, "/incidents/"+inc.ID+"/evidence", "", other, "x.txt", []byte("x"))
		if code != http.StatusNotFound {
			t.Errorf("non-member console upload: %d, want 404", code)
		}
		code, _, _ = s.upload(t, "/incidents/"+inc.ID+"/evidence", "", cookie, "big.bin", big)
		if code != http.StatusRequestEntityTooLarge {
			t.Errorf("console upload past the limit: %d, want 413", code)
		}
	})
}

// upload posts a multipart evidence upload, as a token's bearer or a
// console session.
func (s *testServer) upload(t *testing.T, path, auth, cookie, name string, content []byte) (int, http.Header, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("note", "from the test")
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, err := http.NewRequest("POST", s.URL()+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "fireline_session", Value: cookie})
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := new(bytes.Buffer)
	b.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, b.Bytes()
}
