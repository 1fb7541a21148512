package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"

	"roster/internal/directory"
	"roster/internal/mail"
)

// testCert makes a certificate for 127.0.0.1 signed by a throw-away
// authority, and a pool holding that authority.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "roster test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// tlsInbox is an SMTP backend that keeps each message with whether its
// connection was encrypted.
type tlsInbox struct {
	mu  sync.Mutex
	got []tlsMessage
}

type tlsMessage struct {
	encrypted bool
	data      string
}

func (b *tlsInbox) messages() []tlsMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]tlsMessage(nil), b.got...)
}

type tlsSession struct {
	b *tlsInbox
	c *smtp.Conn
}

func (s *tlsSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *tlsSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *tlsSession) Reset()                               {}
func (s *tlsSession) Logout() error                        { return nil }
func (s *tlsSession) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	_, encrypted := s.c.TLSConnectionState()
	s.b.mu.Lock()
	s.b.got = append(s.b.got, tlsMessage{encrypted: encrypted, data: buf.String()})
	s.b.mu.Unlock()
	return nil
}

// startTLSServer starts an SMTP server on 127.0.0.1: with implicit TLS,
// offering STARTTLS, or (cert nil) with no TLS at all.
func startTLSServer(t *testing.T, cert *tls.Certificate, implicit bool) (*tlsInbox, string) {
	t.Helper()
	inbox := &tlsInbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &tlsSession{b: inbox, c: c}, nil }))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0) // a refused handshake is what some subtests want
	var l net.Listener
	var err error
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return inbox, l.Addr().String()
}

// sendOne sends one message through the URL and returns its outcome.
func sendOne(t *testing.T, rawURL string, roots *x509.CertPool) error {
	t.Helper()
	s, err := mail.NewSMTP(rawURL, mail.SMTPOptions{From: "Roster <roster@example.com>", RootCAs: roots, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("NewSMTP(%s): %v", rawURL, err)
	}
	m := &directory.Mail{ID: uuid.Must(uuid.NewV7()).String(), OrgID: "org", Kind: "test", To: "jane@example.org",
		Subject: "Over TLS", Text: "Encrypted, we hope.\n", CreatedAt: time.Now()}
	var got error
	called := false
	s.Send(context.Background(), []*directory.Mail{m}, func(_ *directory.Mail, err error) { got, called = err, true })
	if !called {
		t.Fatal("Send reported no outcome")
	}
	return got
}

// TestTLS delivers over STARTTLS and over implicit TLS with a verified
// certificate, and refuses a certificate nobody vouches for and a server
// without STARTTLS when it is required.
func TestTLS(t *testing.T) {
	cert, roots := testCert(t)
	t.Run("starttls", func(t *testing.T) {
		inbox, addr := startTLSServer(t, &cert, false)
		if err := sendOne(t, "smtp://"+addr+"?starttls=required", roots); err != nil {
			t.Fatalf("send: %v", err)
		}
		if got := inbox.messages(); len(got) != 1 || !got[0].encrypted || !strings.Contains(got[0].data, "Encrypted, we hope.") {
			t.Fatalf("received %+v, want one message over an encrypted connection", got)
		}
	})
	t.Run("starttls when offered", func(t *testing.T) {
		inbox, addr := startTLSServer(t, &cert, false)
		if err := sendOne(t, "smtp://"+addr, roots); err != nil {
			t.Fatalf("send: %v", err)
		}
		if got := inbox.messages(); len(got) != 1 || !got[0].encrypted {
			t.Fatalf("received %+v, want the offered STARTTLS taken", got)
		}
	})
	t.Run("implicit", func(t *testing.T) {
		inbox, addr := startTLSServer(t, &cert, true)
		if err := sendOne(t, "smtps://"+addr, roots); err != nil {
			t.Fatalf("send: %v", err)
		}
		if got := inbox.messages(); len(got) != 1 || !got[0].encrypted {
			t.Fatalf("received %+v, want one message over TLS", got)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		inbox, addr := startTLSServer(t, &cert, true)
		if err := sendOne(t, "smtps://"+addr, nil); err == nil {
			t.Fatal("a certificate of an unknown authority was accepted")
		}
		if n := len(inbox.messages()); n != 0 {
			t.Fatalf("%d messages went to a server whose certificate was not trusted", n)
		}
	})
	t.Run("starttls required but not offered", func(t *testing.T) {
		inbox, addr := startTLSServer(t, nil, false)
		if err := sendOne(t, "smtp://"+addr+"?starttls=required", roots); err == nil {
			t.Fatal("sent in clear although STARTTLS was required")
		}
		if n := len(inbox.messages()); n != 0 {
			t.Fatalf("%d messages sent in clear", n)
		}
	})
}
