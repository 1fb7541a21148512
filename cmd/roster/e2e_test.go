package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"roster/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// buildBinary compiles the real roster binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "roster")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// run runs the binary with the given database and stdin, failing the test on
// a non-zero exit.
func run(t *testing.T, bin, dsn, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ROSTER_DB="+dsn)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("roster %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

var listening = regexp.MustCompile(`msg=listening .*addr=(127\.0\.0\.1:\d+)`)

// TestBinaryEndToEnd starts the real binary on a free port, on each engine,
// and drives it as an operator and an API client would.
func TestBinaryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	if got := run(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "v.db"), "", "version"); !strings.HasPrefix(got, "roster ") {
		t.Fatalf("version printed %q", got)
	}
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		dsn := e.DSN
		if e.Name == "sqlite" {
			dsn = "sqlite:" + filepath.Join(t.TempDir(), "e2e.db") // a database of its own, made by the binary
		}
		run(t, bin, dsn, "", "migrate")
		email := "owner-" + e.Name + "@example.com"
		out := run(t, bin, dsn, "a long enough pass phrase\n", "admin", "create", "--email", email, "--password-stdin", "--first-name", "Olive")
		if !strings.Contains(out, "created owner") {
			t.Fatalf("admin create printed %q", out)
		}
		token := strings.TrimSpace(run(t, bin, dsn, "", "token", "create", "--email", email, "--name", "e2e"))
		if !strings.HasPrefix(token, "rst_") {
			t.Fatalf("token create printed %q", token)
		}
		scimToken := strings.TrimSpace(run(t, bin, dsn, "", "token", "create", "--email", email, "--name", "scim", "--provision-role", "Staff"))

		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "serve")
		cmd.Env = append(os.Environ(), "ROSTER_DB="+dsn, "ROSTER_ADDR=127.0.0.1:0", "ROSTER_LOG_FORMAT=text")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addrCh := make(chan string, 1)
		logs := &lockedBuffer{}
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				line := sc.Text()
				logs.WriteString(line + "\n")
				if m := listening.FindStringSubmatch(line); m != nil {
					addrCh <- m[1]
				}
			}
		}()
		var base string
		select {
		case a := <-addrCh:
			base = "http://" + a
		case <-time.After(30 * time.Second):
			t.Fatalf("the server did not start; log:\n%s", logs.String())
		}

		callAs := func(bearer, method, path, body string, header ...string) (int, http.Header, map[string]any) {
			t.Helper()
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+bearer)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var m map[string]any
			if len(raw) > 0 {
				if err := json.Unmarshal(raw, &m); err != nil {
					t.Fatalf("%s %s: %d, body is not JSON: %s", method, path, resp.StatusCode, raw)
				}
			}
			return resp.StatusCode, resp.Header, m
		}
		call := func(method, path, body string, header ...string) (int, http.Header, map[string]any) {
			t.Helper()
			return callAs(token, method, path, body, header...)
		}

		if st, _, _ := call("GET", "/healthz", ""); st != 200 {
			t.Fatalf("healthz %d", st)
		}
		if st, _, _ := call("GET", "/readyz", ""); st != 200 {
			t.Fatalf("readyz %d", st)
		}
		st, h, u := call("POST", "/api/v1/users", `{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}`)
		if st != 201 || h.Get("Location") == "" || h.Get("ETag") != `"v1"` || u["username"] != "ada" || u["status"] != "pending" {
			t.Fatalf("create: %d %v %v", st, h, u)
		}
		id := u["id"].(string)
		if st, _, p := call("POST", "/api/v1/users", `{"first_name":"A","last_name":"L","email":"ADA@example.com"}`); st != 409 || p["existing_user"] == nil {
			t.Fatalf("duplicate email: %d %v", st, p)
		}
		if st, _, _ := call("PATCH", "/api/v1/users/"+id, `{"job_title":"Analyst"}`, "If-Match", `"v7"`); st != 412 {
			t.Fatalf("stale If-Match: %d", st)
		}
		if st, _, u := call("PATCH", "/api/v1/users/"+id, `{"job_title":"Analyst"}`, "If-Match", `"v1"`); st != 200 || u["job_title"] != "Analyst" {
			t.Fatalf("patch: %d %v", st, u)
		}
		if st, _, l := call("GET", "/api/v1/users?q=lov&sort=last_name", ""); st != 200 || l["total"].(float64) != 1 {
			t.Fatalf("search: %d %v", st, l)
		}
		if st, _, _ := call("DELETE", "/api/v1/users/"+id, ""); st != 200 {
			t.Fatalf("delete: %d", st)
		}
		if st, _, l := call("GET", "/api/v1/users?deleted=true", ""); st != 200 || l["total"].(float64) != 1 {
			t.Fatalf("recycle bin: %d %v", st, l)
		}
		if st, _, l := call("GET", "/api/v1/audit-events?target_id="+id, ""); st != 200 || len(l["items"].([]any)) != 3 {
			t.Fatalf("audit: %d %v", st, l)
		}
		// SCIM is served, and users it creates receive the token's provisioning role.
		st, h, su := callAs(scimToken, "POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName":"grace","name":{"givenName":"Grace","familyName":"Hopper"},"emails":[{"value":"grace@example.com","type":"work"}]}`)
		if st != 201 || h.Get("Content-Type") != "application/scim+json" || !strings.HasSuffix(h.Get("Location"), "/scim/v2/Users/"+su["id"].(string)) {
			t.Fatalf("scim create: %d %v %v", st, h, su)
		}
		if st, _, g := call("GET", "/api/v1/users/"+su["id"].(string)+"/grants", ""); st != 200 || len(g["items"].([]any)) != 1 ||
			g["items"].([]any)[0].(map[string]any)["role_name"] != "Staff" {
			t.Fatalf("the provisioned user's grants: %d %v", st, g)
		}
		if st, _, doc := call("GET", "/api/v1/openapi.json", ""); st != 200 || doc["openapi"] != "3.1.0" {
			t.Fatalf("openapi: %d", st)
		}

		// A second organization, made from the command line with its own
		// owner (with the same email as the first's) while the server runs,
		// is wholly apart from the first.
		slug := "second-" + strings.ToLower(e.Name)
		if out := run(t, bin, dsn, "", "org", "create", "--slug", slug, "--name", "Second School"); !strings.Contains(out, "created organization "+slug) {
			t.Fatalf("org create printed %q", out)
		}
		out = run(t, bin, dsn, "another long pass phrase\n", "admin", "create", "--org", slug, "--email", email, "--password-stdin")
		if !strings.Contains(out, "in organization "+slug) {
			t.Fatalf("admin create --org printed %q", out)
		}
		token2 := strings.TrimSpace(run(t, bin, dsn, "", "token", "create", "--org", slug, "--email", email, "--name", "e2e"))
		_, _, me1 := call("GET", "/api/v1/me", "")
		st, _, me2 := callAs(token2, "GET", "/api/v1/me", "")
		if st != 200 || me2["email"] != email || me2["id"] == me1["id"] {
			t.Fatalf("second owner: %d %v (first %v)", st, me2, me1)
		}
		if st, _, l := callAs(token2, "GET", "/api/v1/users", ""); st != 200 || l["total"].(float64) != 1 {
			t.Fatalf("the second organization lists %d: %v", st, l)
		}
		for _, p := range []string{"/api/v1/users/" + id, "/api/v1/users/" + me1["id"].(string), "/api/v1/users/" + id + "/grants"} {
			if st, _, _ := callAs(token2, "GET", p, ""); st != 404 {
				t.Errorf("the second organization reads %s: %d", p, st)
			}
		}
		if st, _, _ := callAs(token2, "POST", "/api/v1/users/"+id+"/restore", ""); st != 404 {
			t.Errorf("the second organization restores the first's user: %d", st)
		}
		st, _, u2 := callAs(token2, "POST", "/api/v1/users", `{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}`)
		if st != 201 || u2["username"] != "ada" {
			t.Fatalf("the same email in the second organization: %d %v", st, u2)
		}
		_, _, roles1 := call("GET", "/api/v1/roles", "")
		_, _, roles2 := callAs(token2, "GET", "/api/v1/roles", "")
		r1, r2 := roles1["items"].([]any), roles2["items"].([]any)
		if len(r1) != 7 || len(r2) != 7 {
			t.Fatalf("roles: %d and %d, want the 7 built-in roles each", len(r1), len(r2))
		}
		ownerRole1 := r1[0].(map[string]any)["id"].(string)
		if r2[0].(map[string]any)["id"] == ownerRole1 {
			t.Error("the organizations share a role")
		}
		if st, _, _ := callAs(token2, "POST", "/api/v1/users/"+u2["id"].(string)+"/grants", `{"role_id":"`+ownerRole1+`"}`); st != 422 {
			t.Errorf("a grant of the first organization's owner role in the second: %d", st)
		}
		if st, _, l := call("GET", "/api/v1/audit-events?target_id="+u2["id"].(string), ""); st != 200 || len(l["items"].([]any)) != 0 {
			t.Errorf("the first organization reads the second's audit events: %d %v", st, l)
		}
		if st, _, l := call("GET", "/api/v1/users?q=lovelace&deleted=true", ""); st != 200 || l["total"].(float64) != 1 {
			t.Errorf("the first organization's bin after the second added Ada: %d %v", st, l)
		}

		// SIGTERM ends the server cleanly.
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("serve exited with %v; log:\n%s", err, logs.String())
		}
		if !strings.Contains(logs.String(), "request_id=") {
			t.Errorf("log lines carry no request id:\n%s", logs.String())
		}
	})
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestBinaryFirstSetUp starts the binary on an empty database, follows the
// set-up link it prints to create the first owner in the browser's way
// (forms and a cookie), signs out and signs in again.
func TestBinaryFirstSetUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "ROSTER_DB=sqlite:"+filepath.Join(t.TempDir(), "setup.db"), "ROSTER_ADDR=127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	setupLink := regexp.MustCompile(`setup_link=(\S+)`)
	linkCh := make(chan string, 1)
	logs := &lockedBuffer{}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if m := setupLink.FindStringSubmatch(sc.Text()); m != nil {
				linkCh <- m[1]
			}
		}
	}()
	var link string
	select {
	case link = <-linkCh:
	case <-time.After(30 * time.Second):
		t.Fatalf("no set-up link in the log:\n%s", logs.String())
	}
	// The link names the base URL, which follows the port actually bound
	// only when it is configured; take the address from the listening line.
	base := ""
	deadline := time.Now().Add(10 * time.Second)
	for base == "" && time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if base == "" {
		t.Fatalf("the server did not start; log:\n%s", logs.String())
	}
	path := link[strings.Index(link, "/setup/"):]
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(raw)
	}
	if st, _, body := send("GET", path, nil); st != http.StatusOK || !strings.Contains(body, "Default organization") {
		t.Fatalf("GET the set-up link: %d\n%.500s", st, body)
	}
	pw := "a quiet harbour at dawn"
	st, loc, body := send("POST", path, url.Values{"email": {"first@example.com"}, "first_name": {"Fay"}, "last_name": {"First"},
		"password": {pw}, "password_confirm": {pw}})
	if st != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("POST the set-up form: %d to %q\n%.800s", st, loc, body)
	}
	if st, _, body := send("GET", "/account", nil); st != http.StatusOK || !strings.Contains(body, "first@example.com") {
		t.Fatalf("the owner's account page: %d\n%.500s", st, body)
	}
	if st, _, _ := send("GET", path, nil); st != http.StatusNotFound {
		t.Errorf("the set-up link works twice: %d", st)
	}
	if st, _, _ := send("POST", "/logout", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("sign out: %d", st)
	}
	if st, loc, _ := send("GET", "/account", nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("after signing out, /account answers %d to %q", st, loc)
	}
	if st, loc, body := send("POST", "/login", url.Values{"username": {"first@example.com"}, "password": {pw}}); st != http.StatusSeeOther || loc != "/account" {
		t.Fatalf("sign in: %d to %q\n%.500s", st, loc, body)
	}
	if st, _, _ := send("GET", "/account", nil); st != http.StatusOK {
		t.Fatalf("the account page after signing in: %d", st)
	}
}
