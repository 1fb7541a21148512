package store

import (
	"context"

	"roster/internal/directory"
)

const tokenColumns = `id, org_id, user_id, COALESCE(grant_id, ''), name, prefix, created_by, created_at, expires_at, last_used_at, revoked_at, provision_role_id, provision_unit_id`

func scanToken(row interface{ Scan(...any) error }) (*directory.Token, error) {
	var t directory.Token
	var created, expires, used, revoked int64
	if err := row.Scan(&t.ID, &t.OrgID, &t.UserID, &t.GrantID, &t.Name, &t.Prefix, &t.CreatedBy, &created, &expires, &used, &revoked, &t.ProvisionRoleID, &t.ProvisionUnitID); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), fromMicros(expires), fromMicros(used), fromMicros(revoked)
	return &t, nil
}

// CreateToken stores t with the hash of its secret.
func (c *Conn) CreateToken(ctx context.Context, t *directory.Token, secretHash string) error {
	_, err := c.exec(ctx, `INSERT INTO api_tokens (id, org_id, user_id, grant_id, name, token_hash, prefix, created_by, created_at, expires_at,
		provision_role_id, provision_unit_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrgID, t.UserID, nullable(t.GrantID), t.Name, secretHash, t.Prefix, t.CreatedBy, micros(t.CreatedAt), micros(t.ExpiresAt),
		t.ProvisionRoleID, t.ProvisionUnitID)
	return err
}

// TokenByHash returns the token whose secret hashes to secretHash, in any
// organization.
func (c *Conn) TokenByHash(ctx context.Context, secretHash string) (*directory.Token, error) {
	t, err := scanToken(c.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ?`, secretHash))
	if isNoRows(err) {
		return nil, directory.NotFound("token")
	}
	return t, err
}

// Token returns the token of the organization with the given id.
func (c *Conn) Token(ctx context.Context, orgID, id string) (*directory.Token, error) {
	t, err := scanToken(c.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE org_id = ? AND id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("token")
	}
	return t, err
}

// Tokens lists the tokens of an organization, newest first; userID, when
// set, keeps only that user's.
func (c *Conn) Tokens(ctx context.Context, orgID, userID string) ([]*directory.Token, error) {
	q := `SELECT ` + tokenColumns + ` FROM api_tokens WHERE org_id = ?`
	args := []any{orgID}
	if userID != "" {
		q += ` AND user_id = ?`
		args = append(args, userID)
	}
	rows, err := c.query(ctx, q+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked at the given time; revoking twice keeps
// the first time.
func (c *Conn) RevokeToken(ctx context.Context, orgID, id string, at int64) error {
	_, err := c.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at = 0`, at, orgID, id)
	return err
}

// RevokeUserTokens revokes every live token of a user.
func (c *Conn) RevokeUserTokens(ctx context.Context, orgID, userID string, at int64) error {
	_, err := c.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND user_id = ? AND revoked_at = 0`, at, orgID, userID)
	return err
}

// TouchToken records that a token was used, at most once a minute so that
// reads do not turn into a write per request.
func (c *Conn) TouchToken(ctx context.Context, id string, at int64) error {
	_, err := c.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?`, at, id, at-60_000_000)
	return err
}
