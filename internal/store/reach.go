package store

import (
	"context"
	"strings"
	"time"

	"roster/internal/directory"
)

// This file answers the questions of resource access with joins, so that
// nobody loads every user or every resource of a large organization to
// answer them: pages of resources (all, or those a user reaches) and pages
// of the users who reach one resource.

// GrantDetail is a grant with what the access decision needs of its role
// and unit.
type GrantDetail struct {
	directory.Grant
	RoleKey     string
	RoleName    string
	RoleLevel   int
	Permissions []directory.Permission
	UnitPath    string // "" for an organization-wide grant
	UnitName    string
}

// Holds reports whether the grant's role holds p; the owner role holds
// every permission.
func (g *GrantDetail) Holds(p directory.Permission) bool {
	if g.RoleKey == directory.OwnerRoleKey {
		return true
	}
	for _, q := range g.Permissions {
		if q == p {
			return true
		}
	}
	return false
}

// Covers reports whether the grant's scope covers a resource whose unit has
// the given path ("" = a resource of the whole organization, covered only
// by organization-wide grants).
func (g *GrantDetail) Covers(resourceUnitPath string) bool {
	if g.UnitID == "" {
		return true
	}
	return resourceUnitPath != "" && g.UnitPath != "" && strings.HasPrefix(resourceUnitPath, g.UnitPath)
}

// GrantDetails lists the grants of the given users, oldest first, with
// their roles and units.
func (c *Conn) GrantDetails(ctx context.Context, orgID string, userIDs []string) ([]*GrantDetail, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	args := []any{orgID}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT `+grantColumns+`, ro.key, ro.name, ro.level, ro.permissions, COALESCE(un.path, ''), COALESCE(un.name, '')
		FROM grants g JOIN roles ro ON ro.id = g.role_id LEFT JOIN units un ON un.id = g.unit_id
		WHERE g.org_id = ? AND g.user_id IN (`+placeholders(len(userIDs))+`) ORDER BY g.created_at, g.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*GrantDetail
	for rows.Next() {
		var d GrantDetail
		var perms string
		g, err := scanGrant(scanFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &d.RoleKey, &d.RoleName, &d.RoleLevel, &perms, &d.UnitPath, &d.UnitName)...)
		}))
		if err != nil {
			return nil, err
		}
		d.Grant = *g
		for _, p := range strings.Fields(perms) {
			d.Permissions = append(d.Permissions, directory.Permission(p))
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

// scanFunc lets a function stand in for a row.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// ResourceSet describes a set of resources: every resource (All), or those
// whose unit lies under one of Paths, those without a unit (Unitless), and
// those assigned to a user (AssignedTo). Empty fields add nothing.
type ResourceSet struct {
	All        bool
	Paths      []string
	Unitless   bool
	AssignedTo string
}

// condition is the SQL of the set over resources r joined to their unit un,
// bound parameters only; ok is false when the set is empty.
func (s *ResourceSet) condition() (cond string, args []any, ok bool) {
	if s.All {
		return "", nil, true
	}
	var ors []string
	for _, p := range s.Paths {
		ors = append(ors, `un.path LIKE ? ESCAPE '\'`)
		args = append(args, likeEscape(p)+"%")
	}
	if s.Unitless {
		ors = append(ors, "r.unit_id IS NULL")
	}
	if s.AssignedTo != "" {
		ors = append(ors, "r.id IN (SELECT rg.resource_id FROM resource_grants rg WHERE rg.user_id = ?)")
		args = append(args, s.AssignedTo)
	}
	if len(ors) == 0 {
		return "", nil, false
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, true
}

// ResourceCursor is the position after the last resource of a page.
type ResourceCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// ResourceQuery selects a page of resources by name. The zero value lists
// the first 50 unarchived resources.
type ResourceQuery struct {
	Kind            string
	UnitID          string
	Q               string // part of the name or external id
	IncludeArchived bool
	// View, when not nil, keeps only the resources an actor may see.
	View *ResourceSet
	// Reach, when not nil, keeps only the resources a user reaches.
	Reach *ResourceSet

	Limit int
	After *ResourceCursor
}

// ResourceRow is a resource with the path and name of its unit ("" for a
// resource of the whole organization).
type ResourceRow struct {
	*directory.Resource
	UnitPath string
	UnitName string
}

// ResourcePage is one page of resources.
type ResourcePage struct {
	Rows  []*ResourceRow
	Next  *ResourceCursor // nil on the last page
	Total int
}

// ResourcePage returns one page of the resources that match q, by name, and
// how many match in all.
func (c *Conn) ResourcePage(ctx context.Context, orgID string, q ResourceQuery) (*ResourcePage, error) {
	where := []string{"r.org_id = ?"}
	args := []any{orgID}
	if q.Kind != "" {
		where = append(where, "r.kind = ?")
		args = append(args, q.Kind)
	}
	if q.UnitID != "" {
		where = append(where, "r.unit_id = ?")
		args = append(args, q.UnitID)
	}
	if q.Q != "" {
		where = append(where, `(LOWER(r.name) LIKE ? ESCAPE '\' OR LOWER(r.external_id) LIKE ? ESCAPE '\')`)
		pat := "%" + likeEscape(strings.ToLower(q.Q)) + "%"
		args = append(args, pat, pat)
	}
	if !q.IncludeArchived {
		where = append(where, "r.archived_at = 0")
	}
	for _, set := range []*ResourceSet{q.View, q.Reach} {
		if set == nil {
			continue
		}
		cond, cargs, ok := set.condition()
		if !ok {
			return &ResourcePage{}, nil
		}
		if cond != "" {
			where = append(where, cond)
			args = append(args, cargs...)
		}
	}
	from := ` FROM resources r LEFT JOIN units un ON un.id = r.unit_id WHERE `
	page := &ResourcePage{}
	if err := c.queryRow(ctx, `SELECT COUNT(*)`+from+strings.Join(where, " AND "), args...).Scan(&page.Total); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.After != nil {
		where = append(where, "(r.name, r.id) > (?, ?)")
		args = append(args, q.After.Name, q.After.ID)
	}
	args = append(args, q.Limit+1)
	rows, err := c.query(ctx, `SELECT `+resourceColumns+`, COALESCE(un.path, ''), COALESCE(un.name, '')`+from+
		strings.Join(where, " AND ")+` ORDER BY r.name, r.id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var row ResourceRow
		r, err := scanResource(scanFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &row.UnitPath, &row.UnitName)...)
		}))
		if err != nil {
			return nil, err
		}
		row.Resource = r
		if len(page.Rows) == q.Limit {
			last := page.Rows[len(page.Rows)-1]
			page.Next = &ResourceCursor{Name: last.Name, ID: last.ID}
			break
		}
		page.Rows = append(page.Rows, &row)
	}
	return page, rows.Err()
}

// AssignmentsOf lists the assignments of the given users to the given
// resources, oldest first.
func (c *Conn) AssignmentsOf(ctx context.Context, orgID string, userIDs, resourceIDs []string) ([]*directory.ResourceGrant, error) {
	if len(userIDs) == 0 || len(resourceIDs) == 0 {
		return nil, nil
	}
	args := []any{orgID}
	for _, id := range userIDs {
		args = append(args, id)
	}
	for _, id := range resourceIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT `+resourceGrantColumns+` FROM resource_grants WHERE org_id = ?
		AND user_id IN (`+placeholders(len(userIDs))+`) AND resource_id IN (`+placeholders(len(resourceIDs))+`)
		ORDER BY created_at, id`, args...)
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

// ReachQuery selects a page of the users who reach one resource: those
// assigned to it, and those holding a current grant whose role has
// resources.all_in_scope over a scope that covers it.
type ReachQuery struct {
	ResourceID string
	// UnitIDs are the resource's unit and every unit above it (empty for a
	// resource of the whole organization): a grant on one of them, or an
	// organization-wide grant, covers the resource.
	UnitIDs []string
	Now     time.Time
	// Scope, when not nil, keeps only the users a scoped actor may see.
	Scope *UserScope

	Limit int
	After *Cursor // by last name
}

// allInScopePattern matches, with ESCAPE '\', a role's permission text
// (padded with a space each side) that holds resources.all_in_scope.
const allInScopePattern = `% resources.all\_in\_scope %`

// ReachingUsers returns one page of the users outside the recycle bin who
// reach a resource, by last name, and how many there are in all.
func (c *Conn) ReachingUsers(ctx context.Context, orgID string, q ReachQuery) (*UserPage, error) {
	now := micros(q.Now)
	grantScope := "g.unit_id IS NULL"
	args := []any{orgID, orgID, q.ResourceID, orgID, now, now, directory.OwnerRoleKey, allInScopePattern}
	if len(q.UnitIDs) > 0 {
		grantScope = "(g.unit_id IS NULL OR g.unit_id IN (" + placeholders(len(q.UnitIDs)) + "))"
		for _, id := range q.UnitIDs {
			args = append(args, id)
		}
	}
	where := []string{"u.org_id = ?", "u.deleted_at = 0", `u.id IN (
		SELECT rg.user_id FROM resource_grants rg WHERE rg.org_id = ? AND rg.resource_id = ?
		UNION
		SELECT g.user_id FROM grants g JOIN roles ro ON ro.id = g.role_id
		WHERE g.org_id = ? AND g.starts_at <= ? AND (g.expires_at = 0 OR g.expires_at > ?)
		AND (ro.key = ? OR (' ' || ro.permissions || ' ') LIKE ? ESCAPE '\') AND ` + grantScope + `)`}
	if q.Scope != nil {
		cond, cargs := scopeCondition(q.Scope)
		where = append(where, cond)
		args = append(args, cargs...)
	}
	page := &UserPage{}
	if err := c.queryRow(ctx, `SELECT COUNT(*) FROM users u WHERE `+strings.Join(where, " AND "), args...).Scan(&page.Total); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.After != nil {
		where = append(where, "(u.last_name, u.id) > (?, ?)")
		args = append(args, q.After.Text, q.After.ID)
	}
	args = append(args, q.Limit+1)
	rows, err := c.query(ctx, `SELECT `+userColumns+` FROM users u WHERE `+strings.Join(where, " AND ")+
		` ORDER BY u.last_name, u.id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		if len(page.Users) == q.Limit {
			page.Next = cursorFor(page.Users[len(page.Users)-1], SortLastName)
			break
		}
		page.Users = append(page.Users, u)
	}
	return page, rows.Err()
}
