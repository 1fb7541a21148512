package account_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/account"
	"roster/internal/admin"
	"roster/internal/auth"
	"roster/internal/config"
	"roster/internal/directory"
	"roster/internal/server"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// The tests drive the real handler chain (server middleware around the
// account routes) over HTTP, on every engine storetest provides, with a
// browser-like client: a cookie jar, and redirects reported rather than
// followed. Each test makes its own organization.

// hasher is built once with the cheapest parameters argon2id accepts.
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

// ownerPassword is the password of every test owner; userPassword of
// every other test user.
const (
	ownerPassword = "correct horse battery staple 42"
	userPassword  = "a quiet lighthouse keeps the shore"
)

// testClock starts at a fixed instant and moves one microsecond on every
// reading; tests move it further with Advance.
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

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is one organization on one engine with its owner, served over
// HTTP by the account routes.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	e     *storetest.Engine
	clock *testClock
	svc   *admin.Service
	srv   *httptest.Server
	org   *directory.Organization
	owner *directory.User
}

// options adjust a fixture's handler.
type options struct {
	baseURL  string
	failures int
	window   time.Duration
}

func newFixture(t *testing.T, e *storetest.Engine) *fixture {
	return newFixtureWith(t, e, options{})
}

func newFixtureWith(t *testing.T, e *storetest.Engine, o options) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: time.Date(2030, time.March, 14, 9, 0, 0, 0, time.UTC)}
	log := slog.New(slog.DiscardHandler)
	svc := admin.New(e.DB, admin.Options{Hasher: hasher, Clock: clock.Now, Logger: log,
		BaseURL: "http://roster.test", ForgotPasswordTime: 30 * time.Millisecond,
		FailedSignInTime: 80 * time.Millisecond})
	org, err := svc.CreateOrganization(ctx, "t-"+randHex(6), "Test "+t.Name())
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	cfg := config.Default()
	if o.baseURL != "" {
		cfg.BaseURL = o.baseURL
	}
	h := account.New(account.Options{Service: svc, DefaultOrgID: org.ID, BaseURL: cfg.BaseURL, Logger: log,
		Clock: clock.Now, ThrottleFailures: o.failures, ThrottleWindow: o.window})
	srv := httptest.NewServer(server.New(cfg, server.Deps{Logger: log, Ready: svc.Ready, Extra: h.Routes()}).Handler())
	t.Cleanup(srv.Close)
	f := &fixture{t: t, ctx: ctx, e: e, clock: clock, svc: svc, srv: srv, org: org}
	f.owner, err = svc.CreateOwner(ctx, org.ID, admin.OwnerInput{Email: "owner-" + randHex(3) + "@example.org",
		Password: ownerPassword, FirstName: "Olive", LastName: "Owner"})
	if err != nil {
		t.Fatalf("CreateOwner: %v", err)
	}
	return f
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// user adds an active user with the given role (a built-in role key;
// "" gives no grant) and userPassword.
func (f *fixture) user(first, roleKey string) *directory.User {
	f.t.Helper()
	op := admin.Operator(f.org.ID)
	name := strings.ToLower(first) + "-" + randHex(3)
	u, err := f.svc.CreateUser(f.ctx, op, &admin.UserInput{Profile: directory.Profile{Username: name,
		Email: name + "@example.org", FirstName: first, LastName: "Tester"}})
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	if u, err = f.svc.SetPasswordByOperator(f.ctx, f.org.ID, u.Username, userPassword); err != nil {
		f.t.Fatalf("SetPasswordByOperator: %v", err)
	}
	if roleKey != "" {
		f.grant(u, roleKey, "")
	}
	return u
}

// grant gives u a role over a unit ("" = the whole organization).
func (f *fixture) grant(u *directory.User, roleKey, unitID string) *admin.GrantView {
	f.t.Helper()
	r, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, roleKey)
	if err != nil {
		f.t.Fatalf("role %s: %v", roleKey, err)
	}
	g, err := f.svc.CreateGrant(f.ctx, admin.Operator(f.org.ID), u.ID, admin.GrantInput{RoleID: r.ID, UnitID: unitID})
	if err != nil {
		f.t.Fatalf("CreateGrant: %v", err)
	}
	return g
}

// site adds a unit of kind site.
func (f *fixture) site(name string) *directory.Unit {
	f.t.Helper()
	u, err := f.svc.CreateUnit(f.ctx, admin.Operator(f.org.ID), admin.UnitInput{Name: name, Kind: "site"})
	if err != nil {
		f.t.Fatalf("CreateUnit: %v", err)
	}
	return u
}

// ownerActor signs the owner in through the service and returns the
// actor of that session, for administrative set-up.
func (f *fixture) ownerActor() *admin.Actor {
	f.t.Helper()
	st := f.state(f.signInDirect(f.owner.Username, ownerPassword))
	if st.Actor == nil || st.Gate != "" {
		f.t.Fatalf("owner session: gate %q", st.Gate)
	}
	return st.Actor
}

// signInDirect signs in through the service and returns the secret.
func (f *fixture) signInDirect(login, password string) string {
	f.t.Helper()
	start, err := f.svc.SignIn(f.ctx, admin.SignInInput{OrgID: f.org.ID, Login: login, Password: password,
		Client: admin.Client{IP: "192.0.2.1"}})
	if err != nil {
		f.t.Fatalf("SignIn %s: %v", login, err)
	}
	return start.Secret
}

// state resolves a session secret through the service.
func (f *fixture) state(secret string) *admin.SessionState {
	f.t.Helper()
	st, err := f.svc.ResolveSession(f.ctx, secret, admin.Client{IP: "192.0.2.1"})
	if err != nil {
		f.t.Fatalf("ResolveSession: %v", err)
	}
	return st
}

// refused checks that a session secret no longer works.
func (f *fixture) refused(secret, why string) {
	f.t.Helper()
	if secret == "" {
		f.t.Fatalf("%s: no secret to check", why)
	}
	_, err := f.svc.ResolveSession(f.ctx, secret, admin.Client{IP: "192.0.2.1"})
	if directory.KindOf(err) != directory.KindUnauthorized {
		f.t.Errorf("%s: the old session secret still resolves (err %v)", why, err)
	}
}

// enrolMFA sets up an authenticator for u through the service and returns
// its key.
func (f *fixture) enrolMFA(u *directory.User, password string) string {
	f.t.Helper()
	st := f.state(f.signInDirect(u.Username, password))
	e, err := f.svc.StartTOTP(f.ctx, st)
	if err != nil {
		f.t.Fatalf("StartTOTP: %v", err)
	}
	if _, _, err := f.svc.ConfirmTOTP(f.ctx, st, f.code(e.Secret)); err != nil {
		f.t.Fatalf("ConfirmTOTP: %v", err)
	}
	// The confirming code's time step is spent; later codes come from
	// later steps.
	f.clock.Advance(time.Minute)
	return e.Secret
}

// code is the TOTP code of key at the fixture's current time.
func (f *fixture) code(key string) string {
	f.t.Helper()
	c, err := auth.TOTPCode(key, f.clock.Now())
	if err != nil {
		f.t.Fatalf("TOTPCode: %v", err)
	}
	return c
}

// audit returns the organization's audit events, newest first.
func (f *fixture) audit() []*directory.AuditEvent {
	f.t.Helper()
	page, err := f.e.DB.ListAudit(f.ctx, f.org.ID, store.AuditFilter{Limit: 500})
	if err != nil {
		f.t.Fatalf("ListAudit: %v", err)
	}
	return page.Events
}

// browser is one browser: its own cookies, redirects not followed.
type browser struct {
	t    *testing.T
	f    *fixture
	jar  *cookiejar.Jar
	http *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: f.t, f: f, jar: jar, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is an answer as the browser got it.
type response struct {
	Code   int
	Header http.Header
	Body   string
}

// Location is where a redirect points.
func (r *response) Location() string { return r.Header.Get("Location") }

func (r *response) String() string {
	body := r.Body
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return fmt.Sprintf("%d (Location %q)\n%s", r.Code, r.Location(), body)
}

// do sends a request; header holds name/value pairs.
func (b *browser) do(method, path string, form url.Values, header ...string) *response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "TestBrowser/1.0")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if strings.Contains(string(data), "ZgotmplZ") {
		b.t.Errorf("%s %s: html/template replaced an unsafe value with ZgotmplZ", method, path)
	}
	return &response{Code: res.StatusCode, Header: res.Header, Body: string(data)}
}

func (b *browser) get(path string, header ...string) *response {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil, header...)
}

func (b *browser) post(path string, form url.Values, header ...string) *response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return b.do(http.MethodPost, path, form, header...)
}

// want checks a response's status and, for a redirect, where it points
// (the path and query, without the host).
func want(t *testing.T, r *response, status int, location string) {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status %d, want %d: %s", r.Code, status, r)
	}
	if location != "" && r.Location() != location {
		t.Fatalf("Location %q, want %q", r.Location(), location)
	}
}

// signIn posts the sign-in form and returns the answer.
func (b *browser) signIn(login, password string) *response {
	b.t.Helper()
	return b.post("/login", url.Values{"username": {login}, "password": {password}})
}

// secret returns the session cookie the browser holds, or "".
func (b *browser) secret() string {
	u, _ := url.Parse(b.f.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == "roster_session" {
			return c.Value
		}
	}
	return ""
}

// setSecret makes the browser hold a session cookie.
func (b *browser) setSecret(secret string) {
	u, _ := url.Parse(b.f.srv.URL)
	b.jar.SetCookies(u, []*http.Cookie{{Name: "roster_session", Value: secret, Path: "/"}})
}

// text returns the visible text of an HTML body, tags removed and spaces
// folded, for checks on what a page says.
func text(body string) string {
	s := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// contains checks that a page's text says each of want.
func contains(t *testing.T, r *response, want ...string) {
	t.Helper()
	got := text(r.Body)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("page does not say %q; it says:\n%s", w, got)
		}
	}
}
