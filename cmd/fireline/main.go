// Command fireline is Fireline's one binary: the server (serve, migrate),
// the policy tools (policy init, policy check) and the CLI that speaks to a
// server through its API (incident, token).
//
// Wiring lives here and nowhere else: this package opens the store, loads
// the policy and hands the services to the web package.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // business-hours calendars must work on machines without zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
