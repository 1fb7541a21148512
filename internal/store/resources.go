package store

import (
	"context"
	"strings"

	"roster/internal/directory"
)

// PutResourceKind adds a resource kind or relabels an existing one.
func (c *Conn) PutResourceKind(ctx context.Context, orgID string, k directory.ResourceKind) error {
	_, err := c.exec(ctx, `INSERT INTO resource_kinds (org_id, key, label, position) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, key) DO UPDATE SET label = excluded.label, position = excluded.position`,
		orgID, k.Key, k.Label, k.Position)
	return err
}

// ResourceKinds lists the resource kinds of an organization in their order.
func (c *Conn) ResourceKinds(ctx context.Context, orgID string) ([]directory.ResourceKind, error) {
	rows, err := c.query(ctx, `SELECT key, label, position FROM resource_kinds WHERE org_id = ? ORDER BY position, key`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []directory.ResourceKind
	for rows.Next() {
		var k directory.ResourceKind
		if err := rows.Scan(&k.Key, &k.Label, &k.Position); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

const resourceColumns = `r.id, r.org_id, r.kind, r.name, r.external_id, COALESCE(r.unit_id, ''), r.archived_at, r.created_at, r.updated_at, r.version`

func scanResource(row interface{ Scan(...any) error }) (*directory.Resource, error) {
	var r directory.Resource
	var archived, created, updated int64
	if err := row.Scan(&r.ID, &r.OrgID, &r.Kind, &r.Name, &r.ExternalID, &r.UnitID, &archived, &created, &updated, &r.Version); err != nil {
		return nil, err
	}
	r.ArchivedAt, r.CreatedAt, r.UpdatedAt = fromMicros(archived), fromMicros(created), fromMicros(updated)
	return &r, nil
}

func (c *Conn) resourceConflict(err error) error {
	if _, dup := c.d.uniqueViolation(err); dup {
		return &directory.Error{Kind: directory.KindConflict, Message: "another resource of this kind already has this external id",
			Fields: []directory.FieldError{{Field: "external_id", Message: "is already used by another resource of this kind"}}}
	}
	return err
}

// CreateResource inserts r.
func (c *Conn) CreateResource(ctx context.Context, r *directory.Resource) error {
	_, err := c.exec(ctx, `INSERT INTO resources (id, org_id, kind, name, external_id, unit_id, archived_at, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, 1, ?, ?)`, r.ID, r.OrgID, r.Kind, r.Name, r.ExternalID, nullable(r.UnitID),
		micros(r.CreatedAt), micros(r.UpdatedAt))
	r.Version = 1
	return c.resourceConflict(err)
}

// Resource returns one resource of the organization.
func (c *Conn) Resource(ctx context.Context, orgID, id string) (*directory.Resource, error) {
	r, err := scanResource(c.queryRow(ctx, `SELECT `+resourceColumns+` FROM resources r WHERE r.org_id = ? AND r.id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("resource")
	}
	return r, err
}

// UpdateResource saves r if its version is still expectVersion.
func (c *Conn) UpdateResource(ctx context.Context, r *directory.Resource, expectVersion int64) error {
	res, err := c.exec(ctx, `UPDATE resources SET kind = ?, name = ?, external_id = ?, unit_id = ?, archived_at = ?, updated_at = ?,
		version = version + 1 WHERE org_id = ? AND id = ? AND version = ?`, r.Kind, r.Name, r.ExternalID, nullable(r.UnitID),
		micros(r.ArchivedAt), micros(r.UpdatedAt), r.OrgID, r.ID, expectVersion)
	if err != nil {
		return c.resourceConflict(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.Errorf(directory.KindPrecondition, "the resource was changed by someone else; reload and try again")
	}
	r.Version = expectVersion + 1
	return nil
}

// DeleteResource removes a resource and its assignments.
func (c *Conn) DeleteResource(ctx context.Context, orgID, id string) error {
	if _, err := c.exec(ctx, `DELETE FROM resource_grants WHERE org_id = ? AND resource_id = ?`, orgID, id); err != nil {
		return err
	}
	_, err := c.exec(ctx, `DELETE FROM resources WHERE org_id = ? AND id = ?`, orgID, id)
	return err
}

// ResourceFilter selects resources.
type ResourceFilter struct {
	Kind            string
	UnitID          string
	Q               string
	IncludeArchived bool
	// ScopePaths, when not nil, keeps the resources whose unit lies under
	// one of these unit paths; OrgWideToo adds resources without a unit.
	ScopePaths []string
	OrgWideToo bool
	// IDs, when not nil, keeps only these resources.
	IDs []string
}

// Resources lists the resources of an organization that match f, by name.
func (c *Conn) Resources(ctx context.Context, orgID string, f ResourceFilter) ([]*directory.Resource, error) {
	where := []string{"r.org_id = ?"}
	args := []any{orgID}
	if f.Kind != "" {
		where = append(where, "r.kind = ?")
		args = append(args, f.Kind)
	}
	if f.UnitID != "" {
		where = append(where, "r.unit_id = ?")
		args = append(args, f.UnitID)
	}
	if f.Q != "" {
		where = append(where, "(LOWER(r.name) LIKE ? ESCAPE '\\' OR LOWER(r.external_id) LIKE ? ESCAPE '\\')")
		pat := "%" + likeEscape(strings.ToLower(f.Q)) + "%"
		args = append(args, pat, pat)
	}
	if !f.IncludeArchived {
		where = append(where, "r.archived_at = 0")
	}
	if f.ScopePaths != nil {
		var ors []string
		for _, p := range f.ScopePaths {
			ors = append(ors, "un.path LIKE ? ESCAPE '\\'")
			args = append(args, likeEscape(p)+"%")
		}
		if f.OrgWideToo {
			ors = append(ors, "r.unit_id IS NULL")
		}
		if len(ors) == 0 {
			return nil, nil
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return nil, nil
		}
		where = append(where, "r.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	rows, err := c.query(ctx, `SELECT `+resourceColumns+` FROM resources r LEFT JOIN units un ON un.id = r.unit_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY r.name, r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// UnitPath returns the path of a resource's unit, or "" for a resource of
// the whole organization.
func (c *Conn) UnitPath(ctx context.Context, orgID, unitID string) (string, error) {
	if unitID == "" {
		return "", nil
	}
	u, err := c.Unit(ctx, orgID, unitID)
	if err != nil {
		return "", err
	}
	return u.Path, nil
}

// CreateResourceGrant inserts a direct assignment; the same user, resource
// and relation twice is a conflict.
func (c *Conn) CreateResourceGrant(ctx context.Context, g *directory.ResourceGrant) error {
	_, err := c.exec(ctx, `INSERT INTO resource_grants (id, org_id, user_id, resource_id, relation, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, g.ID, g.OrgID, g.UserID, g.ResourceID, string(g.Relation), g.CreatedBy, micros(g.CreatedAt))
	if _, dup := c.d.uniqueViolation(err); dup {
		return directory.Errorf(directory.KindConflict, "the user already has this resource with the relation %s", g.Relation)
	}
	return err
}

const resourceGrantColumns = `id, org_id, user_id, resource_id, relation, created_by, created_at`

func scanResourceGrant(row interface{ Scan(...any) error }) (*directory.ResourceGrant, error) {
	var g directory.ResourceGrant
	var rel string
	var created int64
	if err := row.Scan(&g.ID, &g.OrgID, &g.UserID, &g.ResourceID, &rel, &g.CreatedBy, &created); err != nil {
		return nil, err
	}
	g.Relation, g.CreatedAt = directory.Relation(rel), fromMicros(created)
	return &g, nil
}

// ResourceGrant returns one assignment.
func (c *Conn) ResourceGrant(ctx context.Context, orgID, id string) (*directory.ResourceGrant, error) {
	g, err := scanResourceGrant(c.queryRow(ctx, `SELECT `+resourceGrantColumns+` FROM resource_grants WHERE org_id = ? AND id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("resource assignment")
	}
	return g, err
}

// ResourceGrants lists assignments of a user (userID) or of a resource
// (resourceID); give one of them.
func (c *Conn) ResourceGrants(ctx context.Context, orgID, userID, resourceID string) ([]*directory.ResourceGrant, error) {
	q := `SELECT ` + resourceGrantColumns + ` FROM resource_grants WHERE org_id = ?`
	args := []any{orgID}
	if userID != "" {
		q += ` AND user_id = ?`
		args = append(args, userID)
	}
	if resourceID != "" {
		q += ` AND resource_id = ?`
		args = append(args, resourceID)
	}
	rows, err := c.query(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.ResourceGrant
	for rows.Next() {
		g, err := scanResourceGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// DeleteResourceGrant removes one assignment.
func (c *Conn) DeleteResourceGrant(ctx context.Context, orgID, id string) error {
	_, err := c.exec(ctx, `DELETE FROM resource_grants WHERE org_id = ? AND id = ?`, orgID, id)
	return err
}
