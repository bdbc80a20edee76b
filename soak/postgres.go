package soak

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver, for creating databases
)

// cluster is a PostgreSQL server the soak started in a temporary
// directory, on a free loopback port, which it may stop and start at
// will: the outage scenario's database.
type cluster struct {
	bin, data, version string
	port               int
	cred               *syscall.Credential // the postgres user's, when the soak runs as root
}

// startCluster finds PostgreSQL's programs (/usr/lib/postgresql/*/bin,
// else PATH), initialises a cluster in dir and starts it.
func startCluster(ctx context.Context, dir string) (*cluster, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, data: filepath.Join(dir, "data"), version: filepath.Base(filepath.Dir(bin))}
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		if c.cred, err = postgresUser(dir); err != nil {
			return nil, err
		}
	}
	if err := c.pg(ctx, "initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		return nil, err
	}
	return c, c.start(ctx)
}

// postgresBin returns the directory of the newest installed PostgreSQL's
// programs.
func postgresBin() (string, error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(found, func(i, j int) bool { return versionOf(found[i]) < versionOf(found[j]) })
	if len(found) > 0 {
		return filepath.Dir(found[len(found)-1]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL's initdb and pg_ctl were not found (in /usr/lib/postgresql/*/bin or PATH); install the postgresql package to run this scenario")
}

func versionOf(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// postgresUser returns the credential of the system user postgres and
// hands it dir.
func postgresUser(dir string) (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, the private PostgreSQL needs the system user postgres: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// pg runs one of PostgreSQL's programs as the cluster's user.
func (c *cluster) pg(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = filepath.Dir(c.data)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, lastLine(string(out)))
	}
	return nil
}

// lastLine is the last non-empty line of a program's output: where
// PostgreSQL's programs say what went wrong.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// start starts the server and waits until it accepts connections. fsync
// is off: the soak stops this server cleanly and never crashes its host,
// and the machine is shared.
func (c *cluster) start(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off -c max_connections=200", c.port, filepath.Dir(c.data))
	return c.pg(ctx, "pg_ctl", "-D", c.data, "-l", filepath.Join(filepath.Dir(c.data), "postgres.log"), "-o", opts, "-w", "-t", "60", "start")
}

// stop shuts the server down at once (fast mode: sessions are ended, as in
// a failover or a crash of the database's host).
func (c *cluster) stop(ctx context.Context) error {
	return c.pg(ctx, "pg_ctl", "-D", c.data, "-m", "fast", "-w", "-t", "60", "stop")
}

func (c *cluster) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c.pg(ctx, "pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
}

func (c *cluster) adminURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// createDatabase creates a new, empty database on the server at
// serverURL and returns its URL and a function that drops it.
func createDatabase(ctx context.Context, serverURL, name string) (string, func(), error) {
	db, err := sql.Open("pgx", serverURL)
	if err != nil {
		return "", nil, err
	}
	name = fmt.Sprintf("soak_%s_%d", name, time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	}
	return u.String(), drop, nil
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
