package console_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	rmail "roster/internal/mail"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// tourEngines returns databases of the tour's own, migrated and empty: a
// SQLite file and, when a PostgreSQL server is configured, a PostgreSQL
// database dropped after the test. The tour delivers mail with a real
// worker, which must not take the mail of the package's other tests.
func tourEngines(t *testing.T) []*storetest.Engine {
	t.Helper()
	ctx := context.Background()
	open := func(name, dsn string) *storetest.Engine {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { _ = db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("%s migrate: %v", name, err)
		}
		return &storetest.Engine{Name: name, DSN: dsn, DB: db}
	}
	out := []*storetest.Engine{open("sqlite", "sqlite:"+filepath.Join(t.TempDir(), "tour.db"))}
	for _, e := range storetest.Engines(t) {
		if e.Name == "postgres" {
			out = append(out, open("postgres", storetest.FreshPostgres(t)))
		}
	}
	return out
}

// inbox is a real SMTP server on 127.0.0.1 that keeps the plain-text part
// of every message it receives, by recipient.
type inbox struct {
	addr string
	mu   sync.Mutex
	msgs map[string][]string
}

// startInbox starts an inbox; it stops when the test ends.
func startInbox(t *testing.T) *inbox {
	t.Helper()
	in := &inbox{msgs: map[string][]string{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.addr = l.Addr().String()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &inboxSession{in: in}, nil }))
	srv.Domain = "localhost"
	go func() { _ = srv.Serve(l) }() // ends when Close closes the listener
	t.Cleanup(func() { _ = srv.Close() })
	return in
}

// sender is a mail sender that delivers to the inbox over SMTP.
func (in *inbox) sender(t *testing.T) rmail.Sender {
	t.Helper()
	s, err := rmail.NewSMTP("smtp://"+in.addr+"?starttls=off", rmail.SMTPOptions{From: "Roster <roster@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mailTo returns the texts received for an address.
func (in *inbox) mailTo(addr string) []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.msgs[strings.ToLower(addr)]...)
}

// link finds the first link to path prefix (such as "/invite/") in a
// message and returns its path.
func link(t *testing.T, msg, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(`https?://[^/\s]+(` + regexp.QuoteMeta(prefix) + `[A-Za-z0-9_\-]+)`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no %s link in the message:\n%s", prefix, msg)
	}
	return m[1]
}

type inboxSession struct {
	in *inbox
	to []string
}

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, strings.ToLower(to))
	return nil
}

func (s *inboxSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	body := plainText(raw)
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	for _, to := range s.to {
		s.in.msgs[to] = append(s.in.msgs[to], body)
	}
	return nil
}

func (s *inboxSession) Reset()        { s.to = nil }
func (s *inboxSession) Logout() error { return nil }

// plainText returns the text/plain part of a message, decoded; the whole
// message when it cannot be read as MIME.
func plainText(raw []byte) string {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return string(raw)
	}
	if text, ok := textPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); ok {
		return text
	}
	return string(raw)
}

func textPart(contentType, encoding string, body io.Reader) (string, bool) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err != nil {
				return "", false
			}
			if text, ok := textPart(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part); ok {
				return text, true
			}
		}
	}
	if mt != "text/plain" {
		return "", false
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	return string(b), err == nil
}
