package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"roster/internal/directory"
)

// UserTally is the number of an organization's users in each state the
// dashboard shows. All but InBin count the users outside the recycle bin.
type UserTally struct {
	Active, Pending, Inactive int
	// Locked counts the accounts locked after too many failed sign-ins.
	Locked int
	// InvitationSent counts the pending users whose invitation link still
	// works; InvitationExpired those whose every link expired or died.
	InvitationSent, InvitationExpired int
	// InBin counts the users in the recycle bin, whatever their status.
	InBin int
}

// add counts n users of status s, in the recycle bin or not.
func (t *UserTally) add(s string, inBin bool, n int) {
	if inBin {
		t.InBin += n
		return
	}
	switch directory.Status(s) {
	case directory.StatusActive:
		t.Active += n
	case directory.StatusPending:
		t.Pending += n
	case directory.StatusInactive:
		t.Inactive += n
	}
}

// TallyUsers counts the users of an organization by state, as of now
// (unix microseconds, for the invitation states). With a nil scope the
// statuses come from the maintained counters and the locked accounts and
// invitation states from the partial indexes on locked and pending users,
// so the cost does not grow with the number of active users. A scope
// (an actor limited to part of the organization) makes it one grouped
// pass over the users that scope may see.
func (c *Conn) TallyUsers(ctx context.Context, orgID string, scope *UserScope, now int64) (*UserTally, error) {
	if scope != nil {
		return c.tallyScoped(ctx, orgID, scope, now)
	}
	t := &UserTally{}
	rows, err := c.query(ctx, `SELECT status, CASE WHEN in_bin THEN 1 ELSE 0 END, n FROM user_counts WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var bin, n int
		if err := rows.Scan(&status, &bin, &n); err != nil {
			return nil, err
		}
		t.add(status, bin != 0, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The invitation counts start from the organization's invitation links
	// (the links_user index), not from its pending users: an organization
	// may hold far more pending users than invitations.
	const live = `l.used_at = 0 AND l.voided_at = 0 AND l.expires_at > ?`
	const invited = `FROM links l JOIN users u ON u.id = l.user_id
		WHERE l.org_id = ? AND l.purpose = ? AND u.status = ? AND u.deleted_at = 0`
	pending := string(directory.StatusPending)
	args := []any{orgID,
		orgID, directory.LinkInvite, pending, now,
		orgID, directory.LinkInvite, pending, directory.LinkInvite, now}
	// locked_at > 0 repeats locked_at <> 0 as a range, which makes SQLite
	// (without statistics) take the partial index of locked users rather
	// than walk all the organization's users through another index.
	err = c.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users u WHERE u.org_id = ? AND u.locked_at <> 0 AND u.locked_at > 0 AND u.deleted_at = 0),
		(SELECT COUNT(DISTINCT l.user_id) `+invited+` AND `+live+`),
		(SELECT COUNT(DISTINCT l.user_id) `+invited+` AND NOT EXISTS (SELECT 1 FROM links k
			WHERE k.org_id = l.org_id AND k.user_id = l.user_id AND k.purpose = ?
			AND k.used_at = 0 AND k.voided_at = 0 AND k.expires_at > ?))`, args...).
		Scan(&t.Locked, &t.InvitationSent, &t.InvitationExpired)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// tallyScoped counts the users scope may see in one grouped statement,
// which reads those users alone (see scopeMembers).
func (c *Conn) tallyScoped(ctx context.Context, orgID string, scope *UserScope, now int64) (*UserTally, error) {
	sent, sentArgs := invitationCondition(directory.InvitationSent, now)
	expired, expiredArgs := invitationCondition(directory.InvitationExpired, now)
	ids, scopeArgs := scopeMembers(orgID, scope)
	var args []any
	args = append(args, sentArgs...)
	args = append(args, expiredArgs...)
	args = append(args, scopeArgs...)
	args = append(args, orgID)
	rows, err := c.query(ctx, `SELECT u.status, CASE WHEN u.deleted_at <> 0 THEN 1 ELSE 0 END AS bin, COUNT(*),
		SUM(CASE WHEN u.locked_at <> 0 THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+sent+` THEN 1 ELSE 0 END),
		SUM(CASE WHEN `+expired+` THEN 1 ELSE 0 END)
		FROM (`+ids+`) m CROSS JOIN users u WHERE u.id = m.id AND u.org_id = ?
		GROUP BY u.status, CASE WHEN u.deleted_at <> 0 THEN 1 ELSE 0 END`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &UserTally{}
	for rows.Next() {
		var status string
		var bin, n, locked, sentN, expiredN int
		if err := rows.Scan(&status, &bin, &n, &locked, &sentN, &expiredN); err != nil {
			return nil, err
		}
		t.add(status, bin != 0, n)
		if bin == 0 {
			t.Locked += locked
			t.InvitationSent += sentN
			t.InvitationExpired += expiredN
		}
	}
	return t, rows.Err()
}

// DayCount is the number of events of one day (UTC).
type DayCount struct {
	Day time.Time
	N   int
}

// microsPerDay is the length of a UTC day in unix microseconds.
const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// SignInsPerDay counts the completed sign-ins (audit action
// session.sign_in) per UTC day from from (inclusive) to to (exclusive),
// oldest day first; days without any are left out. Without a scope it
// counts whole days (from and to should fall at midnight) and reads the
// per-day counters that a trigger on the audit log keeps (one
// row a day, whatever the number of sign-ins); with one it counts the
// sign-ins of the users the scope covers (see CountEventsPerDay).
func (c *Conn) SignInsPerDay(ctx context.Context, orgID string, from, to time.Time, users *UserScope) ([]DayCount, error) {
	if users != nil {
		return c.CountEventsPerDay(ctx, orgID, "session.sign_in", from, to, users)
	}
	rows, err := c.query(ctx, `SELECT day, n FROM sign_in_days WHERE org_id = ? AND day >= ? AND day <= ? ORDER BY day`,
		orgID, dayOf(from), dayOf(to.Add(-time.Microsecond)))
	if err != nil {
		return nil, err
	}
	return scanDays(rows)
}

// dayOf is the day number (days since 1970-01-01 UTC) of t.
func dayOf(t time.Time) int64 { return micros(t) / microsPerDay }

// CountEventsPerDay counts the audit events of one action per UTC day
// from from (inclusive) to to (exclusive), oldest day first; days without
// events are left out. A non-nil users scope keeps the events whose actor
// is a user it covers, read through the index on (org_id, actor_id, at)
// user by user; without one the index on (org_id, action, at) serves the
// range.
func (c *Conn) CountEventsPerDay(ctx context.Context, orgID, action string, from, to time.Time, users *UserScope) ([]DayCount, error) {
	// The day's length is written out: PostgreSQL groups only by the
	// very expression selected, and two bound parameters would differ.
	source, args := `audit_events e`, []any{}
	where, actionCol := ``, `e.action`
	if users != nil {
		ids, sargs := scopeMembers(orgID, users)
		source, where = `(`+ids+`) m CROSS JOIN audit_events e`, ` AND e.actor_id = m.id`
		// e.action || '' keeps the planner off the index on action, which
		// would read every sign-in of the organization for each user.
		actionCol = `e.action || ''`
		args = sargs
	}
	q := `SELECT e.at / 86400000000 AS day, COUNT(*) FROM ` + source + ` WHERE e.org_id = ? AND ` + actionCol + ` = ? AND e.at >= ? AND e.at < ?` + where
	args = append(args, orgID, action, micros(from), micros(to))
	rows, err := c.query(ctx, q+` GROUP BY e.at / 86400000000 ORDER BY day`, args...)
	if err != nil {
		return nil, err
	}
	return scanDays(rows)
}

// scanDays reads rows of a day number and a count.
func scanDays(rows *sql.Rows) ([]DayCount, error) {
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var day int64
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return nil, err
		}
		out = append(out, DayCount{Day: time.UnixMicro(day * microsPerDay).UTC(), N: n})
	}
	return out, rows.Err()
}

// RecentAudit returns the newest limit audit events of an organization
// whose action is not one of skip, newest first; a non-nil scope keeps the
// events a scoped actor may read (see AuditScope). It walks the index on
// (org_id, at) from the newest end.
func (c *Conn) RecentAudit(ctx context.Context, orgID string, skip []string, scope *AuditScope, limit int) ([]*directory.AuditEvent, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	if len(skip) > 0 {
		where = append(where, "action NOT IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(skip)), ", ")+")")
		for _, s := range skip {
			args = append(args, s)
		}
	}
	if scope != nil {
		cond, sargs := scope.condition()
		where = append(where, cond)
		args = append(args, sargs...)
	}
	rows, err := c.query(ctx, `SELECT id, org_id, at, actor_id, actor_name, impersonator_id, token_id, action, target_type,
		target_id, target_name, changes, ip, request_id, import_id FROM audit_events WHERE `+strings.Join(where, " AND ")+
		` ORDER BY at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.AuditEvent
	for rows.Next() {
		var e directory.AuditEvent
		var at int64
		var changes string
		if err := rows.Scan(&e.ID, &e.OrgID, &at, &e.ActorID, &e.ActorName, &e.ImpersonatorID, &e.TokenID, &e.Action,
			&e.TargetType, &e.TargetID, &e.TargetName, &changes, &e.IP, &e.RequestID, &e.ImportID); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
			return nil, err
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// scopeMembers is a subquery of the ids of the users sc covers (the same
// users as scopeCondition), built from the parts of the scope so that each
// part is found through its own index: grants through the units under
// UnitPath, the grant-less users CreatorID added (users_created_by), the
// actor, and the team of TeamOf (users_supervisor, relationships_from). A
// count over these ids costs in proportion to the scope, not to the
// organization. The callers read it as "(ids) m CROSS JOIN t", which
// SQLite takes as an order: the scope first, whatever its statistics say
// (PostgreSQL plans a cross join with a WHERE as any other join).
func scopeMembers(orgID string, sc *UserScope) (string, []any) {
	var parts []string
	var args []any
	if sc.UnitPath != "" {
		parts = append(parts, `SELECT g.user_id AS id FROM grants g JOIN units un ON un.id = g.unit_id
			WHERE un.org_id = ? AND un.path LIKE ? ESCAPE '\'`)
		args = append(args, orgID, likeEscape(sc.UnitPath)+"%")
	}
	if sc.CreatorID != "" {
		parts = append(parts, `SELECT c.id AS id FROM users c WHERE c.org_id = ? AND c.created_by = ?
			AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = c.id)`)
		args = append(args, orgID, sc.CreatorID)
	}
	if sc.SelfID != "" {
		parts = append(parts, `SELECT CAST(? AS TEXT) AS id`)
		args = append(args, sc.SelfID)
	}
	if sc.TeamOf != "" {
		parts = append(parts, `SELECT s.id AS id FROM users s WHERE s.supervisor_id = ?`,
			`SELECT r.to_user_id AS id FROM relationships r WHERE r.kind = 'supervisor_of' AND r.from_user_id = ?`)
		args = append(args, sc.TeamOf, sc.TeamOf)
	}
	if len(parts) == 0 {
		return `SELECT id FROM users WHERE 1 = 0`, nil
	}
	return strings.Join(parts, " UNION "), args
}
