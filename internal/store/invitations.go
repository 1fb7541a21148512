package store

import (
	"context"
	"strings"

	"roster/internal/directory"
)

// VoidInvitations voids a user's invitation links that still work at now
// and returns how many it voided. Links that ran out are left as they are:
// they are dead already, and the user list tells them apart by their end.
func (c *Conn) VoidInvitations(ctx context.Context, orgID, userID string, now int64) (int, error) {
	res, err := c.exec(ctx, `UPDATE links SET voided_at = ? WHERE org_id = ? AND user_id = ? AND purpose = ?
		AND used_at = 0 AND voided_at = 0 AND expires_at > ?`, now, orgID, userID, directory.LinkInvite, now)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// NewestInvitations returns the newest invitation link of each of the
// given users who was ever sent one, by user id. It reads the links_user
// index (org_id, user_id, purpose).
func (c *Conn) NewestInvitations(ctx context.Context, orgID string, userIDs []string) (map[string]*directory.Link, error) {
	out := map[string]*directory.Link{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{orgID, directory.LinkInvite}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := c.query(ctx, `SELECT `+linkColumns+` FROM links WHERE org_id = ? AND purpose = ?
		AND user_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(userIDs)), ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		if old := out[l.UserID]; old == nil || l.CreatedAt.After(old.CreatedAt) || (l.CreatedAt.Equal(old.CreatedAt) && l.ID > old.ID) {
			out[l.UserID] = l
		}
	}
	return out, rows.Err()
}

// invitationCondition is the user-list condition of an invitation state
// (directory.InvitationSent, InvitationExpired or InvitationNever), which
// holds only for pending users. Each EXISTS looks a user's links up by the
// links_user index (org_id, user_id, purpose).
func invitationCondition(state string, now int64) (string, []any) {
	const anyLink = `EXISTS (SELECT 1 FROM links l WHERE l.org_id = u.org_id AND l.user_id = u.id AND l.purpose = ?)`
	const liveLink = `EXISTS (SELECT 1 FROM links l WHERE l.org_id = u.org_id AND l.user_id = u.id AND l.purpose = ?
		AND l.used_at = 0 AND l.voided_at = 0 AND l.expires_at > ?)`
	pending := `u.status = '` + string(directory.StatusPending) + `'`
	switch state {
	case directory.InvitationSent:
		return pending + ` AND ` + liveLink, []any{directory.LinkInvite, now}
	case directory.InvitationExpired:
		return pending + ` AND ` + anyLink + ` AND NOT ` + liveLink, []any{directory.LinkInvite, directory.LinkInvite, now}
	default: // never
		return pending + ` AND NOT ` + anyLink, []any{directory.LinkInvite}
	}
}

// ClaimExpiredInvitations marks up to limit invitation links that expired
// unused (by now) and whose expiry nobody was told of yet as told, and
// returns them. Run inside the transaction that tells the inviters, so
// that each expiry is reported once: several instances claiming together
// get different links on PostgreSQL (SKIP LOCKED); SQLite runs write
// transactions one at a time. orgID limits it to one organization ("" =
// every one).
func (c *Conn) ClaimExpiredInvitations(ctx context.Context, orgID string, now int64, limit int) ([]*directory.Link, error) {
	where, args := ``, []any{now, directory.LinkInvite, now}
	if orgID != "" {
		where, args = ` AND org_id = ?`, append(args, orgID)
	}
	rows, err := c.query(ctx, `UPDATE links SET expiry_noticed_at = ? WHERE id IN (
		SELECT id FROM links WHERE purpose = ? AND used_at = 0 AND voided_at = 0 AND expiry_noticed_at = 0
		AND expires_at <= ?`+where+` ORDER BY expires_at, id LIMIT ?`+c.d.skipLocked()+`)
		RETURNING `+linkColumns, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
