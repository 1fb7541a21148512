package console_test

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
	"roster/internal/console"
	"roster/internal/directory"
	"roster/internal/server"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// The tests drive the real handler chain (server middleware around the
// account and console routes) over HTTP, on every engine storetest
// provides, with a browser-like client: a cookie jar, and redirects
// reported rather than followed. Each test makes its own organization.

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
// HTTP by the account and console routes.
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

// fixtureOptions adjust a fixture.
type fixtureOptions struct {
	// mailDelivery says SMTP is configured (no mailbox in the console).
	mailDelivery bool
}

func newFixture(t *testing.T, e *storetest.Engine) *fixture {
	return newFixtureWith(t, e, fixtureOptions{})
}

func newFixtureWith(t *testing.T, e *storetest.Engine, o fixtureOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: time.Date(2030, time.March, 14, 9, 0, 0, 0, time.UTC)}
	log := slog.New(slog.DiscardHandler)
	svc := admin.New(e.DB, admin.Options{Hasher: hasher, Clock: clock.Now, Logger: log,
		BaseURL: "http://roster.test", ForgotPasswordTime: 10 * time.Millisecond,
		FailedSignInTime: 20 * time.Millisecond})
	org, err := svc.CreateOrganization(ctx, "t-"+randHex(6), "Test "+t.Name())
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	cfg := config.Default()
	pages := account.New(account.Options{Service: svc, DefaultOrgID: org.ID, BaseURL: cfg.BaseURL, Logger: log,
		Clock: clock.Now})
	routes := pages.Routes()
	for pattern, h := range console.New(console.Options{Service: svc, Pages: pages, Logger: log,
		MailDelivery: o.mailDelivery}).Routes() {
		routes[pattern] = h
	}
	srv := httptest.NewServer(server.New(cfg, server.Deps{Logger: log, Ready: svc.Ready, Extra: routes}).Handler())
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

// op is the command-line operator of the fixture's organization, for
// set-up that is not under test.
func (f *fixture) op() *admin.Actor { return admin.Operator(f.org.ID) }

// user adds an active user with the given role (a built-in role key;
// "" gives no grant) over unitID ("" = the whole organization), with
// userPassword.
func (f *fixture) user(first, roleKey, unitID string) *directory.User {
	f.t.Helper()
	name := strings.ToLower(first) + "-" + randHex(3)
	u, err := f.svc.CreateUser(f.ctx, f.op(), &admin.UserInput{Profile: directory.Profile{Username: name,
		Email: name + "@example.org", FirstName: first, LastName: "Tester"}})
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	if u, err = f.svc.SetPasswordByOperator(f.ctx, f.org.ID, u.Username, userPassword); err != nil {
		f.t.Fatalf("SetPasswordByOperator: %v", err)
	}
	if roleKey != "" {
		f.grant(u, roleKey, unitID)
	}
	return u
}

// pending adds a pending user (no password, no grant).
func (f *fixture) pending(first string) *directory.User {
	f.t.Helper()
	name := strings.ToLower(first) + "-" + randHex(3)
	u, err := f.svc.CreateUser(f.ctx, f.op(), &admin.UserInput{Profile: directory.Profile{Username: name,
		Email: name + "@example.org", FirstName: first, LastName: "Pending"}})
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	return u
}

// grant gives u a built-in role over a unit ("" = the whole organization).
func (f *fixture) grant(u *directory.User, roleKey, unitID string) *admin.GrantView {
	f.t.Helper()
	r, err := f.e.DB.RoleByKey(f.ctx, f.org.ID, roleKey)
	if err != nil {
		f.t.Fatalf("role %s: %v", roleKey, err)
	}
	g, err := f.svc.CreateGrant(f.ctx, f.op(), u.ID, admin.GrantInput{RoleID: r.ID, UnitID: unitID})
	if err != nil {
		f.t.Fatalf("CreateGrant: %v", err)
	}
	return g
}

// site adds a unit of kind site.
func (f *fixture) site(name string) *directory.Unit {
	f.t.Helper()
	u, err := f.svc.CreateUnit(f.ctx, f.op(), admin.UnitInput{Name: name, Kind: "site"})
	if err != nil {
		f.t.Fatalf("CreateUnit: %v", err)
	}
	return u
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

// reload reads a user again through the operator.
func (f *fixture) reload(u *directory.User) *directory.User {
	f.t.Helper()
	got, err := f.svc.User(f.ctx, f.op(), u.ID)
	if err != nil {
		f.t.Fatalf("User %s: %v", u.ID, err)
	}
	return got
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

// ownerBrowser is a browser signed in as the fixture's owner.
func (f *fixture) ownerBrowser() *browser {
	f.t.Helper()
	b := f.browser()
	b.signIn(f.owner.Username, ownerPassword)
	return b
}

// signedIn is a browser signed in as u (with userPassword).
func (f *fixture) signedIn(u *directory.User) *browser {
	f.t.Helper()
	b := f.browser()
	b.signIn(u.Username, userPassword)
	return b
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
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return fmt.Sprintf("%d (Location %q)\n%s", r.Code, r.Location(), body)
}

// do sends a request; header holds name/value pairs.
func (b *browser) do(method, path string, body io.Reader, contentType string, header ...string) *response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.f.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
	return b.do(http.MethodGet, path, nil, "", header...)
}

// post sends a form.
func (b *browser) post(path string, form url.Values, header ...string) *response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return b.do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", header...)
}

// follow sends a form and, when the answer is a redirect, gets the page it
// leads to (as a browser does after a form post).
func (b *browser) follow(path string, form url.Values) *response {
	b.t.Helper()
	r := b.post(path, form)
	if r.Code == http.StatusSeeOther {
		return b.get(r.Location())
	}
	return r
}

// signIn posts the sign-in form and checks that it was accepted.
func (b *browser) signIn(login, password string) {
	b.t.Helper()
	r := b.post("/login", url.Values{"username": {login}, "password": {password}})
	if r.Code != http.StatusSeeOther {
		b.t.Fatalf("sign-in of %s refused: %s", login, r)
	}
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

// text returns the visible text of an HTML body, tags removed and spaces
// folded, for checks on what a page says.
func text(body string) string {
	s := regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`).ReplaceAllString(body, " ")
	s = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// says checks that a page's text says each of want.
func says(t *testing.T, r *response, want ...string) {
	t.Helper()
	got := text(r.Body)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("page does not say %q; it says:\n%s", w, got)
		}
	}
}

// silent checks that a page's text says none of these.
func silent(t *testing.T, r *response, never ...string) {
	t.Helper()
	got := text(r.Body)
	for _, w := range never {
		if strings.Contains(got, w) {
			t.Errorf("page says %q and should not; it says:\n%s", w, got)
		}
	}
}

// hasLink reports whether the page links to href (exactly, as written in
// the HTML).
func hasLink(body, href string) bool {
	return strings.Contains(body, `href="`+html.EscapeString(href)+`"`)
}

// firstMatch returns the first group of pattern in body, or fails.
func firstMatch(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no match for %s in:\n%s", pattern, body)
	}
	return html.UnescapeString(m[1])
}
