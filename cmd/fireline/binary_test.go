package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryServeAndSIGTERM builds the real binary, starts `fireline serve`
// in an empty directory with nothing but the environment, checks the
// first-start token and a request, then sends SIGTERM and expects a clean,
// logged shutdown with exit code 0.
func TestBinaryServeAndSIGTERM(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildFireline(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FIRELINE_DB=", "FIRELINE_POLICY=", "FIRELINE_BOOTSTRAP_TOKEN=")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	addr, logs := readServingAddr(t, stderr)
	token := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(stdout)
		token <- string(b)
	}()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", err, resp)
	}
	resp.Body.Close()
	if _, err := os.Stat(filepath.Join(dir, "fireline.db")); err != nil {
		t.Fatalf("no fireline.db in the working directory: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Read both pipes to EOF before Wait, which closes them.
	select {
	case rest := <-logs:
		if !strings.Contains(rest, "shutting down") {
			t.Errorf("no shutdown log line; stderr after start:\n%s", rest)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit within 20 s of SIGTERM")
	}
	if out := <-token; !strings.Contains(out, "fl_") {
		t.Errorf("first start printed no admin token on stdout: %q", out)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// readServingAddr reads JSON log lines until the "fireline serving" line and
// returns its address; the rest of stderr arrives on the channel at EOF.
func readServingAddr(t *testing.T, r io.Reader) (string, <-chan string) {
	t.Helper()
	sc := bufio.NewScanner(r)
	found := make(chan string, 1)
	rest := make(chan string, 1)
	go func() {
		var b strings.Builder
		sent := false
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "fireline serving" {
				found <- line.Addr
				sent = true
				continue
			}
			if sent {
				b.WriteString(sc.Text() + "\n")
			}
		}
		if !sent {
			close(found)
		}
		rest <- b.String()
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			t.Fatal("the server exited before serving")
		}
		return addr, rest
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not start within 60 s")
	}
	return "", nil
}
