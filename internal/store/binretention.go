package store

import "context"

// DeletedBefore returns the ids of up to limit users of the organization
// who were moved to the recycle bin before the time before (microseconds),
// oldest deletion first. It reads the users_in_bin index.
func (c *Conn) DeletedBefore(ctx context.Context, orgID string, before int64, limit int) ([]string, error) {
	rows, err := c.query(ctx, `SELECT id FROM users WHERE org_id = ? AND deleted_at <> 0 AND deleted_at < ?
		ORDER BY deleted_at, id LIMIT ?`, orgID, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
