// Package mail delivers the messages of the database outbox over SMTP.
//
// Mail is written to the outbox in the same transaction as the change that
// causes it (see the store). A [Worker] claims due messages from the
// database, hands them to a [Sender] such as [SMTP], and records each
// outcome: sent, failed with a later retry, or dead.
package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"roster/internal/directory"
)

// Sender delivers messages.
type Sender interface {
	// Send tries to deliver batch, in order, and calls done once for each
	// message it tried: with nil when the server accepted the message, or
	// with the error. It stops trying when ctx ends; the messages it did not
	// try get no call.
	Send(ctx context.Context, batch []*directory.Mail, done func(m *directory.Mail, err error))
}

// STARTTLS policies of an smtp:// URL.
const (
	startTLSOpportunistic = "opportunistic"
	startTLSRequired      = "required"
	startTLSOff           = "off"
)

// SMTPOptions configures an [SMTP] sender.
type SMTPOptions struct {
	// From is the From header of every message, such as
	// "Roster <roster@example.com>".
	From string
	// Timeout bounds connecting and each SMTP command; 0 means 30 seconds.
	Timeout time.Duration
	// RootCAs, when set, replaces the system's certificate authorities for
	// verifying the server (tests use it for their own server).
	RootCAs *x509.CertPool
	// Clock gives the Date header; nil means time.Now.
	Clock func() time.Time
	// HELO is the name the sender greets the server with; empty means the
	// host name of the machine.
	HELO string
}

// SMTP sends mail through one SMTP server, opening one connection per batch.
type SMTP struct {
	host     string
	port     int
	implicit bool // smtps://: TLS from the first byte
	startTLS string
	user     string
	pass     string
	auth     bool
	from     *netmail.Address
	timeout  time.Duration
	roots    *x509.CertPool
	now      func() time.Time
	helo     string
}

// NewSMTP returns a sender for the server named by rawURL:
//
//   - smtp://host[:port] speaks plain SMTP and upgrades with STARTTLS when
//     the server offers it. The query ?starttls=required refuses a server
//     that does not offer it; ?starttls=off never upgrades. The port
//     defaults to 587 (mail submission) when the URL carries credentials,
//     and to 25 otherwise.
//   - smtps://host[:port] speaks TLS from the first byte (port 465 by
//     default).
//   - user:password@ in either authenticates with SCRAM, CRAM-MD5, PLAIN or
//     LOGIN, the first of these the server offers. PLAIN and LOGIN are only
//     used over TLS or to the local machine.
//
// The server's certificate is always verified. NewSMTP returns an error
// when the URL or o.From cannot be used; the error never repeats the
// password.
func NewSMTP(rawURL string, o SMTPOptions) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("SMTP URL cannot be parsed")
	}
	s := &SMTP{host: u.Hostname(), startTLS: startTLSOpportunistic, timeout: o.Timeout, roots: o.RootCAs,
		now: o.Clock, helo: o.HELO}
	if s.host == "" {
		return nil, errors.New("SMTP URL names no host")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		s.auth = s.user != ""
	}
	switch u.Scheme {
	case "smtp":
		s.port = 25
		if s.auth {
			s.port = 587
		}
	case "smtps":
		s.implicit = true
		s.port = 465
	default:
		return nil, fmt.Errorf("SMTP URL scheme %q: use smtp:// or smtps://", u.Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("SMTP URL port %q is not a port number", p)
		}
		s.port = n
	}
	for key, vals := range u.Query() {
		switch key {
		case "starttls":
			v := strings.ToLower(vals[len(vals)-1])
			switch v {
			case startTLSOpportunistic, startTLSRequired, startTLSOff:
				s.startTLS = v
			default:
				return nil, fmt.Errorf("SMTP URL starttls=%q: use required, opportunistic or off", v)
			}
			if s.implicit {
				return nil, errors.New("SMTP URL: starttls applies to smtp://, not smtps:// (which is TLS throughout)")
			}
		default:
			return nil, fmt.Errorf("SMTP URL parameter %q is unknown (only starttls is)", key)
		}
	}
	if s.from, err = netmail.ParseAddress(o.From); err != nil {
		return nil, fmt.Errorf("mail From address %q: %w", o.From, err)
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// String describes the server for logs, without credentials.
func (s *SMTP) String() string {
	scheme, tlsMode := "smtp", "STARTTLS "+s.startTLS
	if s.implicit {
		scheme, tlsMode = "smtps", "implicit TLS"
	}
	auth := "no authentication"
	if s.auth {
		auth = "authenticated"
	}
	return fmt.Sprintf("%s://%s (%s, %s)", scheme, net.JoinHostPort(s.host, strconv.Itoa(s.port)), tlsMode, auth)
}

// Send delivers batch over one connection; see [Sender]. When the
// connection cannot be opened every message gets the error.
func (s *SMTP) Send(ctx context.Context, batch []*directory.Mail, done func(m *directory.Mail, err error)) {
	if len(batch) == 0 || ctx.Err() != nil {
		return
	}
	c, session, conn, err := s.dial(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		for _, m := range batch {
			done(m, err)
		}
		return
	}
	defer conn.Close()
	for _, m := range batch {
		if ctx.Err() != nil {
			break
		}
		msg, err := s.message(m)
		if err != nil {
			done(m, permanent{err})
			continue
		}
		err = c.SendWithSMTPClient(session, msg)
		if err != nil && msg.IsDelivered() {
			// The server accepted the message; what failed came after it
			// (resetting the session for the next one).
			err = nil
		}
		done(m, classify(err))
	}
	_ = c.CloseWithSMTPClient(session)
}

// dial connects, greets, upgrades to TLS as configured and authenticates.
// It returns the connection too, for the caller to close in every case:
// go-mail leaves it open when a step after connecting fails.
func (s *SMTP) dial(ctx context.Context) (*gomail.Client, *gosmtp.Client, net.Conn, error) {
	tlsConfig := &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, RootCAs: s.roots}
	var conn net.Conn
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var c net.Conn
		var err error
		if s.implicit {
			c, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(ctx, network, addr)
		} else {
			c, err = d.DialContext(ctx, network, addr)
		}
		conn = c
		return c, err
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.timeout), gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dialer)}
	switch {
	case s.implicit:
		opts = append(opts, gomail.WithSSL())
	case s.startTLS == startTLSRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case s.startTLS == startTLSOff:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.helo != "" {
		opts = append(opts, gomail.WithHELO(s.helo))
	}
	if s.auth {
		// Strongest first. go-mail sends PLAIN and LOGIN only over TLS or to
		// the local machine, so a password never crosses a network in clear.
		opts = append(opts, gomail.WithUsername(s.user), gomail.WithPassword(s.pass),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthCramMD5, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("SMTP client: %w", err)
	}
	session, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, nil, nil, fmt.Errorf("connect to %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
	}
	return c, session, conn, nil
}

// message turns m into a MIME message: plain text, with an HTML
// alternative when m has one. Its Message-ID is made from the outbox id, so
// that a message sent twice (see Worker) carries the same id both times and
// mail clients can tell.
func (s *SMTP) message(m *directory.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient address: %w", err)
	}
	msg.Subject(m.Subject)
	domain := "roster.invalid"
	if i := strings.LastIndexByte(s.from.Address, '@'); i >= 0 && i < len(s.from.Address)-1 {
		domain = s.from.Address[i+1:]
	}
	msg.SetMessageIDWithValue(m.ID + "@" + domain)
	msg.SetDateWithValue(s.now())
	msg.SetUserAgent("Roster")
	// Automatic mail: out-of-office replies should not answer it (RFC 3834).
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// permanent marks an error that retrying cannot cure: the message goes dead
// at once.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// isPermanent reports whether err says the message can never be delivered.
func isPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// classify marks as permanent a lasting (5xx) refusal of the recipient. Every
// other failure, including a 5xx to MAIL FROM or to the message, which more
// likely comes from the configuration or the server than from the message,
// is retried.
func classify(err error) error {
	var se *gomail.SendError
	if err == nil || !errors.As(err, &se) {
		return err
	}
	if se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() && se.ErrorCode() >= 500 {
		return permanent{err}
	}
	return err
}
