package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"roster/internal/directory"
)

const grantColumns = `g.id, g.org_id, g.user_id, g.role_id, COALESCE(g.unit_id, ''), g.starts_at, g.expires_at, g.fields, g.created_by, g.created_at, g.updated_at`

func scanGrant(row interface{ Scan(...any) error }) (*directory.Grant, error) {
	var g directory.Grant
	var starts, expires, created, updated int64
	var fields string
	if err := row.Scan(&g.ID, &g.OrgID, &g.UserID, &g.RoleID, &g.UnitID, &starts, &expires, &fields, &g.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	g.StartsAt, g.ExpiresAt, g.CreatedAt, g.UpdatedAt = fromMicros(starts), fromMicros(expires), fromMicros(created), fromMicros(updated)
	return &g, json.Unmarshal([]byte(fields), &g.Fields)
}

// CreateGrant inserts g.
func (c *Conn) CreateGrant(ctx context.Context, g *directory.Grant) error {
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = g.CreatedAt
	}
	_, err := c.exec(ctx, `INSERT INTO grants (id, org_id, user_id, role_id, unit_id, starts_at, expires_at, fields, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.OrgID, g.UserID, g.RoleID, nullable(g.UnitID), micros(g.StartsAt), micros(g.ExpiresAt), grantFields(g),
		g.CreatedBy, micros(g.CreatedAt), micros(g.UpdatedAt))
	return c.grantConflict(err)
}

func (c *Conn) grantConflict(err error) error {
	if _, dup := c.d.uniqueViolation(err); dup {
		return directory.Errorf(directory.KindConflict, "the user already holds this role over this scope")
	}
	return err
}

// UserGrants lists every grant of a user, oldest first.
func (c *Conn) UserGrants(ctx context.Context, orgID, userID string) ([]*directory.Grant, error) {
	rows, err := c.query(ctx, `SELECT `+grantColumns+` FROM grants g WHERE g.org_id = ? AND g.user_id = ? ORDER BY g.created_at, g.id`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func grantFields(g *directory.Grant) string {
	if len(g.Fields) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(g.Fields)
	return string(b)
}

// Grant returns one grant of the organization.
func (c *Conn) Grant(ctx context.Context, orgID, id string) (*directory.Grant, error) {
	g, err := scanGrant(c.queryRow(ctx, `SELECT `+grantColumns+` FROM grants g WHERE g.org_id = ? AND g.id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("grant")
	}
	return g, err
}

// UpdateGrant saves the role, scope, dates and field values of g.
func (c *Conn) UpdateGrant(ctx context.Context, g *directory.Grant) error {
	_, err := c.exec(ctx, `UPDATE grants SET role_id = ?, unit_id = ?, starts_at = ?, expires_at = ?, fields = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, g.RoleID, nullable(g.UnitID), micros(g.StartsAt), micros(g.ExpiresAt), grantFields(g),
		micros(g.UpdatedAt), g.OrgID, g.ID)
	return c.grantConflict(err)
}

// DeleteGrant removes a grant and unbinds the tokens that acted through it.
func (c *Conn) DeleteGrant(ctx context.Context, orgID, id string) error {
	if _, err := c.exec(ctx, `UPDATE api_tokens SET grant_id = NULL WHERE org_id = ? AND grant_id = ?`, orgID, id); err != nil {
		return err
	}
	res, err := c.exec(ctx, `DELETE FROM grants WHERE org_id = ? AND id = ?`, orgID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.NotFound("grant")
	}
	return nil
}

// GrantScope is a grant seen by the delegation rule: its role's level and
// the path of its unit ("" = organization-wide).
type GrantScope struct {
	GrantID   string
	RoleLevel int
	UnitPath  string
	ExpiresAt int64
}

// UserGrantScopes returns the level and scope of every grant of a user.
func (c *Conn) UserGrantScopes(ctx context.Context, orgID, userID string) ([]GrantScope, error) {
	rows, err := c.query(ctx, `SELECT g.id, r.level, COALESCE(un.path, ''), g.expires_at FROM grants g
		JOIN roles r ON r.id = g.role_id LEFT JOIN units un ON un.id = g.unit_id
		WHERE g.org_id = ? AND g.user_id = ?`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GrantScope
	for rows.Next() {
		var s GrantScope
		if err := rows.Scan(&s.GrantID, &s.RoleLevel, &s.UnitPath, &s.ExpiresAt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetTokenGrant binds a token to a grant of its user.
func (c *Conn) SetTokenGrant(ctx context.Context, orgID, tokenID, grantID string) error {
	_, err := c.exec(ctx, `UPDATE api_tokens SET grant_id = ? WHERE org_id = ? AND id = ?`, nullable(grantID), orgID, tokenID)
	return err
}

// GrantEnds returns, for each of the given users whose every grant has an
// expiry, when the last of those grants ends. Users who hold a grant
// without an expiry, or no grant at all, are not in the answer.
func (c *Conn) GrantEnds(ctx context.Context, orgID string, userIDs []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT user_id, MIN(expires_at), MAX(expires_at) FROM grants
		WHERE org_id = ? AND user_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(userIDs)), ", ")+`)
		GROUP BY user_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var first, last int64
		if err := rows.Scan(&id, &first, &last); err != nil {
			return nil, err
		}
		if first != 0 {
			out[id] = fromMicros(last)
		}
	}
	return out, rows.Err()
}
