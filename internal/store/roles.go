package store

import (
	"context"
	"encoding/json"
	"strings"

	"roster/internal/directory"
)

const roleColumns = `id, org_id, key, name, description, level, permissions, mfa_required, is_default, created_at, updated_at, version`

func scanRole(row interface{ Scan(...any) error }) (*directory.Role, error) {
	var r directory.Role
	var perms string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.OrgID, &r.Key, &r.Name, &r.Description, &r.Level, &perms, &r.MFARequired,
		&r.IsDefault, &created, &updated, &r.Version); err != nil {
		return nil, err
	}
	for _, p := range strings.Fields(perms) {
		r.Permissions = append(r.Permissions, directory.Permission(p))
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &r, nil
}

func permissionText(ps []directory.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " ")
}

// CreateRole inserts r; a name already used in the organization is a conflict.
func (c *Conn) CreateRole(ctx context.Context, r *directory.Role) error {
	_, err := c.exec(ctx, `INSERT INTO roles (id, org_id, key, name, description, level, permissions, mfa_required, is_default,
		version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		r.ID, r.OrgID, r.Key, r.Name, r.Description, r.Level, permissionText(r.Permissions), r.MFARequired, r.IsDefault,
		micros(r.CreatedAt), micros(r.UpdatedAt))
	if _, dup := c.d.uniqueViolation(err); dup {
		return directory.Errorf(directory.KindConflict, "a role named %q already exists", r.Name)
	}
	r.Version = 1
	return err
}

// Role returns the role of the organization with the given id.
func (c *Conn) Role(ctx context.Context, orgID, id string) (*directory.Role, error) {
	r, err := scanRole(c.queryRow(ctx, `SELECT `+roleColumns+` FROM roles WHERE org_id = ? AND id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("role")
	}
	return r, err
}

// RoleByKey returns the built-in role of the organization with the given key.
func (c *Conn) RoleByKey(ctx context.Context, orgID, key string) (*directory.Role, error) {
	r, err := scanRole(c.queryRow(ctx, `SELECT `+roleColumns+` FROM roles WHERE org_id = ? AND key = ?`, orgID, key))
	if isNoRows(err) {
		return nil, directory.NotFound("role")
	}
	return r, err
}

// Roles lists the roles of an organization, highest level first.
func (c *Conn) Roles(ctx context.Context, orgID string) ([]*directory.Role, error) {
	rows, err := c.query(ctx, `SELECT `+roleColumns+` FROM roles WHERE org_id = ? ORDER BY level DESC, name`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const grantColumns = `id, org_id, user_id, role_id, COALESCE(unit_id, ''), starts_at, expires_at, fields, created_by, created_at`

func scanGrant(row interface{ Scan(...any) error }) (*directory.Grant, error) {
	var g directory.Grant
	var starts, expires, created int64
	var fields string
	if err := row.Scan(&g.ID, &g.OrgID, &g.UserID, &g.RoleID, &g.UnitID, &starts, &expires, &fields, &g.CreatedBy, &created); err != nil {
		return nil, err
	}
	g.StartsAt, g.ExpiresAt, g.CreatedAt = fromMicros(starts), fromMicros(expires), fromMicros(created)
	return &g, json.Unmarshal([]byte(fields), &g.Fields)
}

// CreateGrant inserts g.
func (c *Conn) CreateGrant(ctx context.Context, g *directory.Grant) error {
	fields := "{}"
	if len(g.Fields) > 0 {
		b, err := json.Marshal(g.Fields)
		if err != nil {
			return err
		}
		fields = string(b)
	}
	_, err := c.exec(ctx, `INSERT INTO grants (id, org_id, user_id, role_id, unit_id, starts_at, expires_at, fields, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.OrgID, g.UserID, g.RoleID, nullable(g.UnitID), micros(g.StartsAt), micros(g.ExpiresAt), fields, g.CreatedBy, micros(g.CreatedAt))
	return err
}

// UserGrants lists every grant of a user, oldest first.
func (c *Conn) UserGrants(ctx context.Context, orgID, userID string) ([]*directory.Grant, error) {
	rows, err := c.query(ctx, `SELECT `+grantColumns+` FROM grants WHERE org_id = ? AND user_id = ? ORDER BY created_at, id`, orgID, userID)
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
