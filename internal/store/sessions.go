package store

import (
	"context"

	"roster/internal/directory"
)

const sessionColumns = `id, org_id, user_id, stage, grant_id, grant_chosen, impersonated_id, impersonation_reason,
	impersonation_ends_at, ip, user_agent, created_at, last_seen_at, expires_at`

func scanSession(row interface{ Scan(...any) error }) (*directory.Session, error) {
	var s directory.Session
	var ends, created, seen, expires int64
	err := row.Scan(&s.ID, &s.OrgID, &s.UserID, &s.Stage, &s.GrantID, &s.GrantChosen, &s.ImpersonatedID,
		&s.ImpersonationReason, &ends, &s.IP, &s.UserAgent, &created, &seen, &expires)
	if err != nil {
		return nil, err
	}
	s.ImpersonationEndsAt, s.CreatedAt = fromMicros(ends), fromMicros(created)
	s.LastSeenAt, s.ExpiresAt = fromMicros(seen), fromMicros(expires)
	return &s, nil
}

// CreateSession stores a new session under the hash of its secret.
func (c *Conn) CreateSession(ctx context.Context, s *directory.Session, secretHash string) error {
	_, err := c.exec(ctx, `INSERT INTO sessions (id, token_hash, org_id, user_id, stage, grant_id, grant_chosen,
		impersonated_id, impersonation_reason, impersonation_ends_at, ip, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, secretHash, s.OrgID, s.UserID, s.Stage, s.GrantID, s.GrantChosen, s.ImpersonatedID, s.ImpersonationReason,
		micros(s.ImpersonationEndsAt), s.IP, s.UserAgent, micros(s.CreatedAt), micros(s.LastSeenAt), micros(s.ExpiresAt))
	return err
}

// SessionByHash returns the session whose secret has the given hash.
func (c *Conn) SessionByHash(ctx context.Context, secretHash string) (*directory.Session, error) {
	s, err := scanSession(c.queryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, secretHash))
	if isNoRows(err) {
		return nil, directory.NotFound("session")
	}
	return s, err
}

// Session returns a session of a user's organization by its id.
func (c *Conn) Session(ctx context.Context, orgID, id string) (*directory.Session, error) {
	s, err := scanSession(c.queryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE org_id = ? AND id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("session")
	}
	return s, err
}

// Sessions lists the sessions of a user, newest first.
func (c *Conn) Sessions(ctx context.Context, orgID, userID string) ([]*directory.Session, error) {
	rows, err := c.query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE org_id = ? AND user_id = ?
		ORDER BY created_at DESC, id DESC`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// TouchSession records activity on a session.
func (c *Conn) TouchSession(ctx context.Context, id string, at int64) error {
	_, err := c.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, at, id)
	return err
}

// UpdateSession saves the stage, the active grant and the impersonation of
// a session, and, when newSecretHash is not "", gives it a new secret: the
// old cookie stops working at once.
func (c *Conn) UpdateSession(ctx context.Context, s *directory.Session, newSecretHash string) error {
	q := `UPDATE sessions SET stage = ?, grant_id = ?, grant_chosen = ?, impersonated_id = ?, impersonation_reason = ?,
		impersonation_ends_at = ?, last_seen_at = ?`
	args := []any{s.Stage, s.GrantID, s.GrantChosen, s.ImpersonatedID, s.ImpersonationReason,
		micros(s.ImpersonationEndsAt), micros(s.LastSeenAt)}
	if newSecretHash != "" {
		q += `, token_hash = ?`
		args = append(args, newSecretHash)
	}
	res, err := c.exec(ctx, q+` WHERE org_id = ? AND id = ?`, append(args, s.OrgID, s.ID)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.NotFound("session")
	}
	return nil
}

// DeleteSession ends one session of an organization and reports whether
// there was one.
func (c *Conn) DeleteSession(ctx context.Context, orgID, id string) (bool, error) {
	res, err := c.exec(ctx, `DELETE FROM sessions WHERE org_id = ? AND id = ?`, orgID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteUserSessions ends every session of a user except the one with id
// keep ("" = all) and returns how many it ended.
func (c *Conn) DeleteUserSessions(ctx context.Context, orgID, userID, keep string) (int, error) {
	res, err := c.exec(ctx, `DELETE FROM sessions WHERE org_id = ? AND user_id = ? AND id <> ?`, orgID, userID, keep)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteStaleSessions removes a user's sessions that passed their absolute
// lifetime or were idle since before idleBefore.
func (c *Conn) DeleteStaleSessions(ctx context.Context, orgID, userID string, now, idleBefore int64) error {
	_, err := c.exec(ctx, `DELETE FROM sessions WHERE org_id = ? AND user_id = ? AND (expires_at <= ? OR last_seen_at < ?)`,
		orgID, userID, now, idleBefore)
	return err
}

const linkColumns = `id, org_id, user_id, purpose, created_by, created_at, expires_at, used_at, voided_at`

func scanLink(row interface{ Scan(...any) error }) (*directory.Link, error) {
	var l directory.Link
	var created, expires, used, voided int64
	if err := row.Scan(&l.ID, &l.OrgID, &l.UserID, &l.Purpose, &l.CreatedBy, &created, &expires, &used, &voided); err != nil {
		return nil, err
	}
	l.CreatedAt, l.ExpiresAt, l.UsedAt, l.VoidedAt = fromMicros(created), fromMicros(expires), fromMicros(used), fromMicros(voided)
	return &l, nil
}

// CreateLink stores a single-use link under the hash of its secret.
func (c *Conn) CreateLink(ctx context.Context, l *directory.Link, secretHash string) error {
	_, err := c.exec(ctx, `INSERT INTO links (id, token_hash, org_id, user_id, purpose, created_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, l.ID, secretHash, l.OrgID, l.UserID, l.Purpose, l.CreatedBy,
		micros(l.CreatedAt), micros(l.ExpiresAt))
	return err
}

// LinkByHash returns the link whose secret has the given hash.
func (c *Conn) LinkByHash(ctx context.Context, secretHash string) (*directory.Link, error) {
	l, err := scanLink(c.queryRow(ctx, `SELECT `+linkColumns+` FROM links WHERE token_hash = ?`, secretHash))
	if isNoRows(err) {
		return nil, directory.NotFound("link")
	}
	return l, err
}

// UseLink marks a link used and reports false when it was already used or
// voided, so that two requests cannot both use it.
func (c *Conn) UseLink(ctx context.Context, id string, at int64) (bool, error) {
	res, err := c.exec(ctx, `UPDATE links SET used_at = ? WHERE id = ? AND used_at = 0 AND voided_at = 0`, at, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// VoidLinks voids the unused links of a purpose for a user ("" user = the
// organization's links without a user, such as the set-up link).
func (c *Conn) VoidLinks(ctx context.Context, orgID, userID, purpose string, at int64) error {
	_, err := c.exec(ctx, `UPDATE links SET voided_at = ? WHERE org_id = ? AND user_id = ? AND purpose = ?
		AND used_at = 0 AND voided_at = 0`, at, orgID, userID, purpose)
	return err
}

// EnqueueMail writes a message to the outbox.
func (c *Conn) EnqueueMail(ctx context.Context, m *directory.Mail) error {
	_, err := c.exec(ctx, `INSERT INTO outbox (id, org_id, kind, to_addr, subject, body_text, body_html, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.OrgID, m.Kind, m.To, m.Subject, m.Text, m.HTML,
		micros(m.CreatedAt), micros(m.CreatedAt))
	return err
}

// Mails lists the newest messages of an organization's outbox, newest
// first.
func (c *Conn) Mails(ctx context.Context, orgID string, limit int) ([]*directory.Mail, error) {
	rows, err := c.query(ctx, `SELECT id, org_id, kind, to_addr, subject, body_text, body_html, created_at, sent_at,
		dead_at, attempts, last_error FROM outbox WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Mail
	for rows.Next() {
		var m directory.Mail
		var created, sent, dead int64
		if err := rows.Scan(&m.ID, &m.OrgID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML, &created, &sent, &dead,
			&m.Attempts, &m.LastError); err != nil {
			return nil, err
		}
		m.CreatedAt, m.SentAt, m.DeadAt = fromMicros(created), fromMicros(sent), fromMicros(dead)
		out = append(out, &m)
	}
	return out, rows.Err()
}
