package store

import (
	"context"

	"roster/internal/directory"
)

// CreateTimeOff inserts a time-off range.
func (c *Conn) CreateTimeOff(ctx context.Context, t *directory.TimeOff) error {
	_, err := c.exec(ctx, `INSERT INTO time_off (id, org_id, user_id, kind, starts_on, ends_on, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.OrgID, t.UserID, string(t.Kind), t.StartsOn, t.EndsOn, t.Note, micros(t.CreatedAt))
	return err
}

func scanTimeOff(row interface{ Scan(...any) error }) (*directory.TimeOff, error) {
	var t directory.TimeOff
	var kind string
	var created int64
	if err := row.Scan(&t.ID, &t.OrgID, &t.UserID, &kind, &t.StartsOn, &t.EndsOn, &t.Note, &created); err != nil {
		return nil, err
	}
	t.Kind, t.CreatedAt = directory.TimeOffKind(kind), fromMicros(created)
	return &t, nil
}

// TimeOff returns one time-off range of a user.
func (c *Conn) TimeOff(ctx context.Context, orgID, userID, id string) (*directory.TimeOff, error) {
	t, err := scanTimeOff(c.queryRow(ctx, `SELECT id, org_id, user_id, kind, starts_on, ends_on, note, created_at
		FROM time_off WHERE org_id = ? AND user_id = ? AND id = ?`, orgID, userID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("time off")
	}
	return t, err
}

// TimeOffs lists a user's time off by start date.
func (c *Conn) TimeOffs(ctx context.Context, orgID, userID string) ([]*directory.TimeOff, error) {
	rows, err := c.query(ctx, `SELECT id, org_id, user_id, kind, starts_on, ends_on, note, created_at
		FROM time_off WHERE org_id = ? AND user_id = ? ORDER BY starts_on, id`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.TimeOff
	for rows.Next() {
		t, err := scanTimeOff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteTimeOff removes a time-off range.
func (c *Conn) DeleteTimeOff(ctx context.Context, orgID, userID, id string) error {
	res, err := c.exec(ctx, `DELETE FROM time_off WHERE org_id = ? AND user_id = ? AND id = ?`, orgID, userID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.NotFound("time off")
	}
	return nil
}
