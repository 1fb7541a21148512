package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestBinaryInvitationByMail runs the binary with an SMTP server inside the
// test: an administrator adds a user through the API, the invitation
// arrives by SMTP, and the test follows the link in the received message to
// set the password and land signed in.
func TestBinaryInvitationByMail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "invite.db")
	run(t, bin, dsn, "", "migrate")
	run(t, bin, dsn, "a long enough pass phrase\n", "admin", "create", "--email", "owner@example.org", "--password-stdin")
	token := strings.TrimSpace(run(t, bin, dsn, "", "token", "create", "--email", "owner@example.org", "--name", "e2e"))

	inbox := &e2eInbox{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(inbox)
	srv.Domain = "localhost"
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "ROSTER_DB="+dsn, "ROSTER_ADDR=127.0.0.1:0",
		"ROSTER_SMTP_URL=smtp://"+l.Addr().String(), "ROSTER_MAIL_FROM=Roster <roster@example.com>")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	logs := &lockedBuffer{}
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
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

	req, _ := http.NewRequest("POST", base+"/api/v1/users",
		strings.NewReader(`{"first_name": "Ivy", "last_name": "Invitee", "email": "ivy@example.org"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Status string `json:"status"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.Status != "pending" {
		t.Fatalf("POST /users: %d, status %q", resp.StatusCode, created.Status)
	}

	deadline := time.Now().Add(30 * time.Second)
	for inbox.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if inbox.count() != 1 {
		t.Fatalf("the SMTP server received %d messages, want the invitation; log:\n%s", inbox.count(), logs.String())
	}
	body := plainText(t, inbox.first())
	link := regexp.MustCompile(`http://\S+/invite/rsi_[a-z0-9]+`).FindString(body)
	if link == "" {
		t.Fatalf("no invitation link in the message:\n%s", body)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		r, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if st, page := get(u.Path); st != http.StatusOK || !strings.Contains(page, "ivy") {
		t.Fatalf("GET the invitation: %d\n%.500s", st, page)
	}
	pw := "a quiet harbour at dawn"
	r, err := client.PostForm(base+u.Path, url.Values{"password": {pw}, "password_confirm": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("accepting: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if st, page := get("/account"); st != http.StatusOK || !strings.Contains(page, "ivy@example.org") {
		t.Fatalf("the account page after accepting: %d\n%.500s", st, page)
	}
	if st, _ := get(u.Path); st != http.StatusNotFound {
		t.Errorf("the invitation link still opens after it was accepted: %d", st)
	}
}

// plainText returns the decoded text/plain part of a raw message.
func plainText(t *testing.T, raw string) string {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, raw)
	}
	var find func(h map[string][]string, r io.Reader) string
	find = func(h map[string][]string, r io.Reader) string {
		header := http.Header(h)
		ct, params, _ := mime.ParseMediaType(header.Get("Content-Type"))
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return ""
				}
				if s := find(p.Header, p); s != "" {
					return s
				}
			}
		}
		if ct != "text/plain" {
			return ""
		}
		if strings.EqualFold(header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			r = quotedprintable.NewReader(r)
		}
		b, _ := io.ReadAll(r)
		return string(b)
	}
	return find(msg.Header, msg.Body)
}
