package store

import (
	"context"
	"strings"
	"time"
)

// Deletion is who moved a user to the recycle bin, and when, as the audit
// log recorded it.
type Deletion struct {
	ActorID   string
	ActorName string
	At        time.Time
}

// Deletions returns the newest user.delete event of each of the given
// users that has one, by user id. It reads the audit_by_target index.
func (c *Conn) Deletions(ctx context.Context, orgID string, userIDs []string) (map[string]Deletion, error) {
	out := map[string]Deletion{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{orgID}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT target_id, actor_id, actor_name, at FROM audit_events WHERE org_id = ?
		AND target_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(userIDs)), ", ")+`)
		AND action = 'user.delete' ORDER BY at DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var d Deletion
		var at int64
		if err := rows.Scan(&id, &d.ActorID, &d.ActorName, &at); err != nil {
			return nil, err
		}
		if _, seen := out[id]; !seen {
			d.At = fromMicros(at)
			out[id] = d
		}
	}
	return out, rows.Err()
}
