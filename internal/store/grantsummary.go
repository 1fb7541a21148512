package store

import (
	"context"
	"strings"
	"time"
)

// GrantSummary is one grant as a user list shows it: the role's name and
// the unit it covers ("" = the whole organization).
type GrantSummary struct {
	RoleName  string
	UnitName  string
	StartsAt  time.Time
	ExpiresAt time.Time
}

// GrantSummaries returns the grants of the given users in one query, by
// user id, each user's grants ordered by role level (highest first) and
// role name. Users without a grant are not in the answer.
func (c *Conn) GrantSummaries(ctx context.Context, orgID string, userIDs []string) (map[string][]GrantSummary, error) {
	out := map[string][]GrantSummary{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT g.user_id, r.name, COALESCE(un.name, ''), g.starts_at, g.expires_at
		FROM grants g JOIN roles r ON r.id = g.role_id LEFT JOIN units un ON un.id = g.unit_id
		WHERE g.org_id = ? AND g.user_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(userIDs)), ", ")+`)
		ORDER BY g.user_id, r.level DESC, r.name, COALESCE(un.name, ''), g.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var s GrantSummary
		var starts, expires int64
		if err := rows.Scan(&id, &s.RoleName, &s.UnitName, &starts, &expires); err != nil {
			return nil, err
		}
		s.StartsAt, s.ExpiresAt = fromMicros(starts), fromMicros(expires)
		out[id] = append(out[id], s)
	}
	return out, rows.Err()
}
