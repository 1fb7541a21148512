-- +goose Up
-- Times are Unix microseconds (0 = none); dates are 'YYYY-MM-DD' text.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    premium_seat_limit INTEGER NOT NULL DEFAULT -1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE unit_kinds (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    parent_id TEXT REFERENCES units(id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    archived_at BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (org_id, kind) REFERENCES unit_kinds(org_id, key)
);
CREATE UNIQUE INDEX units_code ON units(org_id, code) WHERE code <> '';
CREATE INDEX units_path ON units(org_id, path);
CREATE INDEX units_parent ON units(org_id, parent_id, name);

CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    key TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    level BIGINT NOT NULL,
    permissions TEXT NOT NULL DEFAULT '',
    mfa_required BOOLEAN NOT NULL DEFAULT false,
    is_default BOOLEAN NOT NULL DEFAULT false,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX roles_name ON roles(org_id, name);
CREATE UNIQUE INDEX roles_key ON roles(org_id, key) WHERE key <> '';

-- The columns user lists sort by compare byte by byte (COLLATE "C"), as
-- SQLite's BINARY does, so that both engines order and page alike whatever
-- the server's locale.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    username TEXT NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    email_key TEXT COLLATE "C" NOT NULL DEFAULT '',
    first_name TEXT COLLATE "C" NOT NULL,
    last_name TEXT COLLATE "C" NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    job_title TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    address_street TEXT NOT NULL DEFAULT '',
    address_locality TEXT NOT NULL DEFAULT '',
    address_region TEXT NOT NULL DEFAULT '',
    address_postal_code TEXT NOT NULL DEFAULT '',
    address_country TEXT NOT NULL DEFAULT '',
    supervisor_id TEXT REFERENCES users(id),
    department_id TEXT REFERENCES units(id),
    location_id TEXT REFERENCES units(id),
    license TEXT NOT NULL DEFAULT 'standard',
    expires_at BIGINT NOT NULL DEFAULT 0,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
    locked_at BIGINT NOT NULL DEFAULT 0,
    lock_reason TEXT NOT NULL DEFAULT '',
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL DEFAULT '',
    must_change_password BOOLEAN NOT NULL DEFAULT false,
    first_sign_in_at BIGINT NOT NULL DEFAULT 0,
    last_sign_in_at BIGINT NOT NULL DEFAULT 0,
    deleted_at BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX users_username ON users(org_id, username_key);
CREATE UNIQUE INDEX users_email ON users(org_id, email_key) WHERE email_key <> '';
CREATE UNIQUE INDEX users_external_id ON users(org_id, external_id) WHERE external_id <> '';
CREATE INDEX users_by_last_name ON users(org_id, last_name, id) WHERE deleted_at = 0;
CREATE INDEX users_by_first_name ON users(org_id, first_name, id) WHERE deleted_at = 0;
CREATE INDEX users_by_username ON users(org_id, username_key, id) WHERE deleted_at = 0;
CREATE INDEX users_by_email ON users(org_id, email_key, id) WHERE deleted_at = 0;
CREATE INDEX users_by_created ON users(org_id, created_at, id) WHERE deleted_at = 0;
CREATE INDEX users_by_last_sign_in ON users(org_id, last_sign_in_at, id) WHERE deleted_at = 0;
CREATE INDEX users_by_status ON users(org_id, status, last_name, id) WHERE deleted_at = 0;
CREATE INDEX users_in_bin ON users(org_id, deleted_at) WHERE deleted_at <> 0;
CREATE INDEX users_locked ON users(org_id, locked_at) WHERE locked_at <> 0;
CREATE INDEX users_expiring ON users(org_id, expires_at) WHERE expires_at <> 0;
CREATE INDEX users_supervisor ON users(supervisor_id);
CREATE INDEX users_department ON users(department_id);
CREATE INDEX users_location ON users(location_id);
CREATE INDEX users_license ON users(org_id, license);

-- The full-text index: search_text holds lower-cased words (see
-- directory.SearchText); prefix queries run on the GIN index.
ALTER TABLE users ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX users_search ON users USING gin (search);

-- user_counts keeps the number of users per status, in and out of the
-- recycle bin, so that an unfiltered list answers its total without a scan.
CREATE TABLE user_counts (
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    in_bin BOOLEAN NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, status, in_bin)
);
-- +goose StatementBegin
CREATE FUNCTION user_counts_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE user_counts SET n = n - 1
        WHERE org_id = OLD.org_id AND status = OLD.status AND in_bin = (OLD.deleted_at <> 0);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO user_counts(org_id, status, in_bin, n) VALUES (NEW.org_id, NEW.status, NEW.deleted_at <> 0, 1)
        ON CONFLICT (org_id, status, in_bin) DO UPDATE SET n = user_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER user_counts_insert_delete AFTER INSERT OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION user_counts_maintain();
CREATE TRIGGER user_counts_update AFTER UPDATE OF status, deleted_at ON users
    FOR EACH ROW WHEN (OLD.status <> NEW.status OR (OLD.deleted_at <> 0) <> (NEW.deleted_at <> 0))
    EXECUTE FUNCTION user_counts_maintain();
CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role_id TEXT NOT NULL REFERENCES roles(id),
    unit_id TEXT REFERENCES units(id),
    starts_at BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '{}',
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX grants_user ON grants(user_id);
CREATE INDEX grants_role ON grants(role_id);
CREATE INDEX grants_unit ON grants(unit_id);

CREATE TABLE custom_fields (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    type TEXT NOT NULL,
    required BOOLEAN NOT NULL DEFAULT false,
    choices TEXT NOT NULL DEFAULT '[]',
    position BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX custom_fields_key ON custom_fields(org_id, key);

CREATE TABLE user_field_values (
    user_id TEXT NOT NULL REFERENCES users(id),
    field_id TEXT NOT NULL REFERENCES custom_fields(id),
    org_id TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, field_id)
);
CREATE INDEX user_field_values_by_value ON user_field_values(field_id, value);

CREATE TABLE time_off (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX time_off_user ON time_off(user_id, starts_on);
CREATE INDEX time_off_current ON time_off(org_id, ends_on, starts_on);

CREATE TABLE user_photos (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    org_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BYTEA NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    grant_id TEXT REFERENCES grants(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE INDEX api_tokens_org ON api_tokens(org_id, created_at);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor_id TEXT NOT NULL DEFAULT '',
    actor_name TEXT NOT NULL DEFAULT '',
    impersonator_id TEXT NOT NULL DEFAULT '',
    token_id TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id TEXT NOT NULL DEFAULT '',
    target_name TEXT NOT NULL DEFAULT '',
    changes TEXT NOT NULL DEFAULT '[]',
    ip TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    import_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit_events(org_id, at, id);
CREATE INDEX audit_by_actor ON audit_events(org_id, actor_id, at, id);
CREATE INDEX audit_by_target ON audit_events(org_id, target_id, at, id);
CREATE INDEX audit_by_action ON audit_events(org_id, action, at, id);
-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP FUNCTION user_counts_maintain() CASCADE;
DROP TABLE api_tokens;
DROP TABLE user_photos;
DROP TABLE time_off;
DROP TABLE user_field_values;
DROP TABLE custom_fields;
DROP TABLE grants;
DROP TABLE user_counts;
DROP TABLE users;
DROP TABLE roles;
DROP TABLE units;
DROP TABLE unit_kinds;
DROP TABLE organizations;
