package soak

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// adminToken is the bootstrap admin token every soak server starts with.
const adminToken = "fl_soak_bootstrap_admin_0123456789"

// webhookSecret signs the servers' webhooks; the receiver verifies them.
const webhookSecret = "whsec_c29hay1yZWNlaXZlci1zZWNyZXQtMDEyMzQ1Njc4OQ=="

// proc is one `fireline serve` process, restartable on the same port,
// data directory and database.
type proc struct {
	bin, dir string
	env      []string
	URL      string
	addr     string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// serverEnv is the environment of a soak server: nothing of the caller's
// FIRELINE_ settings, request-rate limits off (every request comes from
// one loopback address; limits have their own tests), a 2 s job lease so
// a killed replica's claims pass on quickly, and webhooks allowed to the
// loopback receiver.
func serverEnv(db, policyPath string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FIRELINE_") {
			env = append(env, kv)
		}
	}
	return append(env, "FIRELINE_DB="+db, "FIRELINE_POLICY="+policyPath, "FIRELINE_BOOTSTRAP_TOKEN="+adminToken,
		"FIRELINE_WEBHOOK_SECRET="+webhookSecret, "FIRELINE_ALLOW_OUTBOUND=127.0.0.0/8", "FIRELINE_JOB_LEASE=2s",
		"FIRELINE_API_RATE=0", "FIRELINE_ADDRESS_RATE=0")
}

// startServe starts bin as `serve` on a free loopback port in dir and
// waits until it is ready.
func startServe(ctx context.Context, bin, dir string, env []string) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &proc{bin: bin, dir: dir, env: env, addr: fmt.Sprintf("127.0.0.1:%d", port)}
	p.URL = "http://" + p.addr
	return p, p.start(ctx)
}

// start starts the process on its port and waits for /readyz.
func (p *proc) start(ctx context.Context) error {
	logf, err := os.OpenFile(filepath.Join(p.dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, p.bin, "serve", "--addr", p.addr)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = p.dir, p.env, logf, logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { cmd.Wait(); close(exited) }(p.exited)
	return p.waitReady(ctx, 90*time.Second)
}

// waitReady polls /readyz until it answers 200, the process exits or the
// time is up.
func (p *proc) waitReady(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		if resp, err := client.Get(p.URL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("fireline serve exited before it was ready; see %s", filepath.Join(p.dir, "serve.log"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("fireline serve was not ready within %s; see %s", within, filepath.Join(p.dir, "serve.log"))
}

// kill sends SIGKILL and waits for the process to end: no shutdown, no
// flush, exactly what a crash or an OOM kill does.
func (p *proc) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop ends the process gracefully (SIGTERM), or kills it after 20 s.
func (p *proc) stop() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		p.kill()
	}
}

// alive says the process has not exited.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return p.cmd != nil
	}
}
