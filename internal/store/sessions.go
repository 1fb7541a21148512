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
