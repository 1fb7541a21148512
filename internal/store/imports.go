package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"roster/internal/directory"
)

const importColumns = `id, org_id, kind, mode, match_by, relationship_kind, invite, file_name, delimiter, headers,
	mapping, state, total_rows, next_row, created_count, updated_count, unchanged_count, error_count,
	rollback_counts, preview, failure, actor_id, actor_name, grant_id, token_id, impersonator_id, operator,
	ip, request_id, created_at, started_at, finished_at, rollback_by, rollback_by_name, rollback_at,
	rolled_back_at, rollback_owner, version`

func scanImport(row interface{ Scan(...any) error }) (*directory.Import, error) {
	var im directory.Import
	o := &im.Owner
	var kind, mode, state, delim, headers, mapping, rollback, preview, rbOwner string
	var created, started, finished, rbAt, rolled int64
	err := row.Scan(&im.ID, &im.OrgID, &kind, &mode, &im.MatchBy, &im.RelationshipKind, &im.Invite, &im.FileName,
		&delim, &headers, &mapping, &state, &im.Total, &im.Done, &im.Counts.Created, &im.Counts.Updated,
		&im.Counts.Unchanged, &im.Counts.Errors, &rollback, &preview, &im.Failure, &o.ActorID, &o.ActorName,
		&o.GrantID, &o.TokenID, &o.ImpersonatorID, &o.Operator, &o.IP, &o.RequestID, &created, &started,
		&finished, &im.RollbackBy, &im.RollbackByName, &rbAt, &rolled, &rbOwner, &im.Version)
	if err != nil {
		return nil, err
	}
	im.Kind, im.Mode, im.State = directory.ImportKind(kind), directory.ImportMode(mode), directory.ImportState(state)
	if delim != "" {
		im.Delimiter = []rune(delim)[0]
	}
	if err := json.Unmarshal([]byte(headers), &im.Headers); err != nil {
		return nil, fmt.Errorf("import %s headers: %w", im.ID, err)
	}
	if err := json.Unmarshal([]byte(mapping), &im.Mapping); err != nil {
		return nil, fmt.Errorf("import %s mapping: %w", im.ID, err)
	}
	if err := json.Unmarshal([]byte(rollback), &im.RollbackCounts); err != nil {
		return nil, fmt.Errorf("import %s rollback counts: %w", im.ID, err)
	}
	if preview != "" {
		im.Preview = &directory.ImportPreview{}
		if err := json.Unmarshal([]byte(preview), im.Preview); err != nil {
			return nil, fmt.Errorf("import %s preview: %w", im.ID, err)
		}
	}
	if rbOwner != "" {
		im.RollbackOwner = &directory.ImportOwner{}
		if err := json.Unmarshal([]byte(rbOwner), im.RollbackOwner); err != nil {
			return nil, fmt.Errorf("import %s rollback owner: %w", im.ID, err)
		}
	}
	im.CreatedAt, im.StartedAt, im.FinishedAt = fromMicros(created), fromMicros(started), fromMicros(finished)
	im.RollbackAt, im.RolledBackAt = fromMicros(rbAt), fromMicros(rolled)
	return &im, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain strings, ints and maps of them are marshalled here.
		panic(err)
	}
	return string(b)
}

// CreateImport stores a new import and its data rows (rows[i] starting on
// file line lines[i]), in multi-row INSERTs.
func (c *Conn) CreateImport(ctx context.Context, im *directory.Import, rows [][]string, lines []int) error {
	o := &im.Owner
	_, err := c.exec(ctx, `INSERT INTO imports (id, org_id, kind, mode, match_by, relationship_kind, invite, file_name,
		delimiter, headers, mapping, state, total_rows, actor_id, actor_name, grant_id, token_id, impersonator_id,
		operator, ip, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		im.ID, im.OrgID, string(im.Kind), string(im.Mode), im.MatchBy, im.RelationshipKind, im.Invite, im.FileName,
		string(im.Delimiter), jsonText(im.Headers), jsonText(im.Mapping), string(im.State), im.Total, o.ActorID,
		o.ActorName, o.GrantID, o.TokenID, o.ImpersonatorID, o.Operator, o.IP, o.RequestID, micros(im.CreatedAt))
	if err != nil {
		return fmt.Errorf("create import: %w", err)
	}
	im.Version = 1
	err = c.insertRows(ctx, `INSERT INTO import_rows (import_id, line, file_line, cells)`, "", 4, len(rows), 1000,
		func(args []any, i int) []any { return append(args, im.ID, i+1, lines[i], jsonText(rows[i])) })
	if err != nil {
		return fmt.Errorf("store import rows: %w", err)
	}
	return nil
}

// Import returns an import of the organization with who asked for it.
func (c *Conn) Import(ctx context.Context, orgID, id string) (*directory.Import, error) {
	im, err := scanImport(c.queryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE org_id = ? AND id = ?`+c.d.forUpdate(), orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("import")
	}
	return im, err
}

// ImportCursor is the position after the last import of a page.
type ImportCursor struct {
	At int64  `json:"a"`
	ID string `json:"i"`
}

// Imports lists the organization's imports, newest first; actorID, when
// not "", keeps only that user's.
func (c *Conn) Imports(ctx context.Context, orgID, actorID string, limit int, after *ImportCursor) ([]*directory.Import, *ImportCursor, error) {
	q := `SELECT ` + importColumns + ` FROM imports WHERE org_id = ?`
	args := []any{orgID}
	if actorID != "" {
		q += ` AND actor_id = ?`
		args = append(args, actorID)
	}
	if after != nil {
		q += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, after.At, after.At, after.ID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []*directory.Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, im)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var next *ImportCursor
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = &ImportCursor{At: micros(last.CreatedAt), ID: last.ID}
	}
	return out, next, nil
}

// SaveImport writes an import's settings, state, progress and results of
// a dry run, checking and raising its version (KindPrecondition when
// another write came first).
func (c *Conn) SaveImport(ctx context.Context, im *directory.Import) error {
	preview := ""
	if im.Preview != nil {
		preview = jsonText(im.Preview)
	}
	o := &im.Owner
	rbOwner := ""
	if im.RollbackOwner != nil {
		rbOwner = jsonText(im.RollbackOwner)
	}
	counts := im.RollbackCounts
	if counts == nil {
		counts = map[string]int{}
	}
	res, err := c.exec(ctx, `UPDATE imports SET mode = ?, match_by = ?, relationship_kind = ?, invite = ?, mapping = ?,
		state = ?, next_row = ?, created_count = ?, updated_count = ?, unchanged_count = ?, error_count = ?,
		rollback_counts = ?, preview = ?, failure = ?, started_at = ?, finished_at = ?, rollback_by = ?,
		rollback_by_name = ?, rollback_at = ?, rolled_back_at = ?, rollback_owner = ?, actor_id = ?, actor_name = ?,
		grant_id = ?, token_id = ?, impersonator_id = ?, operator = ?, ip = ?, request_id = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		string(im.Mode), im.MatchBy, im.RelationshipKind, im.Invite, jsonText(im.Mapping), string(im.State), im.Done,
		im.Counts.Created, im.Counts.Updated, im.Counts.Unchanged, im.Counts.Errors, jsonText(counts), preview,
		im.Failure, micros(im.StartedAt), micros(im.FinishedAt), im.RollbackBy, im.RollbackByName,
		micros(im.RollbackAt), micros(im.RolledBackAt), rbOwner, o.ActorID, o.ActorName, o.GrantID, o.TokenID,
		o.ImpersonatorID, o.Operator, o.IP, o.RequestID, im.ID, im.Version)
	if err != nil {
		return fmt.Errorf("save import: %w", err)
	}
	if err := c.checkVersion(res); err != nil {
		return directory.Errorf(directory.KindPrecondition, "the import was changed meanwhile; reload it")
	}
	im.Version++
	return nil
}

// ErrLeaseLost says that a worker's lease on an import ended and another
// worker may hold it: the worker must stop without writing.
var ErrLeaseLost = errors.New("the lease on the import was lost")

// ClaimImport leases to worker, until until, the oldest import waiting for
// a worker at now (queued, running or rolling back, with no live lease),
// or that import when id is not "". It returns nil when there is none.
func (db *DB) ClaimImport(ctx context.Context, worker, id string, now, until time.Time) (*directory.Import, error) {
	var im *directory.Import
	err := db.InTx(ctx, func(tx *Tx) error {
		pick := `SELECT id FROM imports WHERE state IN ('queued', 'running', 'rolling_back') AND claimed_until <= ?`
		args := []any{worker, micros(until), micros(now)}
		if id != "" {
			pick += ` AND id = ?`
			args = append(args, id)
		}
		pick += ` ORDER BY created_at, id LIMIT 1` + tx.d.skipLocked()
		var got string
		err := tx.queryRow(ctx, `UPDATE imports SET claimed_by = ?, claimed_until = ? WHERE id IN (`+pick+`) RETURNING id`, args...).Scan(&got)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("claim import: %w", err)
		}
		im, err = scanImport(tx.queryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE id = ?`, got))
		return err
	})
	return im, err
}

// RenewImport checks that worker still holds the lease on im, extends it
// to until and saves im's progress, inside the transaction of a batch; a
// lost lease is ErrLeaseLost.
func (c *Conn) RenewImport(ctx context.Context, im *directory.Import, worker string, until time.Time) error {
	res, err := c.exec(ctx, `UPDATE imports SET claimed_until = ?, version = version + 1 WHERE id = ? AND claimed_by = ?`,
		micros(until), im.ID, worker)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrLeaseLost
	}
	im.Version++
	return c.SaveImport(ctx, im)
}

// ReleaseImport ends worker's lease on an import.
func (c *Conn) ReleaseImport(ctx context.Context, id, worker string) error {
	_, err := c.exec(ctx, `UPDATE imports SET claimed_by = '', claimed_until = 0 WHERE id = ? AND claimed_by = ?`, id, worker)
	return err
}

// ImportRows returns up to limit data rows of an import from line from on
// (lines count from 1), without results.
func (c *Conn) ImportRows(ctx context.Context, importID string, from, limit int) ([]*directory.ImportRow, error) {
	rows, err := c.query(ctx, `SELECT line, file_line, cells FROM import_rows WHERE import_id = ? AND line >= ?
		ORDER BY line LIMIT ?`, importID, from, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*directory.ImportRow
	for rows.Next() {
		var r directory.ImportRow
		var cells string
		if err := rows.Scan(&r.Line, &r.FileLine, &cells); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(cells), &r.Cells); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// ImportResult is what one row of an import did, with what undoing it
// takes (Undo, a JSON text the use case reads back).
type ImportResult struct {
	Line    int
	Outcome string
	Message string
	UserID  string
	Name    string
	Undo    string
}

// InsertImportResults stores the results of a batch of rows.
func (c *Conn) InsertImportResults(ctx context.Context, importID string, results []ImportResult) error {
	err := c.insertRows(ctx, `INSERT INTO import_results (import_id, line, outcome, message, user_id, target_name, undo)`,
		"", 7, len(results), 500, func(args []any, i int) []any {
			r := results[i]
			return append(args, importID, r.Line, r.Outcome, r.Message, r.UserID, r.Name, r.Undo)
		})
	if err != nil {
		return fmt.Errorf("store import results: %w", err)
	}
	return nil
}

// ImportResultFilter selects processed rows of an import.
type ImportResultFilter struct {
	Outcome   string // "" = every outcome
	AfterLine int
	Limit     int
	// Undoable keeps the rows whose rollback is still to do.
	Undoable bool
}

// ImportResults returns processed rows of an import in line order, each
// with its cells, result and undo text (in Changes' place the caller
// decodes Undo).
func (c *Conn) ImportResults(ctx context.Context, importID string, f ImportResultFilter) ([]*directory.ImportRow, []string, error) {
	q := `SELECT r.line, r.file_line, r.cells, x.outcome, x.message, x.user_id, x.target_name, x.undo, x.rollback
		FROM import_results x JOIN import_rows r ON r.import_id = x.import_id AND r.line = x.line
		WHERE x.import_id = ? AND x.line > ?`
	args := []any{importID, f.AfterLine}
	if f.Outcome != "" {
		q += ` AND x.outcome = ?`
		args = append(args, f.Outcome)
	}
	if f.Undoable {
		q += ` AND x.undo <> '' AND x.rollback = ''`
	}
	q += ` ORDER BY x.line LIMIT ?`
	args = append(args, f.Limit)
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []*directory.ImportRow
	var undo []string
	for rows.Next() {
		var r directory.ImportRow
		var cells, u string
		if err := rows.Scan(&r.Line, &r.FileLine, &cells, &r.Outcome, &r.Message, &r.UserID, &r.Name, &u, &r.Rollback); err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal([]byte(cells), &r.Cells); err != nil {
			return nil, nil, err
		}
		out = append(out, &r)
		undo = append(undo, u)
	}
	return out, undo, rows.Err()
}

// SetImportRollback records what rolling back one row of an import did.
func (c *Conn) SetImportRollback(ctx context.Context, importID string, line int, rollback string) error {
	_, err := c.exec(ctx, `UPDATE import_results SET rollback = ? WHERE import_id = ? AND line = ?`, rollback, importID, line)
	return err
}

// ActiveImports counts an organization's imports that the worker still
// has in hand.
func (c *Conn) ActiveImports(ctx context.Context, orgID string) (int, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM imports WHERE org_id = ? AND state IN ('queued', 'running', 'rolling_back')`, orgID).Scan(&n)
	return n, err
}
