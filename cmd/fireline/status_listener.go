package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/fireline-dev/fireline/web"
)

// statusListener serves the public status page on an address of its own
// (serve --status-addr): the page's own domain, exposed to the internet
// while the console and the API stay on the internal address.
type statusListener struct {
	http *http.Server
	ln   net.Listener
	done chan error
}

// startStatusListener listens on addr and serves only the public status
// routes of handler there; nil when addr is empty.
func startStatusListener(addr string, handler http.Handler, logger *slog.Logger) (*statusListener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &statusListener{ln: ln, done: make(chan error, 1), http: &http.Server{
		Handler:           web.StatusOnly(handler),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	go func() { s.done <- s.http.Serve(ln) }()
	logger.Info("status page serving", "addr", ln.Addr().String())
	return s, nil
}

// URL is the status listener's base URL.
func (s *statusListener) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the listener, waiting for requests in flight.
func (s *statusListener) Close(ctx context.Context) error {
	if s == nil {
		return nil
	}
	err := s.http.Shutdown(ctx)
	if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}
