package bench

import (
	"context"
	"strconv"
	"strings"

	"roster/internal/store"
)

// inspector runs the few statements the benchmark needs beside the store:
// engine facts, statistics, sizes and the clean-up. They are not operations
// of the product, so they live here rather than in the store.
type inspector struct {
	db *store.DB
}

// sql writes q, whose placeholders are ?, for the engine.
func (in inspector) sql(q string) string {
	if in.db.Engine() != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hasUsers reports whether any organization holds a user.
func (in inspector) hasUsers(ctx context.Context) (bool, error) {
	var n int
	err := in.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) t`).Scan(&n)
	return n > 0, err
}

// version returns the engine's version.
func (in inspector) version(ctx context.Context) (string, error) {
	q := `SELECT sqlite_version()`
	if in.db.Engine() == store.Postgres {
		q = `SHOW server_version`
	}
	var v string
	err := in.db.SQL().QueryRowContext(ctx, q).Scan(&v)
	return v, err
}

// analyze brings the planner statistics up to date, as an operator would
// after a bulk load (PostgreSQL's autovacuum would get there by itself a
// little later).
func (in inspector) analyze(ctx context.Context) error {
	_, err := in.db.SQL().ExecContext(ctx, `ANALYZE`)
	return err
}

// size returns the size of the database in bytes.
func (in inspector) size(ctx context.Context) (int64, error) {
	q := `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`
	if in.db.Engine() == store.Postgres {
		q = `SELECT pg_database_size(current_database())`
	}
	var n int64
	err := in.db.SQL().QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// cursorAt returns the cursor of the list sorted by last name positioned at
// the given fraction of the organization's users, as a client paging that
// far would hold it.
func (in inspector) cursorAt(ctx context.Context, orgID string, frac float64) (*store.Cursor, error) {
	n, err := in.db.CountUsers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	c := &store.Cursor{}
	err = in.db.SQL().QueryRowContext(ctx, in.sql(`SELECT last_name, id FROM users
		WHERE org_id = ? AND deleted_at = 0 ORDER BY last_name, id LIMIT 1 OFFSET ?`),
		orgID, int(float64(n)*frac)).Scan(&c.Text, &c.ID)
	return c, err
}

// sampleIDs returns about want ids of the n users of an organization,
// spread over all of them.
func (in inspector) sampleIDs(ctx context.Context, orgID string, n, want int) ([]string, error) {
	rows, err := in.db.SQL().QueryContext(ctx, in.sql(`SELECT id FROM users WHERE org_id = ? AND deleted_at = 0`), orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	every := max(n/want, 1)
	var ids []string
	for i := 0; rows.Next(); i++ {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if i%every == 0 {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// removeUsers deletes the users of an organization, batch rows at a time.
func (in inspector) removeUsers(ctx context.Context, orgID string, batch int) error {
	// The page measurements add an owner with a grant and a session.
	for _, table := range []string{"user_words", "sessions", "grants"} {
		if _, err := in.db.SQL().ExecContext(ctx, in.sql(`DELETE FROM `+table+` WHERE org_id = ?`), orgID); err != nil {
			return err
		}
	}
	q := in.sql(`DELETE FROM users WHERE id IN (SELECT id FROM users WHERE org_id = ? LIMIT ?)`)
	for {
		res, err := in.db.SQL().ExecContext(ctx, q, orgID, batch)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
	}
}
