package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"roster/internal/directory"
)

// AppendAudit stores an audit event. Audit events are never changed or
// removed: the database refuses it.
func (c *Conn) AppendAudit(ctx context.Context, e *directory.AuditEvent) error {
	changes := e.Changes
	if changes == nil {
		changes = []directory.Change{}
	}
	js, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO audit_events (id, org_id, at, actor_id, actor_name, impersonator_id, token_id,
		action, target_type, target_id, target_name, changes, ip, request_id, import_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrgID, micros(e.At), e.ActorID, e.ActorName, e.ImpersonatorID, e.TokenID, e.Action,
		e.TargetType, e.TargetID, e.TargetName, string(js), e.IP, e.RequestID, e.ImportID)
	return err
}

// AuditCursor is the position after the last event of a page.
type AuditCursor struct {
	At int64  `json:"a"`
	ID string `json:"i"`
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	ActorID    string
	TargetID   string
	TargetType string
	Action     string // an exact action, or a prefix ending in "." ("user.")
	From, To   time.Time
	Limit      int
	After      *AuditCursor
	// Scope, when not nil, keeps only the events an actor limited to part
	// of the organization may read.
	Scope *AuditScope
}

// AuditScope describes the audit events an actor limited to part of the
// organization may read: those about the users Users describes, those
// about units under UnitPath, and those ActorID performed. Empty fields
// add nothing.
type AuditScope struct {
	Users    *UserScope
	UnitPath string
	ActorID  string
}

// condition is the SQL of an AuditScope, bound parameters only.
func (sc *AuditScope) condition() (string, []any) {
	ors := []string{"1 = 0"}
	var args []any
	if sc.ActorID != "" {
		ors = append(ors, "actor_id = ?")
		args = append(args, sc.ActorID)
	}
	if sc.Users != nil {
		cond, uargs := scopeCondition(sc.Users)
		ors = append(ors, `(target_type = 'user' AND EXISTS (SELECT 1 FROM users u
			WHERE u.org_id = audit_events.org_id AND u.id = audit_events.target_id AND `+cond+`))`)
		args = append(args, uargs...)
	}
	if sc.UnitPath != "" {
		ors = append(ors, `(target_type = 'unit' AND EXISTS (SELECT 1 FROM units un
			WHERE un.org_id = audit_events.org_id AND un.id = audit_events.target_id AND un.path LIKE ? ESCAPE '\'))`)
		args = append(args, likeEscape(sc.UnitPath)+"%")
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

// AuditPage is one page of audit events.
type AuditPage struct {
	Events []*directory.AuditEvent
	Next   *AuditCursor
}

// ListAudit returns one page of an organization's audit events, newest first.
func (c *Conn) ListAudit(ctx context.Context, orgID string, f AuditFilter) (*AuditPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	where := []string{"org_id = ?"}
	args := []any{orgID}
	for _, eq := range []struct{ col, val string }{{"actor_id", f.ActorID}, {"target_id", f.TargetID}, {"target_type", f.TargetType}} {
		if eq.val != "" {
			where = append(where, eq.col+" = ?")
			args = append(args, eq.val)
		}
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where = append(where, "action LIKE ? ESCAPE '\\'")
			args = append(args, likeEscape(f.Action)+"%")
		} else {
			where = append(where, "action = ?")
			args = append(args, f.Action)
		}
	}
	if !f.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, micros(f.To))
	}
	if f.After != nil {
		where = append(where, "(at, id) < (?, ?)")
		args = append(args, f.After.At, f.After.ID)
	}
	if f.Scope != nil {
		cond, sargs := f.Scope.condition()
		where = append(where, cond)
		args = append(args, sargs...)
	}
	args = append(args, f.Limit+1)
	rows, err := c.query(ctx, `SELECT id, org_id, at, actor_id, actor_name, impersonator_id, token_id, action, target_type,
		target_id, target_name, changes, ip, request_id, import_id FROM audit_events WHERE `+strings.Join(where, " AND ")+
		` ORDER BY at DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &AuditPage{}
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
		if len(page.Events) == f.Limit {
			last := page.Events[len(page.Events)-1]
			page.Next = &AuditCursor{At: micros(last.At), ID: last.ID}
			break
		}
		page.Events = append(page.Events, &e)
	}
	return page, rows.Err()
}
