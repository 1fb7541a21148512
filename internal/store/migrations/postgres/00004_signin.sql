-- +goose Up
-- Sign-in and credentials: the organization's security policy, MFA and
-- security-question columns on users, recovery codes, server-side sessions,
-- single-use links (password reset, first set-up) and the mail outbox.
ALTER TABLE organizations ADD COLUMN security_policy TEXT NOT NULL DEFAULT '{}';

ALTER TABLE users ADD COLUMN mfa_required BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enrolled_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN security_question TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN security_answer_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    org_id TEXT NOT NULL,
    used_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- A session is found by the hash of its cookie secret; id is what the user
-- and administrators see. stage is 'password' while a second factor is
-- still owed, 'full' after. The impersonation columns are set while the
-- session's user emulates another user.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    stage TEXT NOT NULL,
    grant_id TEXT NOT NULL DEFAULT '',
    grant_chosen BOOLEAN NOT NULL DEFAULT false,
    impersonated_id TEXT NOT NULL DEFAULT '',
    impersonation_reason TEXT NOT NULL DEFAULT '',
    impersonation_ends_at BIGINT NOT NULL DEFAULT 0,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_impersonated ON sessions(impersonated_id) WHERE impersonated_id <> '';
CREATE INDEX sessions_expiry ON sessions(expires_at);

-- Single-use links: a password reset, the first owner's set-up. Only the
-- hash of the secret in the link is kept.
CREATE TABLE links (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NOT NULL DEFAULT 0,
    voided_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX links_user ON links(org_id, user_id, purpose);

-- Mail written in the same transaction as the change that causes it.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT NOT NULL DEFAULT 0,
    dead_at BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at = 0 AND dead_at = 0;
CREATE INDEX outbox_org ON outbox(org_id, created_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE links;
DROP TABLE sessions;
DROP TABLE recovery_codes;
ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE users DROP COLUMN security_answer_hash;
ALTER TABLE users DROP COLUMN security_question;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_enrolled_at;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN mfa_required;
ALTER TABLE organizations DROP COLUMN security_policy;
