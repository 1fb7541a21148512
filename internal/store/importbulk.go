package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"roster/internal/directory"
)

// rowPlaceholders returns n comma-separated groups of width "?".
func rowPlaceholders(n, width int) string {
	group := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(group+", ", n), ", ")
}

// insertRows runs "insert VALUES (…), (…) suffix" for n rows of width
// parameters each, chunk rows per statement; row appends the parameters
// of row i to args. On SQLite the INSERT is OR FAIL, as userInsertSQL
// explains: call it in a transaction rolled back on error.
func (c *Conn) insertRows(ctx context.Context, insert, suffix string, width, n, chunk int, row func(args []any, i int) []any) error {
	if c.d.engine == Postgres {
		chunk = unnestRows
	}
	args := make([]any, 0, min(n, chunk)*width)
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(args, i)
		}
		if c.d.engine == Postgres {
			if err := c.insertUnnest(ctx, insert, suffix, width, args); err != nil {
				return err
			}
			continue
		}
		source, bound := sharedRows(end-start, width, args)
		if _, err := c.execBulk(ctx, "INSERT"+c.d.orFail()+strings.TrimPrefix(insert, "INSERT")+" "+source+suffix, bound...); err != nil {
			return err
		}
	}
	return nil
}

// UsersByKeys returns the users of the organization (live or in the
// recycle bin) whose field (username, email or external_id) is one of
// values, keyed by the folded value (external ids are matched exactly and
// keyed as given).
func (c *Conn) UsersByKeys(ctx context.Context, orgID, field string, values []string) (map[string]*directory.User, error) {
	out := make(map[string]*directory.User, len(values))
	// The unique indexes of emails and external ids are partial: the
	// condition "<> ''" lets SQLite use them.
	var column, cond string
	fold := directory.FoldKey
	switch field {
	case "username":
		column = "u.username_key"
	case "email":
		column, cond = "u.email_key", ` AND u.email_key <> ''`
	case "external_id":
		column, cond, fold = "u.external_id", ` AND u.external_id <> ''`, func(s string) string { return s }
	default:
		return nil, fmt.Errorf("users by %q: no such key", field)
	}
	keys := make([]any, 0, len(values))
	seen := map[string]bool{}
	for _, v := range values {
		if k := fold(v); k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := append([]any{orgID}, part...)
		rows, err := c.query(ctx, `SELECT `+userColumns+` FROM users u WHERE u.org_id = ?`+cond+` AND `+column+` IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			switch field {
			case "username":
				out[directory.FoldKey(u.Username)] = u
			case "email":
				out[directory.FoldKey(u.Email)] = u
			default:
				out[u.ExternalID] = u
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FieldValue is one custom field value of a user.
type FieldValue struct {
	UserID, FieldID, Value string
}

// InsertFieldValues stores custom field values of new users, in
// multi-row INSERTs.
func (c *Conn) InsertFieldValues(ctx context.Context, orgID string, values []FieldValue) error {
	return c.insertRows(ctx, `INSERT INTO user_field_values (user_id, field_id, org_id, value)`, "", 4, len(values), 500,
		func(args []any, i int) []any {
			v := values[i]
			return append(args, v.UserID, v.FieldID, orgID, v.Value)
		})
}

// InsertGrants stores grants of new users, in multi-row INSERTs.
func (c *Conn) InsertGrants(ctx context.Context, grants []*directory.Grant) error {
	err := c.insertRows(ctx, `INSERT INTO grants (id, org_id, user_id, role_id, unit_id, starts_at, expires_at, fields,
		created_by, created_at, updated_at)`, "", 11, len(grants), 500, func(args []any, i int) []any {
		g := grants[i]
		if g.UpdatedAt.IsZero() {
			g.UpdatedAt = g.CreatedAt
		}
		return append(args, g.ID, g.OrgID, g.UserID, g.RoleID, nullable(g.UnitID), micros(g.StartsAt),
			micros(g.ExpiresAt), grantFields(g), g.CreatedBy, micros(g.CreatedAt), micros(g.UpdatedAt))
	})
	return c.grantConflict(err)
}

// GroupMember is one membership to add.
type GroupMember struct {
	GroupID, UserID string
}

// InsertGroupMembers adds memberships of new users, in multi-row INSERTs.
func (c *Conn) InsertGroupMembers(ctx context.Context, orgID, by string, at int64, members []GroupMember) error {
	return c.insertRows(ctx, `INSERT INTO group_members (group_id, user_id, org_id, added_by, added_at)`,
		` ON CONFLICT (group_id, user_id) DO NOTHING`, 5, len(members), 500, func(args []any, i int) []any {
			return append(args, members[i].GroupID, members[i].UserID, orgID, by, at)
		})
}

// PreparedEvent is an audit event made ready for AppendPreparedEvents:
// its changes already in the text the table keeps.
type PreparedEvent struct {
	event   *directory.AuditEvent
	changes string
}

// PrepareEvent makes e ready for AppendPreparedEvents, which a bulk load
// does before the transaction that writes it. e must not change in
// between.
func PrepareEvent(e *directory.AuditEvent) (*PreparedEvent, error) {
	changes := e.Changes
	if changes == nil {
		changes = []directory.Change{}
	}
	js, err := json.Marshal(changes)
	if err != nil {
		return nil, err
	}
	return &PreparedEvent{event: e, changes: string(js)}, nil
}

// AppendAuditEvents stores audit events in multi-row INSERTs.
func (c *Conn) AppendAuditEvents(ctx context.Context, events []*directory.AuditEvent) error {
	prepared := make([]*PreparedEvent, len(events))
	for i, e := range events {
		var err error
		if prepared[i], err = PrepareEvent(e); err != nil {
			return err
		}
	}
	return c.AppendPreparedEvents(ctx, prepared)
}

// AppendPreparedEvents is AppendAuditEvents for events made ready by
// PrepareEvent.
func (c *Conn) AppendPreparedEvents(ctx context.Context, events []*PreparedEvent) error {
	return c.insertRows(ctx, `INSERT INTO audit_events (id, org_id, at, actor_id, actor_name, impersonator_id,
		token_id, action, target_type, target_id, target_name, changes, ip, request_id, import_id)`, "", 15, len(events), 300,
		func(args []any, i int) []any {
			e := events[i].event
			return append(args, e.ID, e.OrgID, micros(e.At), e.ActorID, e.ActorName, e.ImpersonatorID, e.TokenID,
				e.Action, e.TargetType, e.TargetID, e.TargetName, events[i].changes, e.IP, e.RequestID, e.ImportID)
		})
}

// Savepoint runs fn inside a savepoint of the transaction: when fn fails,
// its writes are undone and the transaction goes on.
func (tx *Tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := tx.exec(ctx, `SAVEPOINT import_row`); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rerr := tx.exec(ctx, `ROLLBACK TO SAVEPOINT import_row`); rerr != nil {
			return fmt.Errorf("%w (and undoing it failed: %v)", err, rerr)
		}
		if _, rerr := tx.exec(ctx, `RELEASE SAVEPOINT import_row`); rerr != nil {
			return rerr
		}
		return err
	}
	_, err := tx.exec(ctx, `RELEASE SAVEPOINT import_row`)
	return err
}

// ImportMappings lists the mappings saved for a kind of import, by name.
func (c *Conn) ImportMappings(ctx context.Context, orgID string, kind directory.ImportKind) ([]*directory.ImportMapping, error) {
	rows, err := c.query(ctx, `SELECT id, org_id, kind, name, headers, mapping, created_by, created_at, updated_at
		FROM import_mappings WHERE org_id = ? AND kind = ? ORDER BY name_key`, orgID, string(kind))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.ImportMapping
	for rows.Next() {
		var m directory.ImportMapping
		var k, headers, mapping string
		var created, updated int64
		if err := rows.Scan(&m.ID, &m.OrgID, &k, &m.Name, &headers, &mapping, &m.CreatedBy, &created, &updated); err != nil {
			return nil, err
		}
		m.Kind, m.CreatedAt, m.UpdatedAt = directory.ImportKind(k), fromMicros(created), fromMicros(updated)
		if err := json.Unmarshal([]byte(headers), &m.Headers); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(mapping), &m.Mapping); err != nil {
			return nil, err
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}

// HeaderKey folds a header row for finding the mappings saved for it.
func HeaderKey(headers []string) string {
	parts := make([]string, len(headers))
	for i, h := range headers {
		parts[i] = directory.FoldKey(strings.TrimSpace(h))
	}
	return strings.Join(parts, "\x1f")
}

// SaveImportMapping stores a mapping under its name, replacing the one of
// the same name (case-insensitively).
func (c *Conn) SaveImportMapping(ctx context.Context, m *directory.ImportMapping) error {
	_, err := c.exec(ctx, `INSERT INTO import_mappings (id, org_id, kind, name, name_key, headers, header_key, mapping,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, kind, name_key) DO UPDATE SET name = excluded.name, headers = excluded.headers,
		header_key = excluded.header_key, mapping = excluded.mapping, updated_at = excluded.updated_at`,
		m.ID, m.OrgID, string(m.Kind), m.Name, directory.FoldKey(m.Name), jsonText(m.Headers), HeaderKey(m.Headers),
		jsonText(m.Mapping), m.CreatedBy, micros(m.CreatedAt), micros(m.UpdatedAt))
	return err
}

// ImportMappingFor returns the most recently saved mapping for a header
// row, or nil.
func (c *Conn) ImportMappingFor(ctx context.Context, orgID string, kind directory.ImportKind, headers []string) (*directory.ImportMapping, error) {
	var id string
	err := c.queryRow(ctx, `SELECT id FROM import_mappings WHERE org_id = ? AND kind = ? AND header_key = ?
		ORDER BY updated_at DESC, id LIMIT 1`, orgID, string(kind), HeaderKey(headers)).Scan(&id)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	all, err := c.ImportMappings(ctx, orgID, kind)
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, nil
}

// DeleteImportMapping removes a saved mapping.
func (c *Conn) DeleteImportMapping(ctx context.Context, orgID, id string) error {
	res, err := c.exec(ctx, `DELETE FROM import_mappings WHERE org_id = ? AND id = ?`, orgID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.NotFound("mapping")
	}
	return nil
}

// AnalyzeUsers refreshes PostgreSQL's statistics of the users and their
// words, so that a table a bulk load has grown many times over is queried
// through its indexes again (the planner would otherwise go on believing
// an organization has a handful of users). SQLite plans its lookups by
// unique keys through the indexes without statistics; there it does
// nothing.
func (db *DB) AnalyzeUsers(ctx context.Context) error {
	if db.d.engine != Postgres {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, `ANALYZE users, user_words`)
	return err
}
