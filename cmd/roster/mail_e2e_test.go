package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"

	"roster/internal/directory"
	"roster/internal/store"
)

// TestBinaryDeliversMail starts the binary with ROSTER_SMTP_URL pointing at
// an SMTP server inside the test, and checks that mail queued in the
// outbox arrives, once, and is marked sent before the process exits.
func TestBinaryDeliversMail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "mail.db")
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	m := &directory.Mail{ID: uuid.Must(uuid.NewV7()).String(), OrgID: "any", Kind: "password_changed",
		To: "jane@example.org", Subject: "Queued before the start", Text: "Hello\n", CreatedAt: time.Now()}
	if err := db.EnqueueMail(ctx, m); err != nil {
		t.Fatal(err)
	}

	inbox := &e2eInbox{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(inbox)
	srv.Domain = "localhost"
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, "serve")
	cmd.Env = append(os.Environ(), "ROSTER_DB="+dsn, "ROSTER_ADDR=127.0.0.1:0",
		"ROSTER_SMTP_URL=smtp://"+l.Addr().String(), "ROSTER_MAIL_FROM=Roster <roster@example.com>")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for inbox.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	<-copied
	if err := cmd.Wait(); err != nil {
		t.Errorf("roster serve exited with %v; log:\n%s", err, logs.String())
	}
	if n := inbox.count(); n != 1 {
		t.Fatalf("the SMTP server received %d messages, want 1; log:\n%s", n, logs.String())
	}
	if !strings.Contains(inbox.first(), "Queued before the start") {
		t.Errorf("received:\n%s", inbox.first())
	}
	if !strings.Contains(logs.String(), "delivering mail") {
		t.Errorf("the log does not say where mail goes:\n%s", logs.String())
	}
	mails, err := db.Mails(ctx, "any", 10)
	if err != nil || len(mails) != 1 || mails[0].SentAt.IsZero() {
		t.Errorf("outbox after the run: %v, %+v; want the message marked sent", err, mails)
	}
}

// e2eInbox is an SMTP backend that keeps every message.
type e2eInbox struct {
	mu   sync.Mutex
	msgs []string
}

func (b *e2eInbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &e2eSession{b: b}, nil }

func (b *e2eInbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

func (b *e2eInbox) first() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.msgs[0]
}

type e2eSession struct{ b *e2eInbox }

func (s *e2eSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *e2eSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *e2eSession) Reset()                               {}
func (s *e2eSession) Logout() error                        { return nil }

func (s *e2eSession) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, buf.String())
	s.b.mu.Unlock()
	return nil
}
