package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"time"

	"roster/internal/directory"
)

// This file holds the reads of exports: a user list walked page after page
// without counting, and the batch lookups that fill in a page's columns
// with one query per kind of value, whatever the page's size.

// ExportReader returns a connection of its own for reading the pages of a
// large export, and the function that gives it up; call it when done
// (more than once does no harm).
//
// On SQLite the connection reads the database file with plain reads rather
// than through the memory map the other connections use: an export walks
// through most of the file, and every mapped page it touched would stay
// counted in the process's resident memory (a million users made it over a
// gigabyte, where the export itself needs some 70 MB). The connection is
// then closed rather than returned to the pool, so that the others keep
// their mapping.
func (db *DB) ExportReader(ctx context.Context) (*Conn, func(), error) {
	sc, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if db.d.engine == SQLite {
		if _, err := sc.ExecContext(ctx, `PRAGMA mmap_size = 0`); err != nil {
			_ = sc.Close()
			return nil, nil, err
		}
	}
	release := sync.OnceFunc(func() {
		if db.d.engine == SQLite {
			// database/sql discards a connection whose Raw answers ErrBadConn.
			_ = sc.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = sc.Close()
	})
	return &Conn{q: sc, d: db.d}, release, nil
}

// exportColumns are the columns of users an export writes: fewer than a
// full read, because on SQLite every column read costs on every row.
const exportColumns = `u.id, u.username, u.email, u.first_name, u.last_name, u.display_name, u.phone,
	u.job_title, u.position, u.external_id, u.address_street, u.address_locality, u.address_region,
	u.address_postal_code, u.address_country, COALESCE(u.supervisor_id, ''), COALESCE(u.department_id, ''),
	COALESCE(u.location_id, ''), u.license, u.expires_at, u.status, u.locked_at, u.last_sign_in_at, u.created_at`

// UsersForExport returns up to f.Limit users that match f, after f.After
// in f's order, and the cursor of the next page (nil after the last). The
// users carry what an export writes: the profile (without custom fields),
// the status, when they were locked, created and last signed in; the
// other fields are zero.
//
// Unlike ListUsers it neither counts the matches nor materializes a
// search's matches first: an export reads every page, so walking the sort
// index and testing each row costs the size of the list once in all,
// where counting on every page would cost it once per page.
func (c *Conn) UsersForExport(ctx context.Context, orgID string, f UserFilter) ([]*directory.User, *Cursor, error) {
	if f.Sort == "" {
		f.Sort = SortLastName
	}
	sc, ok := sortColumns[f.Sort]
	if !ok {
		return nil, nil, fmt.Errorf("unknown sort %q", f.Sort)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Now.IsZero() {
		f.Now = time.Now()
	}
	where, args, ok := c.userWhere(orgID, &f)
	if !ok {
		return nil, nil, nil
	}
	dir, cmp := "ASC", ">"
	if f.Desc {
		dir, cmp = "DESC", "<"
	}
	if f.After != nil {
		where = append(where, "("+sc.col+", u.id) "+cmp+" (?, ?)")
		if sc.numeric {
			args = append(args, f.After.Num, f.After.ID)
		} else {
			args = append(args, f.After.Text, f.After.ID)
		}
	}
	args = append(args, f.Limit+1)
	rows, err := c.query(ctx, `SELECT `+exportColumns+` FROM users u WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+sc.col+` `+dir+`, u.id `+dir+` LIMIT ?`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	users := make([]*directory.User, 0, f.Limit)
	for rows.Next() {
		if len(users) == f.Limit {
			return users, cursorFor(users[len(users)-1], f.Sort), nil
		}
		var u directory.User
		var license, status string
		var expires, locked, last, created int64
		if err := rows.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.DisplayName, &u.Phone,
			&u.JobTitle, &u.Position, &u.ExternalID, &u.Address.Street, &u.Address.Locality, &u.Address.Region,
			&u.Address.PostalCode, &u.Address.Country, &u.SupervisorID, &u.DepartmentID,
			&u.LocationID, &license, &expires, &status, &locked, &last, &created); err != nil {
			return nil, nil, err
		}
		u.OrgID, u.License, u.Status = orgID, directory.License(license), directory.Status(status)
		u.ExpiresAt, u.LockedAt, u.LastSignInAt, u.CreatedAt = fromMicros(expires), fromMicros(locked), fromMicros(last), fromMicros(created)
		users = append(users, &u)
	}
	return users, nil, rows.Err()
}

// inList returns the placeholders of n values, "?, ?, ?".
func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// idArgs returns first followed by ids, as query arguments.
func idArgs(first string, ids []string) []any {
	args := make([]any, 0, len(ids)+1)
	args = append(args, first)
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// PrimaryGrant is the grant an export names for a user: the current grant
// whose role has the highest level. UnitCode and UnitName are empty for an
// organization-wide grant.
type PrimaryGrant struct {
	RoleName string
	UnitCode string
	UnitName string
}

// PrimaryGrantsOf returns the primary grant of each of the given users
// that holds a grant current at now (started, and not ended). Ties of
// level go to the role name, then the unit name, in alphabetical order.
func (c *Conn) PrimaryGrantsOf(ctx context.Context, orgID string, userIDs []string, now time.Time) (map[string]PrimaryGrant, error) {
	out := map[string]PrimaryGrant{}
	if len(userIDs) == 0 {
		return out, nil
	}
	t := micros(now)
	args := append(idArgs(orgID, userIDs), t, t)
	rows, err := c.query(ctx, `SELECT g.user_id, r.name, COALESCE(un.code, ''), COALESCE(un.name, '')
		FROM grants g JOIN roles r ON r.id = g.role_id LEFT JOIN units un ON un.id = g.unit_id
		WHERE g.org_id = ? AND g.user_id IN (`+inList(len(userIDs))+`)
		AND g.starts_at <= ? AND (g.expires_at = 0 OR g.expires_at > ?)
		ORDER BY g.user_id, r.level DESC, r.name, COALESCE(un.name, ''), g.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var g PrimaryGrant
		if err := rows.Scan(&id, &g.RoleName, &g.UnitCode, &g.UnitName); err != nil {
			return nil, err
		}
		if _, seen := out[id]; !seen {
			out[id] = g
		}
	}
	return out, rows.Err()
}

// GroupNamesOf returns the names of the groups each of the given users
// belongs to, in alphabetical order. Users in no group are not in the
// answer.
func (c *Conn) GroupNamesOf(ctx context.Context, orgID string, userIDs []string) (map[string][]string, error) {
	groups, err := c.GroupsOf(ctx, orgID, userIDs)
	out := make(map[string][]string, len(groups))
	for id, gs := range groups {
		for _, g := range gs {
			out[id] = append(out[id], g.Name)
		}
	}
	return out, err
}

// GroupsOf returns the groups each of the given users belongs to, by name.
// Users in no group are not in the answer.
func (c *Conn) GroupsOf(ctx context.Context, orgID string, userIDs []string) (map[string][]Ref, error) {
	out := map[string][]Ref{}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, `SELECT m.user_id, g.id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE m.org_id = ? AND m.user_id IN (`+inList(len(userIDs))+`) ORDER BY m.user_id, g.name`,
		idArgs(orgID, userIDs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var g Ref
		if err := rows.Scan(&id, &g.ID, &g.Name); err != nil {
			return nil, err
		}
		out[id] = append(out[id], g)
	}
	return out, rows.Err()
}

// FieldValuesOf returns the custom field values of the given users, by
// user id and then by field key. Users without a value are not in the
// answer.
func (c *Conn) FieldValuesOf(ctx context.Context, orgID string, userIDs []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, `SELECT v.user_id, f.key, v.value FROM user_field_values v
		JOIN custom_fields f ON f.id = v.field_id
		WHERE v.org_id = ? AND v.user_id IN (`+inList(len(userIDs))+`)`, idArgs(orgID, userIDs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, key, value string
		if err := rows.Scan(&id, &key, &value); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[string]string{}
		}
		out[id][key] = value
	}
	return out, rows.Err()
}

// UsernamesOf returns the username of each of the given users of the
// organization, by id; unknown ids are not in the answer.
func (c *Conn) UsernamesOf(ctx context.Context, orgID string, ids []string) (map[string]string, error) {
	return c.labels(ctx, `SELECT id, username FROM users WHERE org_id = ? AND id IN (`+inList(len(ids))+`)`, orgID, ids)
}

// LiveUserIDs returns which of the given users exist outside the recycle
// bin, each mapped to its user name.
func (c *Conn) LiveUserIDs(ctx context.Context, orgID string, ids []string) (map[string]string, error) {
	return c.labels(ctx, `SELECT id, username FROM users WHERE org_id = ? AND deleted_at = 0 AND id IN (`+inList(len(ids))+`)`, orgID, ids)
}

// UnitLabelsOf returns how an export names each of the given units: its
// code, or its name when it has none. Unknown ids are not in the answer.
func (c *Conn) UnitLabelsOf(ctx context.Context, orgID string, ids []string) (map[string]string, error) {
	return c.labels(ctx, `SELECT id, CASE WHEN code <> '' THEN code ELSE name END FROM units
		WHERE org_id = ? AND id IN (`+inList(len(ids))+`)`, orgID, ids)
}

// labels runs q, which reads an id and a text for the ids, into a map.
func (c *Conn) labels(ctx context.Context, q, orgID string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, q, idArgs(orgID, ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, label string
		if err := rows.Scan(&id, &label); err != nil {
			return nil, err
		}
		out[id] = label
	}
	return out, rows.Err()
}

// RelationshipFilter selects relationships for an export, in the order
// they were made.
type RelationshipFilter struct {
	Kind string // a kind key; "" = every kind
	// Scope, when not nil, keeps only the relationships whose two users it
	// lets an actor see.
	Scope *UserScope
	After string // the id of the last relationship of the previous page
	Limit int
}

// RelationshipRow is one relationship with what an export writes of its
// two users: the first ("from") user is the parent, supervisor or other
// holder of the kind's label, the second ("to") user the student or team
// member.
type RelationshipRow struct {
	ID             string
	Kind           string
	FromUsername   string
	FromExternalID string
	ToUsername     string
	ToExternalID   string
}

// RelationshipsAfter returns up to f.Limit relationships of the
// organization after f.After, leaving out those of a user in the recycle
// bin. The last row's ID is the next page's After.
func (c *Conn) RelationshipsAfter(ctx context.Context, orgID string, f RelationshipFilter) ([]RelationshipRow, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	where := []string{"r.org_id = ?", "fu.deleted_at = 0", "tu.deleted_at = 0"}
	args := []any{orgID}
	if f.Kind != "" {
		where = append(where, "r.kind = ?")
		args = append(args, f.Kind)
	}
	if f.After != "" {
		where = append(where, "r.id > ?")
		args = append(args, f.After)
	}
	if f.Scope != nil {
		cond, cargs := scopeCondition(f.Scope)
		for _, col := range []string{"r.from_user_id", "r.to_user_id"} {
			where = append(where, `EXISTS (SELECT 1 FROM users u WHERE u.id = `+col+` AND `+cond+`)`)
			args = append(args, cargs...)
		}
	}
	args = append(args, f.Limit)
	rows, err := c.query(ctx, `SELECT r.id, r.kind, fu.username, fu.external_id, tu.username, tu.external_id
		FROM relationships r JOIN users fu ON fu.id = r.from_user_id JOIN users tu ON tu.id = r.to_user_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY r.id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RelationshipRow
	for rows.Next() {
		var r RelationshipRow
		if err := rows.Scan(&r.ID, &r.Kind, &r.FromUsername, &r.FromExternalID, &r.ToUsername, &r.ToExternalID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
