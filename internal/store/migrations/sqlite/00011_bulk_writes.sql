-- +goose Up
-- New users enter the full-text index from the store, in multi-row
-- INSERTs, instead of from a trigger: a trigger that writes to a virtual
-- table makes every INSERT into users keep a statement journal (a copy of
-- each page it changes, in case it must undo itself), which doubled the
-- cost of loading users in bulk. Updates and deletes keep their triggers.
DROP TRIGGER users_fts_insert;

-- For the same reason the count of new users no longer goes through an
-- upsert, whose DO UPDATE SQLite always compiles as able to abort, nor an
-- INSERT OR IGNORE (a bulk INSERT OR FAIL would override its IGNORE).
DROP TRIGGER user_counts_insert;
-- +goose StatementBegin
CREATE TRIGGER user_counts_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_counts(org_id, status, in_bin, n) SELECT new.org_id, new.status, new.deleted_at <> 0, 0
    WHERE NOT EXISTS (SELECT 1 FROM user_counts
        WHERE org_id = new.org_id AND status = new.status AND in_bin = (new.deleted_at <> 0));
    UPDATE user_counts SET n = n + 1
    WHERE org_id = new.org_id AND status = new.status AND in_bin = (new.deleted_at <> 0);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER user_counts_insert;
-- +goose StatementBegin
CREATE TRIGGER user_counts_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_counts(org_id, status, in_bin, n) VALUES (new.org_id, new.status, new.deleted_at <> 0, 1)
    ON CONFLICT (org_id, status, in_bin) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts(rowid, search_text) VALUES (new.num, new.search_text);
END;
-- +goose StatementEnd
