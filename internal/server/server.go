// Package server runs Roster's HTTP server: it mounts the handlers the
// front-ends provide, adds the health endpoints and the middleware every
// request passes through (panic recovery, request ids, access log, security
// headers), and shuts down gracefully.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"roster/internal/config"
)

// http.Server timeouts. Reads are bounded so slow clients cannot hold
// connections; writes get longer for exports and imports.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 120 * time.Second
	idleTimeout       = 120 * time.Second
)

// Deps are the parts of the server provided by the rest of the program.
type Deps struct {
	// Logger receives the server's own records and the access log. It should
	// be built by logging.New so records carry the request id; nil discards.
	Logger *slog.Logger
	// Ready reports whether the service can serve requests, typically by
	// pinging the database. nil means always ready.
	Ready func(ctx context.Context) error
	// API serves /api/v1/ and everything below it. It receives the full
	// path, prefix included. nil leaves the prefix unmounted.
	API http.Handler
	// Extra maps further http.ServeMux patterns ("/admin/", "GET /login",
	// "/scim/v2/", "/metrics", ...) to their handlers.
	Extra map[string]http.Handler
}

// Server is Roster's HTTP server. Build it with [New].
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	ready   func(ctx context.Context) error
	handler http.Handler
}

// New returns a server for cfg serving the handlers in d. It panics when two
// patterns in d conflict or a pattern is malformed, as http.ServeMux does:
// that is a wiring mistake, found at start-up.
func New(cfg config.Config, d Deps) *Server {
	s := &Server{cfg: cfg, log: d.Logger, ready: d.Ready}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /readyz", s.handleReady)
	if d.API != nil {
		mux.Handle("/api/v1/", d.API)
	}
	for pattern, h := range d.Extra {
		mux.Handle(pattern, h)
	}

	// Listed innermost first; the request meets them in reverse.
	hsts := strings.HasPrefix(cfg.BaseURL, "https://")
	var h http.Handler = mux
	h = securityHeaders(h, hsts)
	h = accessLog(h, s.log)
	h = requestID(h)
	h = recoverPanics(h, s.log, hsts)
	s.handler = h
	return s
}

// Handler returns the complete handler: every route wrapped in the
// middleware. It is what [Server.Serve] serves, and what tests can call
// directly.
func (s *Server) Handler() http.Handler { return s.handler }

// Run listens on the configured address and serves until ctx is cancelled,
// then shuts down gracefully as [Server.Serve] does. It returns an error when
// the address cannot be listened on.
func (s *Server) Run(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves HTTP on ln, which it takes ownership of and closes, until ctx
// is cancelled. It then stops accepting connections and waits up to the
// configured shutdown timeout for requests in flight to finish. It returns
// nil after a clean shutdown, an error wrapping context.DeadlineExceeded when
// requests were still running at the timeout (their connections are then
// closed), or the error that stopped the server early.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests keep ctx's values but not its cancellation: on shutdown,
		// requests in flight are let finish rather than cancelled.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	s.log.Info("listening", "addr", ln.Addr().String(), "base_url", s.cfg.BaseURL)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	if shutdownErr != nil {
		// Requests still running at the deadline: cut them off.
		_ = srv.Close()
	}
	// Serve has returned (Shutdown closes the listener first); collect it so
	// its goroutine ends here.
	serveErr := <-served
	if shutdownErr != nil {
		return fmt.Errorf("graceful shutdown: %w", shutdownErr)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	s.log.Info("stopped")
	return nil
}
