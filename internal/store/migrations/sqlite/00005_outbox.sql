-- +goose Up
-- A lease on outbox rows: the delivery worker that claims a message writes
-- its own name and the end of its lease, so that other workers leave the
-- message alone until the lease ends, and a worker that dies mid-way
-- loses the message to the next one once its lease has run out.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE outbox DROP COLUMN claimed_until;
ALTER TABLE outbox DROP COLUMN claimed_by;
