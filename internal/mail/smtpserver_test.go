package mail_test

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testServer is a real SMTP server on 127.0.0.1 that keeps what it
// receives. It can require authentication, refuse recipients, fail
// messages, and be stopped and started again on the same port.
type testServer struct {
	t    *testing.T
	addr string

	mu       sync.Mutex
	srv      *smtp.Server
	received []received
	// user and pass, when user is set, are the only credentials accepted,
	// and mail is refused before AUTH.
	user, pass string
	// rejectRcpt, when set, answers RCPT TO for an address; a non-nil
	// error refuses the recipient.
	rejectRcpt func(to string) error
	// onData, when set, is called with each complete message before the
	// server answers it; a non-nil error refuses the message.
	onData func(n int, data []byte) error
	datas  int
}

// received is one message the server accepted.
type received struct {
	From string
	To   []string
	Data []byte
}

// startServer starts a server on a free port of 127.0.0.1; it stops when
// the test ends.
func startServer(t *testing.T) *testServer {
	t.Helper()
	s := &testServer{t: t}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	s.serve(l)
	t.Cleanup(s.stop)
	return s
}

func (s *testServer) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }() // ends when stop closes the server
}

// stop closes the listener and every connection: the server is down.
func (s *testServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// restart listens again on the same port.
func (s *testServer) restart() {
	s.t.Helper()
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("listen again on %s: %v", s.addr, err)
	}
	s.serve(l)
}

// messages returns a copy of what the server accepted so far.
func (s *testServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

type session struct {
	s      *testServer
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		se.s.mu.Lock()
		defer se.s.mu.Unlock()
		if se.s.user == "" || user != se.s.user || pass != se.s.pass {
			return smtp.ErrAuthFailed
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.s.mu.Lock()
	needAuth := se.s.user != ""
	se.s.mu.Unlock()
	if needAuth && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	reject := se.s.rejectRcpt
	se.s.mu.Unlock()
	if reject != nil {
		if err := reject(to); err != nil {
			return err
		}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	se.s.mu.Lock()
	se.s.datas++
	n, hook := se.s.datas, se.s.onData
	se.s.mu.Unlock()
	if hook != nil {
		if err := hook(n, buf.Bytes()); err != nil {
			return err
		}
	}
	se.s.mu.Lock()
	se.s.received = append(se.s.received, received{From: se.from, To: se.to, Data: buf.Bytes()})
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }
