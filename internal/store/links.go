package store

import (
	"context"

	"roster/internal/directory"
)

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
