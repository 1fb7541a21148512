package scim_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/auth"
	"roster/internal/config"
	"roster/internal/directory"
	"roster/internal/scim"
	"roster/internal/server"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// The tests drive SCIM through the real server middleware on every engine
// storetest provides. The databases are shared by the package run, so each
// test makes its own organization, owner and token.

var hasher *auth.Hasher

func TestMain(m *testing.M) {
	h, err := auth.NewHasher(auth.DefaultArgon2Params())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hasher = h
	os.Exit(storetest.Main(m))
}

// testClock starts at a fixed instant and moves one microsecond on every
// reading.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Microsecond)
	return c.now
}

// baseURL is the external address the tests' resources are located under.
const baseURL = "https://roster.example.org"

// fixture is one organization on one engine with its owner and a token.
type fixture struct {
	t       *testing.T
	e       *storetest.Engine
	svc     *admin.Service
	handler http.Handler
	org     *directory.Organization
	owner   *directory.User
	token   string
}

func newFixture(t *testing.T, e *storetest.Engine) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: time.Date(2030, time.March, 14, 9, 0, 0, 0, time.UTC)}
	log := slog.New(slog.DiscardHandler)
	svc := admin.New(e.DB, admin.Options{Hasher: hasher, Clock: clock.Now, FailedSignInTime: time.Microsecond, Logger: log})
	srv := server.New(config.Default(), server.Deps{Logger: log, Ready: svc.Ready,
		Extra: map[string]http.Handler{scim.Prefix + "/": scim.New(svc, scim.Options{BaseURL: baseURL, Logger: log})}})
	f := &fixture{t: t, e: e, svc: svc, handler: srv.Handler()}
	org, err := svc.CreateOrganization(ctx, "t-"+randHex(6), "Test "+t.Name())
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	f.org = org
	f.owner, err = svc.CreateOwner(ctx, org.ID, admin.OwnerInput{Email: "owner-" + randHex(3) + "@example.org", Password: "correct horse battery staple 42"})
	if err != nil {
		t.Fatalf("CreateOwner: %v", err)
	}
	_, f.token, err = svc.CreateToken(ctx, admin.Operator(org.ID), admin.TokenInput{UserID: f.owner.ID, Name: "scim"})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return f
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// response is what the handler answered.
type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r *response) String() string { return fmt.Sprintf("%d %s", r.Code, bytes.TrimSpace(r.Body)) }

// json decodes the body as an object.
func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decode %s: %v", r, err)
	}
	return m
}

// do sends a request with the fixture's token. path is relative to
// /scim/v2 unless it starts with "http" or "/scim". body is sent as it is
// when it is a string, as JSON otherwise (nil sends nothing). header holds
// name/value pairs; an empty value drops the header.
func (f *fixture) do(method, path string, body any, header ...string) *response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			f.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(js)
	}
	if !strings.HasPrefix(path, "/scim") {
		path = scim.Prefix + path
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.9:4000"
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	return &response{Code: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// must checks the status and decodes the body.
func (f *fixture) must(r *response, status int) map[string]any {
	f.t.Helper()
	if r.Code != status {
		f.t.Fatalf("status = %d, want %d; body: %s", r.Code, status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.json(f.t)
}

// scimError checks that r is a SCIM error with this status and scimType.
func (f *fixture) scimError(r *response, status int, scimType string) map[string]any {
	f.t.Helper()
	m := f.must(r, status)
	if r.Header.Get("Content-Type") != "application/scim+json" {
		f.t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
	if got, _ := m["scimType"].(string); got != scimType {
		f.t.Errorf("scimType = %q, want %q; body: %s", got, scimType, r.Body)
	}
	if s, _ := m["status"].(string); s != fmt.Sprint(status) {
		f.t.Errorf("status member = %q, want %d", s, status)
	}
	return m
}

// createUser provisions a user through SCIM and returns its document.
func (f *fixture) createUser(userName, given, family string, more map[string]any) map[string]any {
	f.t.Helper()
	body := map[string]any{"schemas": []string{scim.SchemaUser}, "userName": userName,
		"name": map[string]any{"givenName": given, "familyName": family}}
	for k, v := range more {
		body[k] = v
	}
	return f.must(f.do("POST", "/Users", body), http.StatusCreated)
}

// auditEvents lists the organization's audit events, newest first.
func (f *fixture) auditEvents() []*directory.AuditEvent {
	f.t.Helper()
	var out []*directory.AuditEvent
	filter := store.AuditFilter{Limit: 500}
	for {
		page, err := f.e.DB.ListAudit(context.Background(), f.org.ID, filter)
		if err != nil {
			f.t.Fatalf("ListAudit: %v", err)
		}
		out = append(out, page.Events...)
		if page.Next == nil {
			return out
		}
		filter.After = page.Next
	}
}
