package server

import (
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"roster/internal/logging"
)

// RequestIDHeader is the header that carries a request's id in both
// directions.
const RequestIDHeader = "X-Request-ID"

// problemInternal is the RFC 9457 body sent when a handler panics. It says
// nothing about the cause.
const problemInternal = `{"type":"about:blank","title":"Internal Server Error","status":500}`

// recoverPanics turns a panic in next into a logged error with a stack trace
// and, when nothing has been sent yet, a 500 problem response. It is the
// outermost middleware, so the request id is read back from the response
// header the request-id middleware set.
func recoverPanics(next http.Handler, log *slog.Logger, hsts bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &responseRecorder{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				// The handler's deliberate way to abort the response:
				// net/http closes the connection without logging.
				panic(p)
			}
			ctx := r.Context()
			if id := w.Header().Get(RequestIDHeader); id != "" {
				ctx = logging.WithRequestID(ctx, id)
			}
			log.LogAttrs(ctx, slog.LevelError, "panic serving request",
				slog.Any("panic", p),
				slog.String("method", r.Method),
				slog.String("path", redactPath(r.URL.Path)),
				slog.String("stack", string(debug.Stack())),
			)
			if rec.wroteHeader {
				// Part of a response is already out; the only honest
				// signal left is to cut the connection.
				panic(http.ErrAbortHandler)
			}
			// Drop whatever the handler staged (cookies, content type,
			// ETag) and keep only what every response carries.
			h := w.Header()
			id := h.Get(RequestIDHeader)
			clear(h)
			setSecurityHeaders(h, hsts)
			if id != "" {
				h.Set(RequestIDHeader, id)
			}
			h.Set("Content-Type", "application/problem+json")
			h.Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(problemInternal))
		}()
		next.ServeHTTP(rec, r)
	})
}

// requestID gives each request an id: the client's X-Request-ID when it is
// well formed (so ids can be followed across a proxy), a new UUIDv7
// otherwise. The id is echoed in the response header and put in the request
// context, where the logger finds it.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(logging.WithRequestID(r.Context(), id)))
	})
}

// validRequestID reports whether id is 1 to 64 characters of [A-Za-z0-9._-],
// which keeps client-chosen ids harmless in logs and headers.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns a UUIDv7, which sorts by time. It cannot fail in
// practice: the random source it reads (crypto/rand) does not return errors.
func newRequestID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// accessLog writes one line per request once it is done, logged with the
// request context so it carries the request id and, after authentication,
// the actor. Health probes are logged at debug level to keep the log
// readable; server errors at error level.
func accessLog(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &responseRecorder{ResponseWriter: w}
		completed := false
		// A deferred call, so a panicking request is logged too (as 500
		// unless a status was already sent); the panic itself goes on to
		// recoverPanics.
		defer func() {
			status := rec.status
			if !completed && !rec.wroteHeader {
				status = http.StatusInternalServerError
			}
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case r.URL.Path == "/healthz" || r.URL.Path == "/readyz":
				level = slog.LevelDebug
			}
			log.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method),
				slog.String("path", redactPath(r.URL.Path)),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("remote", ClientIP(r)),
			)
		}()
		next.ServeHTTP(rec, r)
		completed = true
	})
}

// redactPath returns path with the secret part of invitation and reset links
// (/invite/TOKEN, /reset/TOKEN, /setup/TOKEN) replaced, so bearer secrets do not reach the
// logs.
func redactPath(path string) string {
	for _, p := range [...]string{"/invite/", "/reset/", "/setup/"} {
		if len(path) > len(p) && strings.HasPrefix(path, p) {
			return p + "[redacted]"
		}
	}
	return path
}

// securityHeaders sets the security headers on every response before the
// handler runs. They are defaults: a handler that needs another policy (a
// page with its own Content-Security-Policy, say) sets the header itself.
func securityHeaders(next http.Handler, hsts bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header(), hsts)
		next.ServeHTTP(w, r)
	})
}

// setSecurityHeaders sets the default security headers on h. With hsts
// (the public URL is https) browsers are also told to use https only.
func setSecurityHeaders(h http.Header, hsts bool) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	if hsts {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// ClientIP returns the address of the peer that sent r: the host part of
// r.RemoteAddr, or RemoteAddr itself when it has no port.
//
// X-Forwarded-For, Forwarded and X-Real-IP are deliberately ignored: any
// client can send them, so they may only be believed when the request came
// from a known proxy. Honouring them needs a setting naming the trusted
// proxies, which the configuration does not have yet; behind a load balancer
// this therefore returns the balancer's address.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
