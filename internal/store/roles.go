package store

import (
	"context"
	"encoding/json"
	"strings"

	"roster/internal/directory"
)

const roleColumns = `id, org_id, key, name, description, level, permissions, mfa_required, is_default, required_fields, created_at, updated_at, version`

func scanRole(row interface{ Scan(...any) error }) (*directory.Role, error) {
	var r directory.Role
	var perms, required string
	var created, updated int64
	if err := row.Scan(&r.ID, &r.OrgID, &r.Key, &r.Name, &r.Description, &r.Level, &perms, &r.MFARequired,
		&r.IsDefault, &required, &created, &updated, &r.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(required), &r.RequiredFields); err != nil {
		return nil, err
	}
	if len(r.RequiredFields) == 0 {
		r.RequiredFields = nil
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
		required_fields, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		r.ID, r.OrgID, r.Key, r.Name, r.Description, r.Level, permissionText(r.Permissions), r.MFARequired, r.IsDefault,
		requiredJSON(r.RequiredFields), micros(r.CreatedAt), micros(r.UpdatedAt))
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

func requiredJSON(fs []directory.RequiredField) string {
	if len(fs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(fs)
	return string(b)
}

// UpdateRole saves the name, description, level, permissions, MFA flag,
// default flag and required fields of r if its version is still
// expectVersion, and bumps the version. A name already used is a conflict.
func (c *Conn) UpdateRole(ctx context.Context, r *directory.Role, expectVersion int64) error {
	res, err := c.exec(ctx, `UPDATE roles SET name = ?, description = ?, level = ?, permissions = ?, mfa_required = ?,
		is_default = ?, required_fields = ?, updated_at = ?, version = version + 1
		WHERE org_id = ? AND id = ? AND version = ?`,
		r.Name, r.Description, r.Level, permissionText(r.Permissions), r.MFARequired, r.IsDefault,
		requiredJSON(r.RequiredFields), micros(r.UpdatedAt), r.OrgID, r.ID, expectVersion)
	if _, dup := c.d.uniqueViolation(err); dup {
		return directory.Errorf(directory.KindConflict, "a role named %q already exists", r.Name)
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.Errorf(directory.KindPrecondition, "the role was changed by someone else; reload and try again")
	}
	r.Version = expectVersion + 1
	return nil
}

// ClearDefaultRole makes no role of the organization the default, but keep.
func (c *Conn) ClearDefaultRole(ctx context.Context, orgID, keep string) error {
	_, err := c.exec(ctx, `UPDATE roles SET is_default = ?, version = version + 1 WHERE org_id = ? AND id <> ? AND is_default = ?`,
		false, orgID, keep, true)
	return err
}

// DeleteRole removes a role that no grant uses; a role still granted is a
// conflict.
func (c *Conn) DeleteRole(ctx context.Context, orgID, id string) error {
	_, err := c.exec(ctx, `DELETE FROM roles WHERE org_id = ? AND id = ?`, orgID, id)
	if c.d.foreignKeyViolation(err) {
		return directory.Errorf(directory.KindConflict, "the role is still granted; remove its grants first")
	}
	return err
}

// CountRoleGrants counts the grants of a role.
func (c *Conn) CountRoleGrants(ctx context.Context, roleID string) (int, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM grants WHERE role_id = ?`, roleID).Scan(&n)
	return n, err
}
