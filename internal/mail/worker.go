package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/store"
)

// WorkerOptions tunes a [Worker]; zero fields take the defaults given.
type WorkerOptions struct {
	// Name identifies the worker in the outbox's leases; it must differ
	// between workers sharing a database. Default: host name, process id
	// and a random suffix.
	Name string
	// Interval is how long the worker sleeps when nothing is due (2s).
	Interval time.Duration
	// Batch is how many messages one claim takes at most (25).
	Batch int
	// Lease is how long a claim keeps other workers away from the claimed
	// messages (5m). The worker stops starting new sends well before the
	// lease ends, so it must exceed the time one message can take.
	Lease time.Duration
	// MaxAttempts is how many attempts a message gets before it goes dead (10).
	MaxAttempts int
	// Backoff is the wait after the first failed attempt (30s); it doubles
	// with each further failure, up to MaxBackoff (1h), plus up to a fifth
	// more at random so that retries of many messages spread out.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Clock gives the time the outbox is compared with; nil means time.Now.
	Clock func() time.Time
	// Logger receives a warning for each failed delivery; nil discards.
	Logger *slog.Logger
}

// Worker delivers the outbox: it claims due messages, sends them and
// records each outcome. Several workers, in one process or many, may share
// a database; each message is claimed by one at a time.
//
// A message is marked sent in its own statement right after the server
// accepted it, so it goes out once as far as the database can tell. The
// exception is a crash (or a lost database) in the instant between the
// server's acceptance and that statement: the lease then runs out and the
// message is sent again, with the same Message-ID.
type Worker struct {
	db   *store.DB
	send Sender
	o    WorkerOptions
	wake chan struct{}
}

// NewWorker returns a worker delivering db's outbox through send.
func NewWorker(db *store.DB, send Sender, o WorkerOptions) *Worker {
	if o.Name == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.Name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 25
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff < o.Backoff {
		o.MaxBackoff = max(time.Hour, o.Backoff)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{db: db, send: send, o: o, wake: make(chan struct{}, 1)}
}

// Name returns the name the worker leases messages under.
func (w *Worker) Name() string { return w.o.Name }

// Wake makes a sleeping worker look for due mail at once, for a caller that
// has just queued some. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers due mail until ctx ends, sleeping for the interval (or until
// Wake) whenever nothing is due. It returns once ctx has ended and the
// message in flight, if any, is recorded.
func (w *Worker) Run(ctx context.Context) {
	timer := time.NewTimer(w.o.Interval)
	defer timer.Stop()
	for {
		n, err := w.DeliverDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			w.o.Logger.ErrorContext(ctx, "mail outbox: cannot claim mail", "error", err)
		}
		if n == w.o.Batch && err == nil {
			continue // a full batch: more may be waiting
		}
		timer.Reset(w.o.Interval)
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
			// Since Go 1.23 a stopped or reset timer delivers no stale tick.
			timer.Stop()
		case <-timer.C:
		}
	}
}

// DeliverDue claims one batch of due messages, tries to send each and
// records the outcomes; it returns how many messages it claimed. The error
// is about claiming; delivery failures are recorded on the messages and
// logged. When ctx ends it sends no further message, records the one in
// flight, and hands the rest back.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	now := w.o.Clock()
	batch, err := w.db.ClaimMail(ctx, w.o.Name, now, now.Add(w.o.Lease), w.o.Batch)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	// Stop starting sends well before the lease runs out, so that no other
	// worker takes a message while this one is still sending it.
	sendCtx, cancel := context.WithTimeout(ctx, w.o.Lease*3/5)
	defer cancel()
	tried := make(map[string]bool, len(batch))
	w.send.Send(sendCtx, batch, func(m *directory.Mail, err error) {
		tried[m.ID] = true
		w.record(ctx, m, err)
	})
	// Outcomes are written even while the process shuts down: losing a
	// "sent" would send the message again.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer rcancel()
	for _, m := range batch {
		if !tried[m.ID] {
			if err := w.db.ReleaseMail(rctx, m.ID, w.o.Name); err != nil {
				w.o.Logger.ErrorContext(ctx, "mail outbox: cannot hand back a message", "mail_id", m.ID, "error", err)
			}
		}
	}
	return len(batch), nil
}

// record writes the outcome of one attempt at m.
func (w *Worker) record(ctx context.Context, m *directory.Mail, sendErr error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := w.o.Clock()
	if sendErr == nil {
		if err := w.db.MarkMailSent(rctx, m.ID, now); err != nil {
			// The lease runs out and the message goes out again: the one
			// case where a mail can arrive twice.
			w.o.Logger.ErrorContext(ctx, "mail outbox: sent, but cannot record it", "mail_id", m.ID, "kind", m.Kind, "error", err)
		}
		return
	}
	dead := m.Attempts >= w.o.MaxAttempts || isPermanent(sendErr)
	next := now.Add(w.backoff(m.Attempts))
	text := errorText(sendErr)
	if err := w.db.MarkMailFailed(rctx, m.ID, w.o.Name, now, next, text, dead); err != nil {
		w.o.Logger.ErrorContext(ctx, "mail outbox: cannot record a failed delivery", "mail_id", m.ID, "error", err)
	}
	attrs := []any{"mail_id", m.ID, "kind", m.Kind, "org_id", m.OrgID, "attempt", m.Attempts, "error", text}
	if dead {
		w.o.Logger.WarnContext(ctx, "mail delivery failed; no further attempt (dead)", attrs...)
	} else {
		w.o.Logger.WarnContext(ctx, "mail delivery failed; will retry", append(attrs, "retry_at", next)...)
	}
}

// backoff returns the wait after the given number of failed attempts.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.o.Backoff
	for i := 1; i < attempts && d < w.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.o.MaxBackoff)
	return d + time.Duration(mrand.Int64N(int64(d)/5+1))
}

// errorText shortens err for the outbox's last_error column. Errors come
// from the network and the SMTP server, never with the password or the
// message.
func errorText(err error) string {
	const limit = 500
	s := err.Error()
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return s
}
