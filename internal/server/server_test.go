package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"roster/internal/config"
	"roster/internal/logging"
)

// logBuffer collects log output written from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the JSON records logged so far.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// find returns the records with the given message.
func (b *logBuffer) find(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range b.records(t) {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

func newTestServer(t *testing.T, d Deps) (*Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	d.Logger = logging.New("json", slog.LevelDebug, logs)
	return New(config.Default(), d), logs
}

func serve(s *Server, method, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	return w
}

func TestHealthz(t *testing.T) {
	s, _ := newTestServer(t, Deps{})
	w := serve(s, http.MethodGet, "/healthz", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	if got := strings.TrimSpace(w.Body.String()); got != `{"status":"ok"}` {
		t.Errorf("body = %s", got)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	for k, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := w.Header().Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS sent for an http base URL: %q", got)
	}
	if w := serve(s, http.MethodPost, "/healthz", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz status = %d, want 405", w.Code)
	}
}

func TestHSTSWithHTTPSBaseURL(t *testing.T) {
	cfg := config.Default()
	cfg.BaseURL = "https://roster.example.com"
	s := New(cfg, Deps{})
	w := serve(s, http.MethodGet, "/healthz", nil)
	if got := w.Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security = %q", got)
	}
}

func TestReadyz(t *testing.T) {
	var sawDeadline time.Duration
	tests := []struct {
		name     string
		ready    func(context.Context) error
		wantCode int
		wantBody string
	}{
		{"no check", nil, http.StatusOK, `{"status":"ready"}`},
		{"check passes", func(ctx context.Context) error {
			if dl, ok := ctx.Deadline(); ok {
				sawDeadline = time.Until(dl)
			}
			return nil
		}, http.StatusOK, `{"status":"ready"}`},
		{"check fails", func(context.Context) error {
			return errors.New("dial tcp 10.1.2.3:5432: connection refused")
		}, http.StatusServiceUnavailable, `{"error":"database unreachable","status":"unavailable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := newTestServer(t, Deps{Ready: tt.ready})
			w := serve(s, http.MethodGet, "/readyz", nil)
			if w.Code != tt.wantCode {
				t.Errorf("status = %d, want %d", w.Code, tt.wantCode)
			}
			if got := strings.TrimSpace(w.Body.String()); got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
			if strings.Contains(w.Body.String(), "10.1.2.3") {
				t.Error("response leaks the cause")
			}
			if tt.wantCode != http.StatusOK {
				failed := logs.find(t, "readiness check failed")
				if len(failed) != 1 || !strings.Contains(failed[0]["error"].(string), "connection refused") {
					t.Errorf("cause not logged: %v", logs.records(t))
				}
			}
		})
	}
	if sawDeadline <= 0 || sawDeadline > 2*time.Second {
		t.Errorf("readiness deadline %v, want at most 2s", sawDeadline)
	}
}

func TestAPIReceivesFullPath(t *testing.T) {
	var gotPath string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		w.WriteHeader(http.StatusNoContent)
	})
	extra := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "extra") })
	s, _ := newTestServer(t, Deps{API: api, Extra: map[string]http.Handler{"GET /admin/": extra}})

	if w := serve(s, http.MethodPost, "/api/v1/users/42/disable", nil); w.Code != http.StatusNoContent {
		t.Errorf("API status = %d", w.Code)
	}
	if gotPath != "/api/v1/users/42/disable" {
		t.Errorf("API saw path %q, want the full path", gotPath)
	}
	if w := serve(s, http.MethodGet, "/admin/users", nil); w.Body.String() != "extra" {
		t.Errorf("extra handler body = %q", w.Body.String())
	}
	if w := serve(s, http.MethodGet, "/nowhere", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown path status = %d", w.Code)
	}
}

func TestRequestID(t *testing.T) {
	var seen string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = logging.RequestID(r.Context()) })
	s, _ := newTestServer(t, Deps{API: api})

	tests := []struct {
		name     string
		incoming string
		honoured bool
	}{
		{"none", "", false},
		{"well formed", "abc.DEF_123-x", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"space", "abc def", false},
		{"newline", "abc\ndef", false},
		{"colon", "a:b", false},
		{"non-ascii", "ünïcode", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.incoming != "" {
				h.Set(RequestIDHeader, tt.incoming)
			}
			w := serve(s, http.MethodGet, "/api/v1/me", h)
			got := w.Header().Get(RequestIDHeader)
			if got != seen {
				t.Errorf("header %q differs from context %q", got, seen)
			}
			if tt.honoured {
				if got != tt.incoming {
					t.Errorf("id = %q, want the incoming %q", got, tt.incoming)
				}
				return
			}
			id, err := uuid.Parse(got)
			if err != nil || id.Version() != 7 {
				t.Errorf("generated id %q is not a UUIDv7 (%v)", got, err)
			}
		})
	}

	a := serve(s, http.MethodGet, "/healthz", nil).Header().Get(RequestIDHeader)
	b := serve(s, http.MethodGet, "/healthz", nil).Header().Get(RequestIDHeader)
	if a == b {
		t.Errorf("two requests got the same id %q", a)
	}
}

func TestAccessLog(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Authentication happens deep in the chain; the access log, written
		// further out, must still see the actor.
		logging.SetActor(r.Context(), "org-1", "user-2")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "hello")
	})
	invite := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	s, logs := newTestServer(t, Deps{API: api, Extra: map[string]http.Handler{"/invite/": invite}})

	h := http.Header{RequestIDHeader: {"trace-77"}}
	serve(s, http.MethodPost, "/api/v1/users?q=secret", h)
	serve(s, http.MethodGet, "/invite/tok3n-s3cret", nil)
	serve(s, http.MethodGet, "/healthz", nil)

	lines := logs.find(t, "request")
	if len(lines) != 3 {
		t.Fatalf("got %d access log lines, want 3: %v", len(lines), logs.records(t))
	}
	got := lines[0]
	want := map[string]any{
		"level": "INFO", "request_id": "trace-77", "org_id": "org-1", "actor_id": "user-2",
		"method": "POST", "path": "/api/v1/users", "status": float64(201), "bytes": float64(5),
		"remote": "192.0.2.1",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, ok := got["duration_ms"].(float64); !ok {
		t.Errorf("duration_ms missing: %v", got)
	}
	if p := lines[1]["path"]; p != "/invite/[redacted]" {
		t.Errorf("invitation path logged as %v", p)
	}
	if lines[1]["request_id"] == nil {
		t.Error("generated request id missing from the access log")
	}
	if lvl := lines[2]["level"]; lvl != "DEBUG" {
		t.Errorf("health probe logged at %v, want DEBUG", lvl)
	}
	if strings.Contains(logs.buf.String(), "s3cret") || strings.Contains(logs.buf.String(), "q=secret") {
		t.Error("a secret reached the log")
	}
}

func TestPanicRecovery(t *testing.T) {
	boom := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "sid=abc")
		w.Header().Set("Content-Type", "text/csv")
		panic("boom")
	})
	s, logs := newTestServer(t, Deps{Extra: map[string]http.Handler{"/boom": boom}})
	w := serve(s, http.MethodGet, "/boom", http.Header{RequestIDHeader: {"p-1"}})

	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", w.Code)
	}
	if got := w.Body.String(); got != problemInternal {
		t.Errorf("body = %s", got)
	}
	var problem struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &problem); err != nil || problem.Status != 500 || problem.Type != "about:blank" {
		t.Errorf("problem = %+v, %v", problem, err)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if c := w.Header().Get("Set-Cookie"); c != "" {
		t.Errorf("staged cookie sent with the error: %q", c)
	}
	if w.Header().Get(RequestIDHeader) != "p-1" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers = %v", w.Header())
	}

	panics := logs.find(t, "panic serving request")
	if len(panics) != 1 {
		t.Fatalf("got %d panic records: %v", len(panics), logs.records(t))
	}
	p := panics[0]
	if p["level"] != "ERROR" || p["panic"] != "boom" || p["request_id"] != "p-1" {
		t.Errorf("panic record = %v", p)
	}
	if st, _ := p["stack"].(string); !strings.Contains(st, "server_test.go") {
		t.Errorf("stack does not reach the handler: %q", st)
	}
	access := logs.find(t, "request")
	if len(access) != 1 || access[0]["status"] != float64(500) || access[0]["request_id"] != "p-1" {
		t.Errorf("access log = %v", access)
	}
}

func TestPanicAfterWriteAbortsConnection(t *testing.T) {
	late := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("late")
	})
	s, logs := newTestServer(t, Deps{Extra: map[string]http.Handler{"/late": late}})
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", p)
		}
		if len(logs.find(t, "panic serving request")) != 1 {
			t.Error("late panic not logged")
		}
	}()
	serve(s, http.MethodGet, "/late", nil)
}

func TestClientIP(t *testing.T) {
	tests := []struct{ remote, xff, want string }{
		{"203.0.113.9:5123", "", "203.0.113.9"},
		{"[2001:db8::1]:443", "", "2001:db8::1"},
		{"203.0.113.9:5123", "198.51.100.1", "203.0.113.9"},
		{"@", "", "@"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := ClientIP(r); got != tt.want {
			t.Errorf("ClientIP(%q, XFF %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
		}
	}
}
