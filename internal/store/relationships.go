package store

import (
	"context"

	"roster/internal/directory"
)

// PutRelationshipKind adds a relationship kind or relabels one.
func (c *Conn) PutRelationshipKind(ctx context.Context, orgID string, k directory.RelationshipKind) error {
	_, err := c.exec(ctx, `INSERT INTO relationship_kinds (org_id, key, label, inverse_label) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, key) DO UPDATE SET label = excluded.label, inverse_label = excluded.inverse_label`,
		orgID, k.Key, k.Label, k.InverseLabel)
	return err
}

// RelationshipKinds lists the relationship kinds of an organization.
func (c *Conn) RelationshipKinds(ctx context.Context, orgID string) ([]directory.RelationshipKind, error) {
	rows, err := c.query(ctx, `SELECT key, label, inverse_label FROM relationship_kinds WHERE org_id = ? ORDER BY key`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []directory.RelationshipKind
	for rows.Next() {
		var k directory.RelationshipKind
		if err := rows.Scan(&k.Key, &k.Label, &k.InverseLabel); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// CreateRelationship inserts r; the same link twice is a conflict.
func (c *Conn) CreateRelationship(ctx context.Context, r *directory.Relationship) error {
	_, err := c.exec(ctx, `INSERT INTO relationships (id, org_id, kind, from_user_id, to_user_id, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, r.OrgID, r.Kind, r.FromUserID, r.ToUserID, r.CreatedBy, micros(r.CreatedAt))
	if _, dup := c.d.uniqueViolation(err); dup {
		return directory.Errorf(directory.KindConflict, "this relationship already exists")
	}
	return err
}

const relationshipColumns = `id, org_id, kind, from_user_id, to_user_id, created_by, created_at`

func scanRelationship(row interface{ Scan(...any) error }) (*directory.Relationship, error) {
	var r directory.Relationship
	var created int64
	if err := row.Scan(&r.ID, &r.OrgID, &r.Kind, &r.FromUserID, &r.ToUserID, &r.CreatedBy, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMicros(created)
	return &r, nil
}

// Relationship returns one relationship.
func (c *Conn) Relationship(ctx context.Context, orgID, id string) (*directory.Relationship, error) {
	r, err := scanRelationship(c.queryRow(ctx, `SELECT `+relationshipColumns+` FROM relationships WHERE org_id = ? AND id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("relationship")
	}
	return r, err
}

// UserRelationships lists the relationships a user takes part in, on
// either side; kind, when set, keeps that kind.
func (c *Conn) UserRelationships(ctx context.Context, orgID, userID, kind string) ([]*directory.Relationship, error) {
	q := `SELECT ` + relationshipColumns + ` FROM relationships WHERE org_id = ? AND (from_user_id = ? OR to_user_id = ?)`
	args := []any{orgID, userID, userID}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	rows, err := c.query(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Relationship
	for rows.Next() {
		r, err := scanRelationship(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteRelationship removes a relationship.
func (c *Conn) DeleteRelationship(ctx context.Context, orgID, id string) error {
	_, err := c.exec(ctx, `DELETE FROM relationships WHERE org_id = ? AND id = ?`, orgID, id)
	return err
}

// InTeam reports whether userID is in supervisorID's team: supervised in
// the profile, or linked by a supervisor_of relationship.
func (c *Conn) InTeam(ctx context.Context, orgID, supervisorID, userID string) (bool, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM users u WHERE u.org_id = ? AND u.id = ? AND (u.supervisor_id = ?
		OR EXISTS (SELECT 1 FROM relationships r WHERE r.kind = 'supervisor_of' AND r.from_user_id = ? AND r.to_user_id = u.id))`,
		orgID, userID, supervisorID, supervisorID).Scan(&n)
	return n > 0, err
}
