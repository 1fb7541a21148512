package rest_test

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
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/admin"
	"roster/internal/auth"
	"roster/internal/config"
	"roster/internal/directory"
	"roster/internal/rest"
	"roster/internal/server"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// The tests drive the real router (server middleware around the REST API)
// on every engine storetest provides. The databases are shared by the whole
// package run, so each test makes its own organization, owner and token and
// never counts rows outside that organization.

// hasher is built once: making an argon2id hasher costs a hash.
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

// ownerPassword is the password of every test owner; the audit test checks
// that it never reaches the log.
const ownerPassword = "correct horse battery staple 42"

// testClock is the service's clock: it starts at a fixed instant and moves
// one microsecond on every reading, so that consecutive writes get distinct
// times, and tests can move it further with Advance.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// clockStart is where every test clock starts.
var clockStart = time.Date(2030, time.March, 14, 9, 0, 0, 0, time.UTC)

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Microsecond)
	return c.now
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is one organization on one engine, with its owner and the owner's
// API token, served through the real handler chain.
type fixture struct {
	t       *testing.T
	e       *storetest.Engine
	clock   *testClock
	svc     *admin.Service
	handler http.Handler
	org     *directory.Organization
	owner   *directory.User
	token   string // the owner's API token
}

// newFixture makes a fresh organization with an owner and a token.
func newFixture(t *testing.T, e *storetest.Engine) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: clockStart}
	log := slog.New(slog.DiscardHandler)
	svc := admin.New(e.DB, admin.Options{Hasher: hasher, Clock: clock.Now, FailedSignInTime: time.Microsecond, Logger: log})
	api := rest.New(svc, rest.Options{Version: "test", Logger: log})
	srv := server.New(config.Default(), server.Deps{Logger: log, Ready: svc.Ready, API: api})
	f := &fixture{t: t, e: e, clock: clock, svc: svc, handler: srv.Handler()}

	org, err := svc.CreateOrganization(ctx, "t-"+randHex(6), "Test "+t.Name())
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	f.org = org
	f.owner, f.token = f.newOwner("owner-" + randHex(3) + "@example.org")
	return f
}

// newOwner adds another owner to the organization and returns them with an
// API token.
func (f *fixture) newOwner(email string) (*directory.User, string) {
	f.t.Helper()
	ctx := context.Background()
	u, err := f.svc.CreateOwner(ctx, f.org.ID, admin.OwnerInput{Email: email, Password: ownerPassword})
	if err != nil {
		f.t.Fatalf("CreateOwner: %v", err)
	}
	_, secret, err := f.svc.CreateToken(ctx, admin.Operator(f.org.ID), admin.TokenInput{UserID: u.ID, Name: "test"})
	if err != nil {
		f.t.Fatalf("CreateToken: %v", err)
	}
	return u, secret
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

func (r *response) String() string {
	return fmt.Sprintf("%d %s", r.Code, bytes.TrimSpace(r.Body))
}

// do sends a request to the handler with the owner's token. body is sent
// as it is when it is a string or []byte, and as JSON otherwise (nil sends
// nothing). header holds name/value pairs; an Authorization pair replaces
// the owner's token, and an empty value drops the header.
func (f *fixture) do(method, path string, body any, header ...string) *response {
	f.t.Helper()
	var rd io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, contentType = strings.NewReader(b), "application/json"
	case []byte:
		rd, contentType = bytes.NewReader(b), "application/json"
	default:
		js, err := json.Marshal(b)
		if err != nil {
			f.t.Fatalf("marshal body: %v", err)
		}
		rd, contentType = bytes.NewReader(js), "application/json"
	}
	if !strings.HasPrefix(path, "/") {
		path = rest.Prefix + "/" + path
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.7:4711"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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

// as returns the header pair that sends token instead of the owner's.
func as(token string) []string { return []string{"Authorization", "Bearer " + token} }

// must checks the status of r and decodes its JSON body into a T.
func must[T any](t *testing.T, r *response, status int) T {
	t.Helper()
	var v T
	if r.Code != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Code, status, r.Body)
	}
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatalf("decode %T: %v; body: %s", v, err, r.Body)
		}
	}
	return v
}

// problem is an RFC 9457 problem detail as the API writes it.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
		Value    any    `json:"value"`
	} `json:"errors"`
	ExistingUser *struct {
		ID          string `json:"id"`
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
	} `json:"existing_user"`
}

func (p *problem) locations() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

// wantProblem checks that r is a problem+json answer with the given status
// whose errors name at least the given locations, and returns it.
func wantProblem(t *testing.T, r *response, status int, locations ...string) *problem {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Code, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("decode problem: %v; body: %s", err, r.Body)
	}
	if p.Status != status {
		t.Errorf("problem status = %d, want %d", p.Status, status)
	}
	if p.Title == "" {
		t.Errorf("problem without a title: %s", r.Body)
	}
	if p.Detail == "" && len(p.Errors) == 0 {
		t.Errorf("problem says neither detail nor errors: %s", r.Body)
	}
	for _, loc := range locations {
		if !slices.Contains(p.locations(), loc) {
			t.Errorf("problem errors at %v, want one at %s; body: %s", p.locations(), loc, r.Body)
		}
	}
	for _, e := range p.Errors {
		if e.Message == "" {
			t.Errorf("error at %s without a message", e.Location)
		}
	}
	return &p
}

// user is a user as the API shows it.
type user = rest.UserJSON

// userList is a page of users.
type userList struct {
	Items      []*user `json:"items"`
	NextCursor string  `json:"next_cursor"`
	Total      int     `json:"total"`
}

// createUser adds a user through the API with the given fields (a quick
// add with a unique email when fields is nil or names nothing of that).
func (f *fixture) createUser(fields map[string]any) *user {
	f.t.Helper()
	body := map[string]any{"first_name": "Test", "last_name": "User", "email": "u" + randHex(4) + "@example.org"}
	for k, v := range fields {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	return ptr(must[user](f.t, f.do("POST", "users", body), http.StatusCreated))
}

func ptr[T any](v T) *T { return &v }

// getUser reads a user through the API.
func (f *fixture) getUser(id string) *user {
	f.t.Helper()
	return ptr(must[user](f.t, f.do("GET", "users/"+id, nil), http.StatusOK))
}

// activate gives a user a password, which makes a pending user active.
func (f *fixture) activate(u *user) {
	f.t.Helper()
	if _, err := f.svc.SetPasswordByOperator(context.Background(), f.org.ID, u.Username, "a long pass phrase that will do"); err != nil {
		f.t.Fatalf("SetPasswordByOperator: %v", err)
	}
}

// tokenFor makes an API token for an active user of the organization.
func (f *fixture) tokenFor(userID string) string {
	f.t.Helper()
	_, secret, err := f.svc.CreateToken(context.Background(), admin.Operator(f.org.ID), admin.TokenInput{UserID: userID, Name: "test"})
	if err != nil {
		f.t.Fatalf("CreateToken: %v", err)
	}
	return secret
}

// auditEvents returns every audit event of the organization, newest first,
// straight from the database.
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

// lastEvent returns the newest audit event of the organization.
func (f *fixture) lastEvent() *directory.AuditEvent {
	f.t.Helper()
	ev := f.auditEvents()
	if len(ev) == 0 {
		f.t.Fatal("no audit events")
	}
	return ev[0]
}

// snapshot is what a refused request must leave alone: the user as the API
// shows it and the number of audit events.
type snapshot struct {
	user   string
	events int
}

func (f *fixture) snapshot(userID string) snapshot {
	f.t.Helper()
	s := snapshot{events: len(f.auditEvents())}
	if userID != "" {
		r := f.do("GET", "users/"+userID, nil)
		if r.Code != http.StatusOK {
			f.t.Fatalf("GET user %s: %s", userID, r)
		}
		s.user = string(r.Body)
	}
	return s
}

// unchanged checks that nothing changed since before.
func (f *fixture) unchanged(before snapshot, userID string) {
	f.t.Helper()
	after := f.snapshot(userID)
	if after.user != before.user {
		f.t.Errorf("user changed:\nbefore %s\nafter  %s", before.user, after.user)
	}
	if after.events != before.events {
		f.t.Errorf("audit events: %d before, %d after; newest: %+v", before.events, after.events, f.lastEvent())
	}
}

// changesOf indexes the changes of an audit event by field.
func changesOf(e *directory.AuditEvent) map[string]directory.Change {
	out := map[string]directory.Change{}
	for _, c := range e.Changes {
		out[c.Field] = c
	}
	return out
}

// wantEvent checks that the newest audit event is action on targetID by
// the owner through their token, from the test's address, and returns it.
func (f *fixture) wantEvent(action, targetID string) *directory.AuditEvent {
	f.t.Helper()
	e := f.lastEvent()
	if e.Action != action || e.TargetID != targetID {
		f.t.Fatalf("newest audit event is %s on %s, want %s on %s", e.Action, e.TargetID, action, targetID)
	}
	if e.ActorID != f.owner.ID || e.ActorName == "" || e.TokenID == "" {
		f.t.Errorf("event %s: actor %q (%q) token %q, want the owner through a token", action, e.ActorID, e.ActorName, e.TokenID)
	}
	if e.IP != "192.0.2.7" || e.RequestID == "" {
		f.t.Errorf("event %s: ip %q request id %q", action, e.IP, e.RequestID)
	}
	if e.TargetName == "" {
		f.t.Errorf("event %s: no target name", action)
	}
	return e
}

// field is a custom field as the API shows it.
type field = rest.FieldJSON

// unit is a unit as the API shows it.
type unit = rest.UnitJSON

// defineFields adds one custom field of each type through the API:
// nickname (text), shoe_size (number), hired_on (date), remote (bool) and
// team (choice of red, blue, green).
func (f *fixture) defineFields() {
	f.t.Helper()
	for _, b := range []map[string]any{
		{"key": "nickname", "label": "Nickname", "type": "text"},
		{"key": "shoe_size", "label": "Shoe size", "type": "number"},
		{"key": "hired_on", "label": "Hired on", "type": "date"},
		{"key": "remote", "label": "Works remotely", "type": "bool"},
		{"key": "team", "label": "Team", "type": "choice", "choices": []string{"red", "blue", "green"}},
	} {
		must[field](f.t, f.do("POST", "settings/custom-fields", b), http.StatusCreated)
	}
}

// createUnit adds a unit through the API.
func (f *fixture) createUnit(name, kind, parentID string) *unit {
	f.t.Helper()
	body := map[string]any{"name": name, "kind": kind}
	if parentID != "" {
		body["parent_id"] = parentID
	}
	return ptr(must[unit](f.t, f.do("POST", "units", body), http.StatusCreated))
}

// etag is the entity tag of a version.
func etag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

// timeOff is a time-off range as the API shows it.
type timeOff = rest.TimeOffJSON

// timeOffList is the answer of GET /users/{id}/time-off.
type timeOffList struct {
	Items []*timeOff `json:"items"`
}

// with returns the fixture for a subtest, so that its failures stop the
// subtest's goroutine and not the parent's.
func (f *fixture) with(t *testing.T) *fixture {
	c := *f
	c.t = t
	return &c
}

// roleID returns the id of the built-in role with the given key.
func (f *fixture) roleID(key string) string {
	f.t.Helper()
	r, err := f.e.DB.RoleByKey(context.Background(), f.org.ID, key)
	if err != nil {
		f.t.Fatalf("role %s: %v", key, err)
	}
	return r.ID
}
