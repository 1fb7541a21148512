package store

import (
	"context"

	"roster/internal/directory"
)

// CreateOrganization inserts o with its default unit, resource and
// relationship kinds.
// A taken slug is a KindConflict error.
func (c *Conn) CreateOrganization(ctx context.Context, o *directory.Organization) error {
	o.Policy = o.Policy.Defaults()
	_, err := c.exec(ctx, `INSERT INTO organizations (id, slug, name, premium_seat_limit, security_policy, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, o.ID, o.Slug, o.Name, o.PremiumSeatLimit, directory.EncodePolicy(o.Policy),
		micros(o.CreatedAt), micros(o.UpdatedAt))
	if _, dup := c.d.uniqueViolation(err); dup {
		return directory.Errorf(directory.KindConflict, "an organization with the slug %q already exists", o.Slug)
	}
	if err != nil {
		return err
	}
	for _, k := range directory.DefaultUnitKinds {
		if _, err := c.exec(ctx, `INSERT INTO unit_kinds (org_id, key, label, position) VALUES (?, ?, ?, ?)`,
			o.ID, k.Key, k.Label, k.Position); err != nil {
			return err
		}
	}
	for _, k := range directory.DefaultResourceKinds {
		if err := c.PutResourceKind(ctx, o.ID, k); err != nil {
			return err
		}
	}
	for _, k := range directory.DefaultRelationshipKinds {
		if err := c.PutRelationshipKind(ctx, o.ID, k); err != nil {
			return err
		}
	}
	return nil
}

const orgColumns = `id, slug, name, premium_seat_limit, security_policy, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }) (*directory.Organization, error) {
	var o directory.Organization
	var created, updated int64
	var policy string
	if err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.PremiumSeatLimit, &policy, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if o.Policy, err = directory.DecodePolicy(policy); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &o, nil
}

// Organization returns the organization with the given id.
func (c *Conn) Organization(ctx context.Context, id string) (*directory.Organization, error) {
	o, err := scanOrg(c.queryRow(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, directory.NotFound("organization")
	}
	return o, err
}

// OrganizationBySlug returns the organization with the given slug.
func (c *Conn) OrganizationBySlug(ctx context.Context, slug string) (*directory.Organization, error) {
	o, err := scanOrg(c.queryRow(ctx, `SELECT `+orgColumns+` FROM organizations WHERE slug = ?`, slug))
	if isNoRows(err) {
		return nil, directory.Errorf(directory.KindNotFound, "organization %q not found", slug)
	}
	return o, err
}

// Organizations lists every organization by slug.
func (c *Conn) Organizations(ctx context.Context) ([]*directory.Organization, error) {
	rows, err := c.query(ctx, `SELECT `+orgColumns+` FROM organizations ORDER BY slug`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// UpdateOrganization saves the name, seat limit and security policy of o.
func (c *Conn) UpdateOrganization(ctx context.Context, o *directory.Organization) error {
	_, err := c.exec(ctx, `UPDATE organizations SET name = ?, premium_seat_limit = ?, security_policy = ?, updated_at = ? WHERE id = ?`,
		o.Name, o.PremiumSeatLimit, directory.EncodePolicy(o.Policy), micros(o.UpdatedAt), o.ID)
	return err
}

// UnitKinds lists the unit kinds of an organization in their order.
func (c *Conn) UnitKinds(ctx context.Context, orgID string) ([]directory.UnitKind, error) {
	rows, err := c.query(ctx, `SELECT key, label, position FROM unit_kinds WHERE org_id = ? ORDER BY position, key`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []directory.UnitKind
	for rows.Next() {
		var k directory.UnitKind
		if err := rows.Scan(&k.Key, &k.Label, &k.Position); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// PutUnitKind adds a unit kind or renames an existing one.
func (c *Conn) PutUnitKind(ctx context.Context, orgID string, k directory.UnitKind) error {
	_, err := c.exec(ctx, `INSERT INTO unit_kinds (org_id, key, label, position) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, key) DO UPDATE SET label = excluded.label, position = excluded.position`,
		orgID, k.Key, k.Label, k.Position)
	return err
}

// LockOrganization holds the organization's row until the transaction ends,
// so that checks over the whole organization (such as counting premium
// seats before giving one) run one at a time.
func (c *Conn) LockOrganization(ctx context.Context, orgID string) error {
	var id string
	err := c.queryRow(ctx, `SELECT id FROM organizations WHERE id = ?`+c.d.forUpdate(), orgID).Scan(&id)
	if isNoRows(err) {
		return directory.NotFound("organization")
	}
	return err
}

// CountAllUsers counts every user of an organization, in the recycle bin
// or not, from the maintained counters.
func (c *Conn) CountAllUsers(ctx context.Context, orgID string) (int, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM user_counts WHERE org_id = ?`, orgID).Scan(&n)
	return n, err
}
