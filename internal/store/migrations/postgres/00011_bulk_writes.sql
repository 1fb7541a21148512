-- +goose Up
-- (SQLite's full-text index of new users moved from a trigger into the
-- store in this migration; PostgreSQL indexes the search text itself.)
--
-- The user counts follow inserts and deletes once per statement, from its
-- transition table, instead of once per row: a bulk INSERT of thousands of
-- users updated the same count row thousands of times in one transaction,
-- and each update had to walk past every earlier version of that row.
DROP TRIGGER user_counts_insert_delete ON users;
-- +goose StatementBegin
CREATE FUNCTION user_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_counts(org_id, status, in_bin, n)
    SELECT org_id, status, deleted_at <> 0, count(*) FROM new_users GROUP BY 1, 2, 3
    ON CONFLICT (org_id, status, in_bin) DO UPDATE SET n = user_counts.n + excluded.n;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION user_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_counts c SET n = c.n - d.k
    FROM (SELECT org_id, status, deleted_at <> 0 AS in_bin, count(*) AS k FROM old_users GROUP BY 1, 2, 3) d
    WHERE c.org_id = d.org_id AND c.status = d.status AND c.in_bin = d.in_bin;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER user_counts_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_users FOR EACH STATEMENT EXECUTE FUNCTION user_counts_add();
CREATE TRIGGER user_counts_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_users FOR EACH STATEMENT EXECUTE FUNCTION user_counts_remove();

-- +goose Down
DROP TRIGGER user_counts_delete ON users;
DROP TRIGGER user_counts_insert ON users;
DROP FUNCTION user_counts_remove();
DROP FUNCTION user_counts_add();
CREATE TRIGGER user_counts_insert_delete AFTER INSERT OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION user_counts_maintain();
