package store

import (
	"context"

	"roster/internal/directory"
)

// CreateGroupCategory inserts a category; a name already used is a conflict.
func (c *Conn) CreateGroupCategory(ctx context.Context, g *directory.GroupCategory) error {
	_, err := c.exec(ctx, `INSERT INTO group_categories (id, org_id, name, created_at) VALUES (?, ?, ?, ?)`,
		g.ID, g.OrgID, g.Name, micros(g.CreatedAt))
	if _, dup := c.d.uniqueViolation(err); dup {
		return directory.Errorf(directory.KindConflict, "a category named %q already exists", g.Name)
	}
	return err
}

// GroupCategories lists the categories of an organization by name.
func (c *Conn) GroupCategories(ctx context.Context, orgID string) ([]*directory.GroupCategory, error) {
	rows, err := c.query(ctx, `SELECT id, org_id, name, created_at FROM group_categories WHERE org_id = ? ORDER BY name`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.GroupCategory
	for rows.Next() {
		var g directory.GroupCategory
		var created int64
		if err := rows.Scan(&g.ID, &g.OrgID, &g.Name, &created); err != nil {
			return nil, err
		}
		g.CreatedAt = fromMicros(created)
		out = append(out, &g)
	}
	return out, rows.Err()
}

// DeleteGroupCategory removes a category; its groups become uncategorised.
func (c *Conn) DeleteGroupCategory(ctx context.Context, orgID, id string) error {
	if _, err := c.exec(ctx, `UPDATE groups SET category_id = NULL WHERE org_id = ? AND category_id = ?`, orgID, id); err != nil {
		return err
	}
	res, err := c.exec(ctx, `DELETE FROM group_categories WHERE org_id = ? AND id = ?`, orgID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.NotFound("group category")
	}
	return nil
}

const groupColumns = `g.id, g.org_id, COALESCE(g.category_id, ''), g.name, g.description,
	(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id), g.created_at, g.updated_at, g.version`

func scanGroup(row interface{ Scan(...any) error }) (*directory.Group, error) {
	var g directory.Group
	var created, updated int64
	if err := row.Scan(&g.ID, &g.OrgID, &g.CategoryID, &g.Name, &g.Description, &g.Members, &created, &updated, &g.Version); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &g, nil
}

func (c *Conn) groupConflict(err error, name string) error {
	if _, dup := c.d.uniqueViolation(err); dup {
		return &directory.Error{Kind: directory.KindConflict, Message: "a group named " + name + " already exists",
			Fields: []directory.FieldError{{Field: "name", Message: "is already used by another group"}}}
	}
	return err
}

// CreateGroup inserts g.
func (c *Conn) CreateGroup(ctx context.Context, g *directory.Group) error {
	_, err := c.exec(ctx, `INSERT INTO groups (id, org_id, category_id, name, description, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?)`, g.ID, g.OrgID, nullable(g.CategoryID), g.Name, g.Description, micros(g.CreatedAt), micros(g.UpdatedAt))
	g.Version = 1
	return c.groupConflict(err, g.Name)
}

// Group returns one group with its member count.
func (c *Conn) Group(ctx context.Context, orgID, id string) (*directory.Group, error) {
	g, err := scanGroup(c.queryRow(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.org_id = ? AND g.id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("group")
	}
	return g, err
}

// Groups lists the groups of an organization by name; categoryID, when
// set, keeps that category's.
func (c *Conn) Groups(ctx context.Context, orgID, categoryID string) ([]*directory.Group, error) {
	q := `SELECT ` + groupColumns + ` FROM groups g WHERE g.org_id = ?`
	args := []any{orgID}
	if categoryID != "" {
		q += ` AND g.category_id = ?`
		args = append(args, categoryID)
	}
	rows, err := c.query(ctx, q+` ORDER BY g.name, g.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// UpdateGroup saves the name, description and category of g.
func (c *Conn) UpdateGroup(ctx context.Context, g *directory.Group, expectVersion int64) error {
	res, err := c.exec(ctx, `UPDATE groups SET name = ?, description = ?, category_id = ?, updated_at = ?, version = version + 1
		WHERE org_id = ? AND id = ? AND version = ?`, g.Name, g.Description, nullable(g.CategoryID), micros(g.UpdatedAt),
		g.OrgID, g.ID, expectVersion)
	if err != nil {
		return c.groupConflict(err, g.Name)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.Errorf(directory.KindPrecondition, "the group was changed by someone else; reload and try again")
	}
	g.Version = expectVersion + 1
	return nil
}

// DeleteGroup removes a group and its memberships (not the members).
func (c *Conn) DeleteGroup(ctx context.Context, orgID, id string) error {
	if _, err := c.exec(ctx, `DELETE FROM group_members WHERE org_id = ? AND group_id = ?`, orgID, id); err != nil {
		return err
	}
	_, err := c.exec(ctx, `DELETE FROM groups WHERE org_id = ? AND id = ?`, orgID, id)
	return err
}

// AddGroupMember adds a user to a group; it reports false when the user
// was already a member.
func (c *Conn) AddGroupMember(ctx context.Context, orgID, groupID, userID, by string, at int64) (bool, error) {
	res, err := c.exec(ctx, `INSERT INTO group_members (group_id, user_id, org_id, added_by, added_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (group_id, user_id) DO NOTHING`, groupID, userID, orgID, by, at)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveGroupMember removes a user from a group; it reports whether they were in it.
func (c *Conn) RemoveGroupMember(ctx context.Context, orgID, groupID, userID string) (bool, error) {
	res, err := c.exec(ctx, `DELETE FROM group_members WHERE org_id = ? AND group_id = ? AND user_id = ?`, orgID, groupID, userID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// GroupMemberIDs lists the ids of a group's members.
func (c *Conn) GroupMemberIDs(ctx context.Context, orgID, groupID string) ([]string, error) {
	return c.ids(ctx, `SELECT user_id FROM group_members WHERE org_id = ? AND group_id = ? ORDER BY added_at, user_id`, orgID, groupID)
}

// UserGroupIDs lists the ids of the groups a user is in.
func (c *Conn) UserGroupIDs(ctx context.Context, orgID, userID string) ([]string, error) {
	return c.ids(ctx, `SELECT group_id FROM group_members WHERE org_id = ? AND user_id = ? ORDER BY group_id`, orgID, userID)
}

func (c *Conn) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// GroupMemberCounts counts the members outside the recycle bin of the
// groups of an organization (only groupID's when it is not ""), by group
// id; groups without such members are absent. scope, when not nil, counts
// only the members it lets see.
func (c *Conn) GroupMemberCounts(ctx context.Context, orgID, groupID string, scope *UserScope) (map[string]int, error) {
	q := `SELECT m.group_id, COUNT(*) FROM group_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND u.deleted_at = 0`
	args := []any{orgID}
	if groupID != "" {
		q += ` AND m.group_id = ?`
		args = append(args, groupID)
	}
	if scope != nil {
		cond, cargs := scopeCondition(scope)
		q += ` AND ` + cond
		args = append(args, cargs...)
	}
	rows, err := c.query(ctx, q+` GROUP BY m.group_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// HiddenGroupMembers counts the members of a group, in the recycle bin or
// not, that scope does not let see (none when scope is nil).
func (c *Conn) HiddenGroupMembers(ctx context.Context, orgID, groupID string, scope *UserScope) (int, error) {
	if scope == nil {
		return 0, nil
	}
	cond, args := scopeCondition(scope)
	// NOT EXISTS rather than NOT (cond): cond may be NULL (a NULL
	// supervisor_id compared), and NOT NULL would hide the row.
	var n int
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM group_members m WHERE m.org_id = ? AND m.group_id = ?
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND `+cond+`)`,
		append([]any{orgID, groupID}, args...)...).Scan(&n)
	return n, err
}
