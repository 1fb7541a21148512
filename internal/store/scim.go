package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"roster/internal/directory"
)

// SaveProvisioning inserts or replaces what SCIM says about a user.
func (c *Conn) SaveProvisioning(ctx context.Context, orgID string, p *directory.Provisioning) error {
	extra := "{}"
	if len(p.Extra) > 0 {
		b, err := json.Marshal(p.Extra)
		if err != nil {
			return err
		}
		extra = string(b)
	}
	_, err := c.exec(ctx, `INSERT INTO scim_users (user_id, org_id, token_id, email_type, phone_type, address_type, extra, linked, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET email_type = excluded.email_type, phone_type = excluded.phone_type,
			address_type = excluded.address_type, extra = excluded.extra`,
		p.UserID, orgID, p.TokenID, p.EmailType, p.PhoneType, p.AddressType, extra, boolInt(p.Linked), micros(p.CreatedAt))
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Provisioning returns what SCIM says about a user; KindNotFound when the
// user is not provisioned.
func (c *Conn) Provisioning(ctx context.Context, orgID, userID string) (*directory.Provisioning, error) {
	var p directory.Provisioning
	var extra string
	var linked int
	var created int64
	err := c.queryRow(ctx, `SELECT user_id, token_id, email_type, phone_type, address_type, extra, linked, created_at
		FROM scim_users WHERE org_id = ? AND user_id = ?`, orgID, userID).
		Scan(&p.UserID, &p.TokenID, &p.EmailType, &p.PhoneType, &p.AddressType, &extra, &linked, &created)
	if isNoRows(err) {
		return nil, directory.NotFound("user")
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(extra), &p.Extra); err != nil {
		return nil, fmt.Errorf("provisioning of %s: %w", userID, err)
	}
	p.Linked, p.CreatedAt = linked != 0, fromMicros(created)
	return &p, nil
}

// IsProvisioned reports whether a SCIM client manages a user.
func (c *Conn) IsProvisioned(ctx context.Context, userID string) (bool, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM scim_users WHERE user_id = ?`, userID).Scan(&n)
	return n > 0, err
}

// ProvisionedQuery selects provisioned users or groups for SCIM: a
// condition, the scope of the actor, an order and a window by position.
type ProvisionedQuery struct {
	Cond   *Cond
	Scope  *UserScope // users only; nil = the whole organization
	Sort   UserSort   // users only; "" = by creation
	Desc   bool
	Offset int
	Limit  int // 0 counts without reading any row
}

// ProvisionedUsers returns the provisioned users outside the recycle bin
// that match q, in q's window, and how many match in all.
func (c *Conn) ProvisionedUsers(ctx context.Context, orgID string, q ProvisionedQuery) ([]*directory.User, int, error) {
	w, args, err := c.provisionedWhere(orgID, &q)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := c.queryRow(ctx, `SELECT COUNT(*) FROM users u WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 || q.Offset >= total {
		return nil, total, nil
	}
	if q.Sort == "" {
		q.Sort = SortCreated
	}
	sc, ok := sortColumns[q.Sort]
	if !ok {
		return nil, 0, fmt.Errorf("unknown sort %q", q.Sort)
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	rows, err := c.query(ctx, `SELECT `+userColumns+` FROM users u WHERE `+w+` ORDER BY `+sc.col+` `+dir+`, u.id `+dir+
		` LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*directory.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		u.Provisioned = true
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// provisionedWhere is the condition of ProvisionedUsers.
func (c *Conn) provisionedWhere(orgID string, q *ProvisionedQuery) (string, []any, error) {
	where := []string{"u.org_id = ?", "u.deleted_at = 0", "EXISTS (SELECT 1 FROM scim_users s WHERE s.user_id = u.id)"}
	args := []any{orgID}
	if q.Cond != nil {
		cond, cargs, err := c.d.compileCond(q.Cond, userCondFields)
		if err != nil {
			return "", nil, err
		}
		where = append(where, cond)
		args = append(args, cargs...)
	}
	if q.Scope != nil {
		cond, cargs := scopeCondition(q.Scope)
		where = append(where, cond)
		args = append(args, cargs...)
	}
	return strings.Join(where, " AND "), args, nil
}

// MarkGroupProvisioned marks a group as a SCIM client's, with its
// externalId; an externalId another provisioned group holds is a conflict.
func (c *Conn) MarkGroupProvisioned(ctx context.Context, orgID string, g *directory.ProvisionedGroup, at int64) error {
	_, err := c.exec(ctx, `INSERT INTO scim_groups (group_id, org_id, external_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (group_id) DO UPDATE SET external_id = excluded.external_id`, g.GroupID, orgID, g.ExternalID, at)
	if _, dup := c.d.uniqueViolation(err); dup {
		return &directory.Error{Kind: directory.KindConflict, Message: "another group has the external id " + g.ExternalID,
			Fields: []directory.FieldError{{Field: "externalId", Message: "is already used by another group"}}}
	}
	return err
}

// ProvisionedGroup returns the SCIM mark of a group; KindNotFound when the
// group is not provisioned.
func (c *Conn) ProvisionedGroup(ctx context.Context, orgID, groupID string) (*directory.ProvisionedGroup, error) {
	g := directory.ProvisionedGroup{GroupID: groupID}
	err := c.queryRow(ctx, `SELECT external_id FROM scim_groups WHERE org_id = ? AND group_id = ?`, orgID, groupID).Scan(&g.ExternalID)
	if isNoRows(err) {
		return nil, directory.NotFound("group")
	}
	return &g, err
}

// ProvisionedGroups returns the provisioned groups that match q (by name,
// or by creation when q.Sort is SortCreated), with their external ids by
// group id, and how many match in all.
func (c *Conn) ProvisionedGroups(ctx context.Context, orgID string, q ProvisionedQuery) ([]*directory.Group, map[string]string, int, error) {
	where := []string{"g.org_id = ?"}
	args := []any{orgID}
	if q.Cond != nil {
		cond, cargs, err := c.d.compileCond(q.Cond, groupCondFields)
		if err != nil {
			return nil, nil, 0, err
		}
		where = append(where, cond)
		args = append(args, cargs...)
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := c.queryRow(ctx, `SELECT COUNT(*) FROM groups g JOIN scim_groups sg ON sg.group_id = g.id WHERE `+w, args...).Scan(&total); err != nil {
		return nil, nil, 0, err
	}
	if q.Limit <= 0 || q.Offset >= total {
		return nil, nil, total, nil
	}
	order := "g.name"
	if q.Sort == SortCreated {
		order = "g.created_at"
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	rows, err := c.query(ctx, `SELECT `+groupColumns+`, sg.external_id FROM groups g JOIN scim_groups sg ON sg.group_id = g.id WHERE `+w+
		` ORDER BY `+order+` `+dir+`, g.id `+dir+` LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, nil, 0, err
	}
	defer rows.Close()
	var out []*directory.Group
	ext := map[string]string{}
	for rows.Next() {
		var e string
		g, err := scanGroup(withExtra{rows, &e})
		if err != nil {
			return nil, nil, 0, err
		}
		ext[g.ID] = e
		out = append(out, g)
	}
	return out, ext, total, rows.Err()
}

// withExtra scans a row with one more column than scan expects into extra.
type withExtra struct {
	rows  interface{ Scan(...any) error }
	extra any
}

func (w withExtra) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra)...) }

// UnitIDByName returns the id of the live unit whose name is name, in any
// case (the one nearest the top when several are); "" when there is none.
func (c *Conn) UnitIDByName(ctx context.Context, orgID, name string) (string, error) {
	var id string
	err := c.queryRow(ctx, `SELECT id FROM units WHERE org_id = ? AND LOWER(name) = LOWER(CAST(? AS TEXT)) AND archived_at = 0
		ORDER BY LENGTH(path), path LIMIT 1`, orgID, name).Scan(&id)
	if isNoRows(err) {
		return "", nil
	}
	return id, err
}

// TouchGroup records that a group changed (its members did): a new
// version and modification time.
func (c *Conn) TouchGroup(ctx context.Context, orgID, id string, at int64) error {
	_, err := c.exec(ctx, `UPDATE groups SET version = version + 1, updated_at = ? WHERE org_id = ? AND id = ?`, at, orgID, id)
	return err
}

// Ref names a user or a group: its id and how it is shown.
type Ref struct {
	ID   string
	Name string
}

// GroupMemberRefs lists the members of a group outside the recycle bin,
// with their names, those the scope lets see only (all when nil).
func (c *Conn) GroupMemberRefs(ctx context.Context, orgID, groupID string, scope *UserScope) ([]Ref, error) {
	q := `SELECT u.id, u.display_name, u.first_name, u.last_name, u.username FROM group_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.group_id = ? AND u.deleted_at = 0`
	args := []any{orgID, groupID}
	if scope != nil {
		cond, cargs := scopeCondition(scope)
		q += " AND " + cond
		args = append(args, cargs...)
	}
	rows, err := c.query(ctx, q+` ORDER BY m.added_at, u.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Ref
	for rows.Next() {
		var u directory.User
		if err := rows.Scan(&u.ID, &u.DisplayName, &u.FirstName, &u.LastName, &u.Username); err != nil {
			return nil, err
		}
		out = append(out, Ref{ID: u.ID, Name: u.Name()})
	}
	return out, rows.Err()
}
