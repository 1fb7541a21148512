package browsertest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// goodPage has landmarks, a heading and a form whose fields all have labels.
const goodPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - Roster</title></head>
<body>
<header><p>Roster</p></header>
<nav aria-label="Main"><a href="/bad">Another page</a></nav>
<main>
<h1>Sign in</h1>
<form method="post" action="/login">
<p><label for="username">User name or email</label>
<input id="username" name="username" autocomplete="username" required></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
</main>
<footer><p>Roster</p></footer>
</body>
</html>`

// badPage has an input without a label and an image without alternative text.
const badPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Broken - Roster</title></head>
<body>
<main>
<h1>Search</h1>
<form><input type="text" name="q"></form>
<img src="/logo.png">
</main>
</body>
</html>`

// cookiePages set a cookie with a button and show it on another page.
func cookiePages(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.URL.Path {
	case "/":
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>Start</title><main>
<form method="post" action="/set"><button id="set" type="submit">Remember me</button></form>
<a id="show" href="/show">Who am I?</a></main></html>`)
	case "/set":
		http.SetCookie(w, &http.Cookie{Name: "who", Value: "first", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/show", http.StatusSeeOther)
	case "/show":
		who := "nobody"
		if c, err := r.Cookie("who"); err == nil {
			who = c.Value
		}
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Who</title><main><p id="who">%s</p></main></html>`, who)
	default:
		http.NotFound(w, r)
	}
}

// server serves the test pages. The good page comes with a strict Content
// Security Policy, like the console's, to show that axe runs under one.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /good", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, goodPage)
	})
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, badPage)
	})
	mux.HandleFunc("GET /confirm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>Confirm</title><main>
<button id="delete" onclick="const p = document.createElement('p'); p.id = 'answer';
p.textContent = confirm('Delete it?') ? 'deleted' : 'kept'; document.querySelector('main').append(p)">Delete</button>
</main></html>`)
	})
	mux.HandleFunc("/", cookiePages)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckAccessibilityPassesGoodPage(t *testing.T) {
	srv := server(t)
	ctx := New(t).NewTab(t)
	Run(t, ctx, chromedp.Navigate(srv.URL+"/good"))
	if _, err := axeSource(); err != nil {
		missing(t, "axe-core is not installed (%v)", err)
	}
	for _, v := range CheckAccessibility(t, ctx, "sign-in form") {
		t.Logf("non-blocking violation: %s", v)
	}
	// A second check reuses the axe-core already in the page.
	CheckAccessibility(t, ctx, "sign-in form, again")
}

func TestViolationsOfBadPage(t *testing.T) {
	src, err := axeSource()
	if err != nil {
		missing(t, "axe-core is not installed (%v)", err)
	}
	srv := server(t)
	ctx := New(t).NewTab(t)
	Run(t, ctx, chromedp.Navigate(srv.URL+"/bad"))
	violations, err := Violations(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Violation{}
	for _, v := range violations {
		byID[v.ID] = v
	}
	for _, want := range []struct{ id, target string }{
		{"label", "input"},
		{"image-alt", "img"},
	} {
		v, ok := byID[want.id]
		if !ok {
			t.Errorf("no %q violation among %v", want.id, violations)
			continue
		}
		if !v.Blocking() {
			t.Errorf("%s has impact %q, want serious or critical", v.ID, v.Impact)
		}
		if len(v.Nodes) != 1 || !slices.ContainsFunc(v.Nodes[0].Target, func(s string) bool { return strings.Contains(s, want.target) }) {
			t.Errorf("%s nodes = %+v, want the one %s", v.ID, v.Nodes, want.target)
		}
		if v.Help == "" || !strings.HasPrefix(v.HelpURL, "https://") || v.Nodes[0].FailureSummary == "" {
			t.Errorf("%s lacks its help, help URL or failure summary: %+v", v.ID, v)
		}
	}
}

func TestTabsDoNotShareCookies(t *testing.T) {
	srv := server(t)
	b := New(t)
	first, second := b.NewTab(t), b.NewTab(t)

	Run(t, first, chromedp.Navigate(srv.URL+"/"), chromedp.Click(chromedp.ID("set")))
	if got := Text(t, first, "#who"); got != "first" {
		t.Fatalf("first tab after setting the cookie: who = %q, want first", got)
	}
	if got := Location(t, first); got != srv.URL+"/show" {
		t.Errorf("first tab location = %q, want %s/show", got, srv.URL)
	}

	Run(t, second, chromedp.Navigate(srv.URL+"/"), chromedp.Click(chromedp.ID("show")))
	if got := Text(t, second, "#who"); got != "nobody" {
		t.Errorf("second tab sees who = %q, want nobody: the tabs share cookies", got)
	}

	Run(t, first, chromedp.Navigate(srv.URL+"/show"))
	if got := Text(t, first, "#who"); got != "first" {
		t.Errorf("first tab lost its cookie: who = %q", got)
	}
}

func TestScreenshotWritesPNG(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ROSTER_TEST_ARTIFACTS", dir)
	srv := server(t)
	ctx := New(t).NewTab(t)
	Run(t, ctx, chromedp.Navigate(srv.URL+"/good"))
	Screenshot(t, ctx, "sign in/form")

	data, err := os.ReadFile(filepath.Join(dir, "screenshots", "sign_in_form.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot starts with %q, want the PNG signature", data[:min(8, len(data))])
	}
}

func TestAcceptDialogs(t *testing.T) {
	srv := server(t)
	ctx := New(t).NewTab(t)
	AcceptDialogs(ctx)
	Run(t, ctx, chromedp.Navigate(srv.URL+"/confirm"), chromedp.Click(chromedp.ID("delete")))
	if got := Text(t, ctx, "#answer"); got != "deleted" {
		t.Errorf("answer = %q, want deleted (the confirm() was not accepted)", got)
	}
}

func TestExistsAndText(t *testing.T) {
	srv := server(t)
	ctx := New(t).NewTab(t)
	Run(t, ctx, chromedp.Navigate(srv.URL+"/good"))
	if !Exists(t, ctx, "main form") {
		t.Error(`Exists("main form") = false on the sign-in page`)
	}
	if Exists(t, ctx, "#no-such-element") {
		t.Error(`Exists("#no-such-element") = true`)
	}
	if got := Text(t, ctx, "h1"); got != "Sign in" {
		t.Errorf("h1 = %q, want Sign in", got)
	}
	if got := Get(t, ctx, chromedp.Title()); got != "Sign in - Roster" {
		t.Errorf("title = %q", got)
	}
}

// recorder is a testing.TB that records Fatalf and Skipf instead of ending
// the real test, for testing what happens when a prerequisite is missing.
type recorder struct {
	testing.TB
	mu           sync.Mutex
	fatal, skip  string
	failedErrorf bool
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skip = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.failedErrorf = true
	r.mu.Unlock()
}

// call runs f with the recorder on a goroutine of its own, since Fatalf and
// Skipf end the goroutine.
func (r *recorder) call(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func TestMissingPrerequisites(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			t.Setenv("ROSTER_CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
			t.Setenv("ROSTER_AXE", filepath.Join(t.TempDir(), "no-axe.min.js"))

			r := &recorder{TB: t}
			r.call(func() { New(r) })
			if ci == "" && (r.skip == "" || r.fatal != "") {
				t.Errorf("New outside CI: skip %q, fatal %q; want a skip", r.skip, r.fatal)
			}
			if ci != "" && (r.fatal == "" || r.skip != "") {
				t.Errorf("New under CI: skip %q, fatal %q; want a failure", r.skip, r.fatal)
			}
			if msg := r.skip + r.fatal; !strings.Contains(msg, "make test-deps") {
				t.Errorf("New's message %q does not say to run make test-deps", msg)
			}

			r = &recorder{TB: t}
			var got []Violation
			returned := false
			r.call(func() {
				got = CheckAccessibility(r, t.Context(), "a page")
				returned = true
			})
			if ci == "" && (!returned || got != nil || r.fatal != "" || r.failedErrorf) {
				t.Errorf("CheckAccessibility outside CI: returned %v with %v, fatal %q; want it to return nil", returned, got, r.fatal)
			}
			if ci != "" && !strings.Contains(r.fatal, "make test-deps") {
				t.Errorf("CheckAccessibility under CI: fatal %q, want a failure that says to run make test-deps", r.fatal)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"TestUsers/invite form": "TestUsers_invite_form",
		"a.b-c_d":               "a.b-c_d",
		"..":                    "screenshot",
		"":                      "screenshot",
		"../../etc":             ".._.._etc",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}
