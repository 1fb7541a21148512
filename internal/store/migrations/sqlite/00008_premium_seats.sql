-- +goose Up
-- Premium seats in use are counted on the dashboard and before every change
-- that gives a user a premium license; this index holds only those users.
CREATE INDEX users_premium ON users(org_id) WHERE license = 'premium' AND deleted_at = 0;

-- +goose Down
DROP INDEX users_premium;
