package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"roster/internal/directory"
)

// The outbox is delivered by workers that lease messages: a worker claims a
// batch of due messages, which writes its name and the end of its lease on
// them, sends them, and marks each one sent or failed. Other workers leave a
// leased message alone until the lease ends; a worker that dies mid-way
// therefore loses its messages to the next worker once the lease has run out,
// and no message is lost.

// ClaimMail leases to worker, until until, up to limit messages that are due
// at now: not sent, not dead, whose next attempt is due and that no lease
// holds. Claiming counts an attempt, so that a message that keeps a worker
// from finishing still goes dead in the end. The messages come back oldest
// first. Workers claiming at the same time get different messages: on
// PostgreSQL the rows are locked with SKIP LOCKED, and SQLite runs one write
// transaction at a time.
func (db *DB) ClaimMail(ctx context.Context, worker string, now, until time.Time, limit int) ([]*directory.Mail, error) {
	var out []*directory.Mail
	err := db.InTx(ctx, func(tx *Tx) error {
		out = nil
		n := micros(now)
		rows, err := tx.query(ctx, `UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox
				WHERE sent_at = 0 AND dead_at = 0 AND next_attempt_at <= ? AND claimed_until <= ?
				ORDER BY next_attempt_at, id LIMIT ?`+tx.d.skipLocked()+`)
			RETURNING id, org_id, kind, to_addr, subject, body_text, body_html, created_at, attempts, last_error`,
			worker, micros(until), n, n, limit)
		if err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m directory.Mail
			var created int64
			if err := rows.Scan(&m.ID, &m.OrgID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML, &created,
				&m.Attempts, &m.LastError); err != nil {
				return err
			}
			m.CreatedAt = fromMicros(created)
			out = append(out, &m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING promises no order.
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// MarkMailSent records that the SMTP server accepted message id at at and
// ends its lease. It marks the message whoever holds the lease: once a
// server has accepted it, the message must not go out again.
func (c *Conn) MarkMailSent(ctx context.Context, id string, at time.Time) error {
	_, err := c.exec(ctx, `UPDATE outbox SET sent_at = ?, claimed_by = '', claimed_until = 0, last_error = ''
		WHERE id = ? AND sent_at = 0`, micros(at), id)
	if err != nil {
		return fmt.Errorf("mark mail %s sent: %w", id, err)
	}
	return nil
}

// MarkMailFailed records a failed attempt of worker to deliver message id:
// the error text, and either the time of the next attempt or, when dead is
// true, that no attempt follows (dead at at). It ends the lease. It changes
// nothing when worker no longer holds the message (its lease ran out and
// another worker claimed it) or the message was sent meanwhile.
func (c *Conn) MarkMailFailed(ctx context.Context, id, worker string, at, next time.Time, errText string, dead bool) error {
	var deadAt int64
	if dead {
		deadAt = micros(at)
	}
	_, err := c.exec(ctx, `UPDATE outbox SET last_error = ?, next_attempt_at = ?, dead_at = ?, claimed_by = '', claimed_until = 0
		WHERE id = ? AND claimed_by = ? AND sent_at = 0 AND dead_at = 0`, errText, micros(next), deadAt, id, worker)
	if err != nil {
		return fmt.Errorf("mark mail %s failed: %w", id, err)
	}
	return nil
}

// ReleaseMail ends worker's lease on message id without counting the
// attempt, for a worker that stops before it tried to send the message.
func (c *Conn) ReleaseMail(ctx context.Context, id, worker string) error {
	_, err := c.exec(ctx, `UPDATE outbox SET claimed_by = '', claimed_until = 0, attempts = attempts - 1
		WHERE id = ? AND claimed_by = ? AND sent_at = 0 AND dead_at = 0 AND attempts > 0`, id, worker)
	if err != nil {
		return fmt.Errorf("release mail %s: %w", id, err)
	}
	return nil
}

// EnqueueMail writes a message to the outbox.
func (c *Conn) EnqueueMail(ctx context.Context, m *directory.Mail) error {
	_, err := c.exec(ctx, `INSERT INTO outbox (id, org_id, kind, to_addr, subject, body_text, body_html, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.OrgID, m.Kind, m.To, m.Subject, m.Text, m.HTML,
		micros(m.CreatedAt), micros(m.CreatedAt))
	return err
}

// Mails lists the newest messages of an organization's outbox with their
// bodies, newest first.
func (c *Conn) Mails(ctx context.Context, orgID string, limit int) ([]*directory.Mail, error) {
	rows, err := c.query(ctx, `SELECT `+mailSummary+`, body_text, body_html FROM outbox WHERE org_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Mail
	for rows.Next() {
		var m directory.Mail
		if err := scanMailSummary(rows, &m, &m.Text, &m.HTML); err != nil {
			return nil, err
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}

// mailSummary are the columns of a message without its bodies.
const mailSummary = `id, org_id, kind, to_addr, subject, created_at, sent_at, dead_at, attempts, last_error`

// scanMailSummary reads the mailSummary columns into m, then any further
// columns into more.
func scanMailSummary(row interface{ Scan(...any) error }, m *directory.Mail, more ...any) error {
	var created, sent, dead int64
	dest := append([]any{&m.ID, &m.OrgID, &m.Kind, &m.To, &m.Subject, &created, &sent, &dead, &m.Attempts, &m.LastError}, more...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	m.CreatedAt, m.SentAt, m.DeadAt = fromMicros(created), fromMicros(sent), fromMicros(dead)
	return nil
}

// Mail states for MailList.
const (
	MailQueued = "queued" // neither sent nor dead yet
	MailSent   = "sent"
	MailDead   = "dead"
)

// MailList lists an organization's messages in one state ("" = all), newest
// first, at most limit.
func (c *Conn) MailList(ctx context.Context, orgID, state string, limit int) ([]*directory.Mail, error) {
	where := ``
	switch state {
	case MailQueued:
		where = ` AND sent_at = 0 AND dead_at = 0`
	case MailSent:
		where = ` AND sent_at <> 0`
	case MailDead:
		where = ` AND dead_at <> 0`
	}
	rows, err := c.query(ctx, `SELECT `+mailSummary+` FROM outbox WHERE org_id = ?`+where+`
		ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Mail
	for rows.Next() {
		var m directory.Mail
		if err := scanMailSummary(rows, &m); err != nil {
			return nil, err
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}

// MailByID returns one message of an organization, without its bodies.
func (c *Conn) MailByID(ctx context.Context, orgID, id string) (*directory.Mail, error) {
	var m directory.Mail
	err := scanMailSummary(c.queryRow(ctx, `SELECT `+mailSummary+` FROM outbox WHERE org_id = ? AND id = ?`, orgID, id), &m)
	if isNoRows(err) {
		return nil, directory.NotFound("mail")
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// RetryMail brings a dead message of an organization back into the queue,
// due at at, with its attempts counted afresh. It reports false when there
// is no dead message with that id.
func (c *Conn) RetryMail(ctx context.Context, orgID, id string, at time.Time) (bool, error) {
	res, err := c.exec(ctx, `UPDATE outbox SET dead_at = 0, attempts = 0, next_attempt_at = ?, claimed_by = '', claimed_until = 0
		WHERE org_id = ? AND id = ? AND dead_at <> 0 AND sent_at = 0`, micros(at), orgID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
