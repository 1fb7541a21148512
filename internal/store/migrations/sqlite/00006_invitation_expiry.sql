-- +goose Up
-- expiry_noticed_at marks an invitation whose expiry the inviter has been
-- told of, so that each expiry is reported once.
ALTER TABLE links ADD COLUMN expiry_noticed_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX links_expiring ON links(expires_at)
    WHERE purpose = 'invite' AND used_at = 0 AND voided_at = 0 AND expiry_noticed_at = 0;

-- +goose Down
DROP INDEX links_expiring;
ALTER TABLE links DROP COLUMN expiry_noticed_at;
