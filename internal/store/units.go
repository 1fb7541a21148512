package store

import (
	"context"
	"strings"

	"roster/internal/directory"
)

const unitColumns = `id, org_id, COALESCE(parent_id, ''), path, kind, name, code, archived_at, created_at, updated_at, version`

func scanUnit(row interface{ Scan(...any) error }) (*directory.Unit, error) {
	var u directory.Unit
	var archived, created, updated int64
	if err := row.Scan(&u.ID, &u.OrgID, &u.ParentID, &u.Path, &u.Kind, &u.Name, &u.Code,
		&archived, &created, &updated, &u.Version); err != nil {
		return nil, err
	}
	u.ArchivedAt, u.CreatedAt, u.UpdatedAt = fromMicros(archived), fromMicros(created), fromMicros(updated)
	return &u, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (c *Conn) unitConflict(err error, u *directory.Unit) error {
	if _, dup := c.d.uniqueViolation(err); dup {
		return &directory.Error{Kind: directory.KindConflict, Message: "another unit already has this code",
			Fields: []directory.FieldError{{Field: "code", Message: "is already used by another unit"}}}
	}
	return err
}

// CreateUnit inserts u. A code already used in the organization is a conflict.
func (c *Conn) CreateUnit(ctx context.Context, u *directory.Unit) error {
	_, err := c.exec(ctx, `INSERT INTO units (id, org_id, parent_id, path, kind, name, code, archived_at, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?)`,
		u.ID, u.OrgID, nullable(u.ParentID), u.Path, u.Kind, u.Name, u.Code, micros(u.CreatedAt), micros(u.UpdatedAt))
	return c.unitConflict(err, u)
}

// Unit returns the unit of the organization with the given id.
func (c *Conn) Unit(ctx context.Context, orgID, id string) (*directory.Unit, error) {
	u, err := scanUnit(c.queryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE org_id = ? AND id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("unit")
	}
	return u, err
}

// UnitFilter selects units.
type UnitFilter struct {
	ParentID        string // only the children of this unit
	RootsOnly       bool
	Kind            string
	Q               string // a substring of the name or code
	IncludeArchived bool
}

// Units lists the units of an organization by path, so that a parent comes
// before its children.
func (c *Conn) Units(ctx context.Context, orgID string, f UnitFilter) ([]*directory.Unit, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if f.ParentID != "" {
		where = append(where, "parent_id = ?")
		args = append(args, f.ParentID)
	} else if f.RootsOnly {
		where = append(where, "parent_id IS NULL")
	}
	if f.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, f.Kind)
	}
	if f.Q != "" {
		where = append(where, "(LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(code) LIKE ? ESCAPE '\\')")
		pat := "%" + likeEscape(strings.ToLower(f.Q)) + "%"
		args = append(args, pat, pat)
	}
	if !f.IncludeArchived {
		where = append(where, "archived_at = 0")
	}
	rows, err := c.query(ctx, `SELECT `+unitColumns+` FROM units WHERE `+strings.Join(where, " AND ")+` ORDER BY path`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// UpdateUnit saves the name, code, kind and archive time of u if its version
// is still expectVersion (0 = any), and bumps the version.
func (c *Conn) UpdateUnit(ctx context.Context, u *directory.Unit, expectVersion int64) error {
	res, err := c.exec(ctx, `UPDATE units SET name = ?, code = ?, kind = ?, archived_at = ?, updated_at = ?, version = version + 1
		WHERE org_id = ? AND id = ? AND (? = 0 OR version = ?)`,
		u.Name, u.Code, u.Kind, micros(u.ArchivedAt), micros(u.UpdatedAt), u.OrgID, u.ID, expectVersion, expectVersion)
	if err != nil {
		return c.unitConflict(err, u)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.Errorf(directory.KindPrecondition, "the unit was changed by someone else; reload it and try again")
	}
	u.Version++
	return nil
}

// MoveUnit puts the unit under newParentID ("" = root) and rewrites the
// paths of the unit and its whole subtree. The caller checks for cycles.
func (c *Conn) MoveUnit(ctx context.Context, u *directory.Unit, newParentID, newPath string, expectVersion int64) error {
	res, err := c.exec(ctx, `UPDATE units SET parent_id = ?, updated_at = ?, version = version + 1
		WHERE org_id = ? AND id = ? AND (? = 0 OR version = ?)`,
		nullable(newParentID), micros(u.UpdatedAt), u.OrgID, u.ID, expectVersion, expectVersion)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.Errorf(directory.KindPrecondition, "the unit was changed by someone else; reload it and try again")
	}
	// Replace the old path prefix with the new one on the unit and below it.
	_, err = c.exec(ctx, `UPDATE units SET path = ? || SUBSTR(path, ?) WHERE org_id = ? AND path LIKE ? ESCAPE '\'`,
		newPath, len(u.Path)+1, u.OrgID, likeEscape(u.Path)+"%")
	if err != nil {
		return err
	}
	u.ParentID, u.Path = newParentID, newPath
	u.Version++
	return nil
}

// CountActiveChildren counts the unarchived children of a unit.
func (c *Conn) CountActiveChildren(ctx context.Context, orgID, id string) (int, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM units WHERE org_id = ? AND parent_id = ? AND archived_at = 0`, orgID, id).Scan(&n)
	return n, err
}
