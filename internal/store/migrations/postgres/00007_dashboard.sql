-- +goose Up
-- sign_in_days counts the completed sign-ins of each organization per UTC
-- day (unix microseconds divided by a day's), kept by a trigger on the
-- audit log, so that the dashboard's chart reads 30 rows however many
-- people sign in.
CREATE TABLE sign_in_days (
    org_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, day)
);
INSERT INTO sign_in_days(org_id, day, n)
    SELECT org_id, at / 86400000000, COUNT(*) FROM audit_events WHERE action = 'session.sign_in'
    GROUP BY org_id, at / 86400000000;
-- users_created_by finds the users an administrator added, which belong to
-- their scope until someone grants them access (see UserScope.CreatorID),
-- so that a scoped count starts from the scope rather than from every user.
CREATE INDEX users_created_by ON users(org_id, created_by);
-- +goose StatementBegin
CREATE FUNCTION sign_in_days_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sign_in_days(org_id, day, n) VALUES (NEW.org_id, NEW.at / 86400000000, 1)
    ON CONFLICT (org_id, day) DO UPDATE SET n = sign_in_days.n + 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER sign_in_days_count AFTER INSERT ON audit_events
    FOR EACH ROW WHEN (NEW.action = 'session.sign_in') EXECUTE FUNCTION sign_in_days_count();

-- +goose Down
DROP TRIGGER sign_in_days_count ON audit_events;
DROP FUNCTION sign_in_days_count();
DROP TABLE sign_in_days;
DROP INDEX users_created_by;
