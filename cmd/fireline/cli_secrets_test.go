package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Help never prints what the environment holds for the API token or the
// database (a PostgreSQL URL may carry a password), though both are still
// read from there when the command runs; a flag given wins over them.
func TestHelpShowsNoSecrets(t *testing.T) {
	t.Parallel()
	const token, password = "fl_NOTSHOWNTOKEN", "hunter2-not-shown"
	dbFile := filepath.Join(t.TempDir(), "from-env.db")
	vars := map[string]string{"FIRELINE_TOKEN": token, "FIRELINE_DB": "postgres://fireline:" + password + "@db.example:5432/fireline"}
	run := func(args ...string) (string, int) {
		var out bytes.Buffer
		code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out,
			Getenv: func(k string) string { return vars[k] }})
		return out.String(), code
	}
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"incident", "list", "--help"}, {"bench", "ingest", "--help"}} {
		out, _ := run(args...)
		if strings.Contains(out, token) || strings.Contains(out, password) {
			t.Errorf("fireline %s prints a secret from the environment:\n%s", strings.Join(args, " "), out)
		}
		if !strings.Contains(out, "Usage:") {
			t.Errorf("fireline %s printed no help:\n%s", strings.Join(args, " "), out)
		}
	}

	// Still read when the command runs: migrate uses FIRELINE_DB ...
	vars["FIRELINE_DB"] = dbFile
	if out, code := run("migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate with FIRELINE_DB: exit %d: %s", code, out)
	}
	if _, err := os.Stat(dbFile); err != nil {
		t.Errorf("migrate did not use FIRELINE_DB: %v", err)
	}
	// ... unless --db is given.
	flagFile := filepath.Join(t.TempDir(), "from-flag.db")
	if out, code := run("migrate", "--db", flagFile); code != 0 {
		t.Fatalf("migrate --db: exit %d: %s", code, out)
	}
	if _, err := os.Stat(flagFile); err != nil {
		t.Errorf("migrate --db did not win over FIRELINE_DB: %v", err)
	}
	// The token from the environment reaches the server (here: none
	// listening, so the error names the server, not a missing token).
	vars["FIRELINE_SERVER"] = "http://127.0.0.1:1"
	if out, code := run("incident", "list"); code == 0 || strings.Contains(out, "no API token") {
		t.Errorf("incident list with FIRELINE_TOKEN: exit %d: %s", code, out)
	}
	delete(vars, "FIRELINE_TOKEN")
	if out, code := run("incident", "list"); code == 0 || !strings.Contains(out, "no API token") {
		t.Errorf("incident list without a token: exit %d: %s", code, out)
	}
}
