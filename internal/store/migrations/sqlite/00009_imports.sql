-- +goose Up
-- An import is a CSV file of users (or of relationships) loaded in the
-- background. Its rows are kept as uploaded (import_rows) so that a worker
-- can run it, and resume it after a crash, from the database alone; what
-- each row did is written in the same transaction as the change itself
-- (import_results), with the before-images that rolling the import back
-- needs.
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'create',
    match_by TEXT NOT NULL DEFAULT 'username',
    relationship_kind TEXT NOT NULL DEFAULT '',
    invite INTEGER NOT NULL DEFAULT 0,
    file_name TEXT NOT NULL DEFAULT '',
    delimiter TEXT NOT NULL DEFAULT ',',
    headers TEXT NOT NULL DEFAULT '[]',
    mapping TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'draft',
    total_rows INTEGER NOT NULL DEFAULT 0,
    next_row INTEGER NOT NULL DEFAULT 0,
    created_count INTEGER NOT NULL DEFAULT 0,
    updated_count INTEGER NOT NULL DEFAULT 0,
    unchanged_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    rollback_next INTEGER NOT NULL DEFAULT 0,
    rollback_counts TEXT NOT NULL DEFAULT '{}',
    preview TEXT NOT NULL DEFAULT '',
    failure TEXT NOT NULL DEFAULT '',
    actor_id TEXT NOT NULL DEFAULT '',
    actor_name TEXT NOT NULL DEFAULT '',
    grant_id TEXT NOT NULL DEFAULT '',
    token_id TEXT NOT NULL DEFAULT '',
    impersonator_id TEXT NOT NULL DEFAULT '',
    operator INTEGER NOT NULL DEFAULT 0,
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    started_at INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER NOT NULL DEFAULT 0,
    rollback_by TEXT NOT NULL DEFAULT '',
    rollback_by_name TEXT NOT NULL DEFAULT '',
    rollback_owner TEXT NOT NULL DEFAULT '',
    rollback_at INTEGER NOT NULL DEFAULT 0,
    rolled_back_at INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT NOT NULL DEFAULT '',
    claimed_until INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX imports_by_time ON imports(org_id, created_at, id);
CREATE INDEX imports_due ON imports(state, claimed_until);

CREATE TABLE import_rows (
    import_id TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    file_line INTEGER NOT NULL,
    cells TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);

CREATE TABLE import_results (
    import_id TEXT NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL DEFAULT '',
    target_name TEXT NOT NULL DEFAULT '',
    undo TEXT NOT NULL DEFAULT '',
    rollback TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (import_id, line)
);
CREATE INDEX import_results_by_outcome ON import_results(import_id, outcome, line);

-- Saved column mappings, offered again for files with the same header.
CREATE TABLE import_mappings (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    headers TEXT NOT NULL,
    header_key TEXT NOT NULL,
    mapping TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX import_mappings_name ON import_mappings(org_id, kind, name_key);
CREATE INDEX import_mappings_header ON import_mappings(org_id, kind, header_key);

-- +goose Down
DROP TABLE import_mappings;
DROP TABLE import_results;
DROP TABLE import_rows;
DROP TABLE imports;
