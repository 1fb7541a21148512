package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"

	"roster/internal/directory"
	"roster/internal/mail"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// The worker claims from the whole outbox, so every test runs on databases
// of its own: a new SQLite file, and a new PostgreSQL database when
// ROSTER_TEST_POSTGRES names a server.

type engine struct {
	name string
	dsn  string
	db   *store.DB
}

// eachEngine runs fn as a parallel subtest on a new, migrated database of
// each engine.
func eachEngine(t *testing.T, fn func(t *testing.T, e *engine)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dsn := "sqlite:" + filepath.Join(t.TempDir(), "mail.db")
		fn(t, &engine{name: "sqlite", dsn: dsn, db: openDB(t, dsn)})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := storetest.FreshPostgres(t)
		fn(t, &engine{name: "postgres", dsn: dsn, db: openDB(t, dsn)})
	})
}

func openDB(t *testing.T, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2031, time.May, 4, 10, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// queue writes n messages to the outbox, created at the clock's time.
func queue(t *testing.T, db *store.DB, c *clock, n int) []*directory.Mail {
	t.Helper()
	var out []*directory.Mail
	for i := range n {
		m := &directory.Mail{ID: uuid.Must(uuid.NewV7()).String(), OrgID: "org-1", Kind: "password_reset",
			To: fmt.Sprintf("user%d@example.org", i), Subject: fmt.Sprintf("Message %d", i),
			Text: fmt.Sprintf("Hello %d,\nthis is the text.\n", i), CreatedAt: c.Now()}
		if err := db.EnqueueMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// newSender returns an SMTP sender for the test server.
func newSender(t *testing.T, rawURL string, c *clock) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(rawURL, mail.SMTPOptions{From: "Roster <roster@example.com>", Timeout: 5 * time.Second,
		Clock: c.Now, HELO: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// logBuffer collects the worker's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newWorker(db *store.DB, s mail.Sender, c *clock, edit func(o *mail.WorkerOptions)) (*mail.Worker, *logBuffer) {
	logs := &logBuffer{}
	o := mail.WorkerOptions{Interval: 5 * time.Millisecond, Clock: c.Now, Batch: 10,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if edit != nil {
		edit(&o)
	}
	return mail.NewWorker(db, s, o), logs
}

// row is what the outbox holds about one message.
type row struct {
	attempts           int
	next, sent, dead   time.Time
	claimedBy, lastErr string
}

func outboxRow(t *testing.T, db *store.DB, id string) row {
	t.Helper()
	q := `SELECT attempts, next_attempt_at, sent_at, dead_at, claimed_by, last_error FROM outbox WHERE id = ?`
	if db.Engine() == store.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	var r row
	var n, s, d int64
	if err := db.SQL().QueryRow(q, id).Scan(&r.attempts, &n, &s, &d, &r.claimedBy, &r.lastErr); err != nil {
		t.Fatal(err)
	}
	conv := func(v int64) time.Time {
		if v == 0 {
			return time.Time{}
		}
		return time.UnixMicro(v).UTC()
	}
	r.next, r.sent, r.dead = conv(n), conv(s), conv(d)
	return r
}

// counts returns how many messages of the outbox are sent and dead.
func counts(t *testing.T, db *store.DB) (sent, dead int) {
	t.Helper()
	err := db.SQL().QueryRow(`SELECT
		COALESCE(SUM(CASE WHEN sent_at <> 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN dead_at <> 0 THEN 1 ELSE 0 END), 0) FROM outbox`).Scan(&sent, &dead)
	if err != nil {
		t.Fatal(err)
	}
	return sent, dead
}

// eventually polls cond until it holds, failing the test after a while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// byMessageID counts the received messages per Message-ID header.
func byMessageID(t *testing.T, msgs []received) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range msgs {
		m, err := netmail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		out[m.Header.Get("Message-ID")]++
	}
	return out
}

// checkOnce checks that each message in want arrived exactly once, and
// nothing else did.
func checkOnce(t *testing.T, srv *testServer, want []*directory.Mail) {
	t.Helper()
	got := byMessageID(t, srv.messages())
	for _, m := range want {
		id := "<" + m.ID + "@example.com>"
		if got[id] != 1 {
			t.Errorf("message %s arrived %d times, want once", m.ID, got[id])
		}
		delete(got, id)
	}
	if len(got) != 0 {
		t.Errorf("unexpected messages arrived: %v", got)
	}
}

func TestDelivery(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		srv := startServer(t)
		srv.user, srv.pass = "mailer", "s3cret pass"
		c := newClock()
		plain := queue(t, e.db, c, 1)[0]
		withHTML := &directory.Mail{ID: uuid.Must(uuid.NewV7()).String(), OrgID: "org-1", Kind: "password_changed",
			To: "jane.roe@example.org", Subject: "Your Acme password was changed — Grüße",
			Text: "Plain text part\n", HTML: "<p>HTML part</p>", CreatedAt: c.Now()}
		if err := e.db.EnqueueMail(ctx, withHTML); err != nil {
			t.Fatal(err)
		}
		// The password holds a space: the URL escapes it.
		w, _ := newWorker(e.db, newSender(t, "smtp://mailer:s3cret%20pass@"+srv.addr, c), c, nil)
		c.Add(time.Second)
		if n, err := w.DeliverDue(ctx); n != 2 || err != nil {
			t.Fatalf("DeliverDue = %d, %v; want 2, nil", n, err)
		}
		msgs := srv.messages()
		if len(msgs) != 2 {
			t.Fatalf("server received %d messages, want 2", len(msgs))
		}
		for i, want := range []*directory.Mail{plain, withHTML} {
			r := msgs[i]
			if r.From != "roster@example.com" || len(r.To) != 1 || r.To[0] != want.To {
				t.Errorf("envelope %s -> %v, want roster@example.com -> %s", r.From, r.To, want.To)
			}
			m, err := netmail.ReadMessage(bytes.NewReader(r.Data))
			if err != nil {
				t.Fatal(err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || subject != want.Subject {
				t.Errorf("Subject = %q (%v), want %q", subject, err, want.Subject)
			}
			if from := m.Header.Get("From"); !strings.Contains(from, "Roster") || !strings.Contains(from, "<roster@example.com>") {
				t.Errorf("From = %q", from)
			}
			if got := m.Header.Get("Message-ID"); got != "<"+want.ID+"@example.com>" {
				t.Errorf("Message-ID = %q", got)
			}
			if date, err := m.Header.Date(); err != nil || !date.Equal(c.Now()) {
				t.Errorf("Date = %v (%v), want %v", date, err, c.Now())
			}
			if got := m.Header.Get("Auto-Submitted"); got != "auto-generated" {
				t.Errorf("Auto-Submitted = %q", got)
			}
			text, html := bodies(t, m)
			if text != want.Text || html != want.HTML {
				t.Errorf("bodies = %q, %q; want %q, %q", text, html, want.Text, want.HTML)
			}
			if r := outboxRow(t, e.db, want.ID); !r.sent.Equal(c.Now()) || r.attempts != 1 || r.claimedBy != "" {
				t.Errorf("outbox row after delivery: %+v", r)
			}
		}
		if n, err := w.DeliverDue(ctx); n != 0 || err != nil {
			t.Errorf("second DeliverDue = %d, %v; want nothing left", n, err)
		}
	})
}

// bodies returns the plain-text and HTML bodies of m, decoded.
func bodies(t *testing.T, m *netmail.Message) (text, html string) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		return decodePart(t, m.Header.Get("Content-Transfer-Encoding"), m.Body), ""
	}
	if mediaType != "multipart/alternative" {
		t.Errorf("Content-Type %s, want multipart/alternative", mediaType)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return text, html
		}
		if err != nil {
			t.Fatal(err)
		}
		// NextPart has already undone quoted-printable.
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			text = strings.ReplaceAll(string(b), "\r\n", "\n")
		case "text/html":
			html = string(b)
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
}

func decodePart(t *testing.T, encoding string, r io.Reader) string {
	t.Helper()
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestWrongPassword(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		srv := startServer(t)
		srv.user, srv.pass = "mailer", "right"
		c := newClock()
		m := queue(t, e.db, c, 1)[0]
		w, logs := newWorker(e.db, newSender(t, "smtp://mailer:wrong-Hunter2@"+srv.addr, c), c, nil)
		if n, err := w.DeliverDue(context.Background()); n != 1 || err != nil {
			t.Fatalf("DeliverDue = %d, %v", n, err)
		}
		if len(srv.messages()) != 0 {
			t.Fatal("a message went through without authentication")
		}
		r := outboxRow(t, e.db, m.ID)
		if !r.sent.IsZero() || !r.dead.IsZero() || !strings.Contains(r.lastErr, "535") {
			t.Errorf("after a refused AUTH: %+v; want a retry with the server's 535", r)
		}
		if strings.Contains(r.lastErr, "Hunter2") || strings.Contains(logs.String(), "Hunter2") {
			t.Errorf("the password leaked: error %q, log %q", r.lastErr, logs.String())
		}
	})
}

func TestRetryWithBackoff(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		srv := startServer(t)
		srv.onData = func(n int, _ []byte) error {
			if n == 1 {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
			}
			return nil
		}
		c := newClock()
		m := queue(t, e.db, c, 1)[0]
		w, logs := newWorker(e.db, newSender(t, "smtp://"+srv.addr, c), c, nil)
		if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
			t.Fatalf("DeliverDue = %d, %v", n, err)
		}
		r := outboxRow(t, e.db, m.ID)
		if !r.sent.IsZero() || r.attempts != 1 || !strings.Contains(r.lastErr, "451") || r.claimedBy != "" {
			t.Fatalf("after a temporary failure: %+v", r)
		}
		// 30 s, plus up to a fifth more.
		if wait := r.next.Sub(c.Now()); wait < 30*time.Second || wait > 36*time.Second {
			t.Errorf("next attempt in %s, want 30s to 36s", wait)
		}
		log := logs.String()
		if !strings.Contains(log, "level=WARN") || !strings.Contains(log, m.ID) || !strings.Contains(log, "kind=password_reset") ||
			strings.Contains(log, "this is the text") {
			t.Errorf("warning = %q; want the id and kind, never the body", log)
		}
		if n, _ := w.DeliverDue(ctx); n != 0 {
			t.Fatal("the message was tried again before its backoff ended")
		}
		c.Add(29 * time.Second)
		if n, _ := w.DeliverDue(ctx); n != 0 {
			t.Fatal("the message was tried again before its backoff ended")
		}
		c.Add(8 * time.Second)
		if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
			t.Fatalf("DeliverDue after the backoff = %d, %v", n, err)
		}
		if r := outboxRow(t, e.db, m.ID); r.sent.IsZero() || r.attempts != 2 || r.lastErr != "" {
			t.Errorf("after the retry: %+v", r)
		}
		checkOnce(t, srv, []*directory.Mail{m})
	})
}

func TestDeadAfterMaxAttempts(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		srv := startServer(t)
		srv.onData = func(int, []byte) error {
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "mailbox full"}
		}
		c := newClock()
		m := queue(t, e.db, c, 1)[0]
		w, logs := newWorker(e.db, newSender(t, "smtp://"+srv.addr, c), c, func(o *mail.WorkerOptions) { o.MaxAttempts = 4 })
		var waits []time.Duration
		for attempt := 1; attempt <= 4; attempt++ {
			if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
				t.Fatalf("attempt %d: DeliverDue = %d, %v", attempt, n, err)
			}
			r := outboxRow(t, e.db, m.ID)
			if r.attempts != attempt {
				t.Fatalf("attempts = %d, want %d", r.attempts, attempt)
			}
			if attempt < 4 {
				if !r.dead.IsZero() {
					t.Fatalf("dead after %d attempts, want 4", attempt)
				}
				waits = append(waits, r.next.Sub(c.Now()))
				c.Add(r.next.Sub(c.Now()))
			} else if !r.dead.Equal(c.Now()) {
				t.Fatalf("not dead after the last attempt: %+v", r)
			}
		}
		for i, base := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
			if waits[i] < base || waits[i] > base+base/5 {
				t.Errorf("wait after attempt %d = %s, want %s plus up to a fifth", i+1, waits[i], base)
			}
		}
		c.Add(24 * time.Hour)
		if n, _ := w.DeliverDue(ctx); n != 0 {
			t.Error("a dead message was claimed again")
		}
		if !strings.Contains(logs.String(), "dead") {
			t.Errorf("no warning says the message is dead: %s", logs.String())
		}
		if len(srv.messages()) != 0 {
			t.Error("the server kept a refused message")
		}
	})
}

func TestRejectedRecipientIsDeadAtOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		srv := startServer(t)
		c := newClock()
		ms := queue(t, e.db, c, 2)
		srv.rejectRcpt = func(to string) error {
			if to == ms[0].To {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			}
			return nil
		}
		w, _ := newWorker(e.db, newSender(t, "smtp://"+srv.addr, c), c, nil)
		if n, err := w.DeliverDue(context.Background()); n != 2 || err != nil {
			t.Fatalf("DeliverDue = %d, %v", n, err)
		}
		if r := outboxRow(t, e.db, ms[0].ID); !r.dead.Equal(c.Now()) || !strings.Contains(r.lastErr, "550") {
			t.Errorf("refused recipient: %+v; want dead at once with the 550", r)
		}
		// The refusal of one message does not hold up the next on the
		// same connection.
		if r := outboxRow(t, e.db, ms[1].ID); r.sent.IsZero() {
			t.Errorf("the next message was not sent: %+v", r)
		}
		checkOnce(t, srv, ms[1:])
	})
}

// TestServerDownThenUp stops the SMTP server while mail is queued, lets the
// worker fail, starts the server again, and checks that every message
// arrives exactly once.
func TestServerDownThenUp(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		srv := startServer(t)
		c := newClock()
		w, _ := newWorker(e.db, newSender(t, "smtp://"+srv.addr, c), c, nil)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { w.Run(ctx) })
		defer func() { cancel(); wg.Wait() }()

		first := queue(t, e.db, c, 5)
		eventually(t, "the first messages to be sent", func() bool { s, _ := counts(t, e.db); return s == 5 })
		srv.stop()
		more := queue(t, e.db, c, 20)
		eventually(t, "every queued message to fail once", func() bool {
			for _, m := range more {
				if r := outboxRow(t, e.db, m.ID); r.attempts == 0 || r.claimedBy != "" {
					return false
				}
			}
			return true
		})
		if s, d := counts(t, e.db); s != 5 || d != 0 {
			t.Fatalf("with the server down: %d sent, %d dead; want 5 and 0", s, d)
		}
		srv.restart()
		c.Add(time.Hour)
		w.Wake()
		eventually(t, "every message to be sent", func() bool { s, _ := counts(t, e.db); return s == 25 })
		cancel()
		wg.Wait()
		checkOnce(t, srv, append(first, more...))
	})
}

// TestTwoWorkers runs two workers, each with its own connection pool as if
// in two processes, on one database: each message arrives exactly once.
func TestTwoWorkers(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		srv := startServer(t)
		c := newClock()
		ms := queue(t, e.db, c, 200)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var sent [2]atomic.Int64
		// Each worker's first batch waits until the other worker has
		// claimed a batch of its own, so that the second worker cannot
		// find the queue already emptied by the first (its own database
		// handle takes a while to open), and a claim that shut the other
		// worker out would show as one worker sending everything.
		arrived := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
		for i := range 2 {
			db := e.db
			if i == 1 {
				db = openDB(t, e.dsn)
			}
			counted := countingSender{Sender: newSender(t, "smtp://"+srv.addr, c), n: &sent[i],
				first: &sync.Once{}, arrived: arrived[i], other: arrived[1-i]}
			w, _ := newWorker(db, counted, c, func(o *mail.WorkerOptions) {
				o.Name = fmt.Sprintf("worker-%d", i)
				o.Batch = 7
			})
			wg.Go(func() { w.Run(ctx) })
		}
		eventually(t, "every message to be sent", func() bool { s, _ := counts(t, e.db); return s == len(ms) })
		cancel()
		wg.Wait()
		checkOnce(t, srv, ms)
		for _, m := range ms {
			if r := outboxRow(t, e.db, m.ID); r.attempts != 1 {
				t.Errorf("message %s took %d attempts", m.ID, r.attempts)
			}
		}
		// Both workers took part, or the test proved nothing.
		t.Logf("worker-0 sent %d, worker-1 sent %d", sent[0].Load(), sent[1].Load())
		if sent[0].Load() == 0 || sent[1].Load() == 0 {
			t.Errorf("one worker sent everything: %d and %d", sent[0].Load(), sent[1].Load())
		}
	})
}

// countingSender counts the messages its Sender delivers. Before its first
// batch it says it has arrived and waits, for a few seconds at most, for
// the other worker's sender to arrive too.
type countingSender struct {
	mail.Sender
	n              *atomic.Int64
	first          *sync.Once
	arrived, other chan struct{}
}

func (s countingSender) Send(ctx context.Context, batch []*directory.Mail, done func(*directory.Mail, error)) {
	s.first.Do(func() {
		close(s.arrived)
		select {
		case <-s.other:
		case <-time.After(10 * time.Second):
		}
	})
	s.Sender.Send(ctx, batch, func(m *directory.Mail, err error) {
		if err == nil {
			s.n.Add(1)
		}
		done(m, err)
	})
}

// TestLeaseExpires has a worker claim messages and die without recording
// anything: once the lease runs out another worker delivers them, once.
func TestLeaseExpires(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		ctx := context.Background()
		srv := startServer(t)
		c := newClock()
		ms := queue(t, e.db, c, 3)
		// The dead worker's claim, as DeliverDue makes it.
		claimed, err := e.db.ClaimMail(ctx, "crashed", c.Now(), c.Now().Add(5*time.Minute), 10)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("ClaimMail = %d, %v", len(claimed), err)
		}
		w, _ := newWorker(e.db, newSender(t, "smtp://"+srv.addr, c), c, nil)
		c.Add(4 * time.Minute)
		if n, err := w.DeliverDue(ctx); n != 0 || err != nil {
			t.Fatalf("DeliverDue during the lease = %d, %v; want nothing", n, err)
		}
		c.Add(time.Minute)
		if n, err := w.DeliverDue(ctx); n != 3 || err != nil {
			t.Fatalf("DeliverDue after the lease = %d, %v; want 3", n, err)
		}
		checkOnce(t, srv, ms)
	})
}

// TestStopMidway ends the worker's context while it is sending a batch: the
// message in flight is recorded as sent, the rest are handed back at once
// (not left to their lease), and the next worker sends only those.
func TestStopMidway(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *engine) {
		srv := startServer(t)
		c := newClock()
		ms := queue(t, e.db, c, 6)
		ctx, cancel := context.WithCancel(context.Background())
		srv.onData = func(n int, _ []byte) error {
			if n == 2 {
				cancel() // shut down while the server accepts the second message
			}
			return nil
		}
		w, _ := newWorker(e.db, newSender(t, "smtp://"+srv.addr, c), c, nil)
		if n, err := w.DeliverDue(ctx); n != 6 || err != nil {
			t.Fatalf("DeliverDue = %d, %v", n, err)
		}
		if got := len(srv.messages()); got != 2 {
			t.Fatalf("the server got %d messages before the stop, want 2", got)
		}
		for i, m := range ms {
			r := outboxRow(t, e.db, m.ID)
			if i < 2 && r.sent.IsZero() {
				t.Errorf("message %d was accepted but is not marked sent", i)
			}
			if i >= 2 && (!r.sent.IsZero() || r.claimedBy != "" || r.attempts != 0) {
				t.Errorf("message %d was not handed back untried: %+v", i, r)
			}
		}
		next, _ := newWorker(e.db, newSender(t, "smtp://"+srv.addr, c), c, nil)
		if n, err := next.DeliverDue(context.Background()); n != 4 || err != nil {
			t.Fatalf("the next worker's DeliverDue = %d, %v; want the 4 left", n, err)
		}
		checkOnce(t, srv, ms)
	})
}
