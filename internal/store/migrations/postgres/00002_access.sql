-- +goose Up
-- Access: role requirements, resources and their assignments, groups,
-- relationships between users.
ALTER TABLE roles ADD COLUMN required_fields TEXT NOT NULL DEFAULT '[]';
-- One grant per user, role and scope.
CREATE UNIQUE INDEX grants_unique ON grants(user_id, role_id, COALESCE(unit_id, ''));
ALTER TABLE grants ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE resource_kinds (
    org_id TEXT NOT NULL REFERENCES organizations(id),
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE resources (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    unit_id TEXT REFERENCES units(id),
    archived_at BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (org_id, kind) REFERENCES resource_kinds(org_id, key)
);
CREATE UNIQUE INDEX resources_external_id ON resources(org_id, kind, external_id) WHERE external_id <> '';
CREATE INDEX resources_by_name ON resources(org_id, name, id);
CREATE INDEX resources_unit ON resources(unit_id);

CREATE TABLE resource_grants (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    resource_id TEXT NOT NULL REFERENCES resources(id),
    relation TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX resource_grants_unique ON resource_grants(user_id, resource_id, relation);
CREATE INDEX resource_grants_resource ON resource_grants(resource_id);

CREATE TABLE group_categories (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX group_categories_name ON group_categories(org_id, name);

CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    category_id TEXT REFERENCES group_categories(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_name ON groups(org_id, name);
CREATE INDEX groups_category ON groups(category_id);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    org_id TEXT NOT NULL,
    added_by TEXT NOT NULL DEFAULT '',
    added_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE relationship_kinds (
    org_id TEXT NOT NULL REFERENCES organizations(id),
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    inverse_label TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE relationships (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    from_user_id TEXT NOT NULL REFERENCES users(id),
    to_user_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    FOREIGN KEY (org_id, kind) REFERENCES relationship_kinds(org_id, key)
);
CREATE UNIQUE INDEX relationships_unique ON relationships(org_id, kind, from_user_id, to_user_id);
CREATE INDEX relationships_to ON relationships(to_user_id);
CREATE INDEX relationships_from ON relationships(from_user_id);

-- Organizations made before this migration get the default kinds that new
-- ones are created with.
INSERT INTO resource_kinds (org_id, key, label, position)
    SELECT id, 'client', 'Client', 1 FROM organizations;
INSERT INTO resource_kinds (org_id, key, label, position)
    SELECT id, 'student', 'Student', 2 FROM organizations;
INSERT INTO resource_kinds (org_id, key, label, position)
    SELECT id, 'channel', 'Channel', 3 FROM organizations;
INSERT INTO relationship_kinds (org_id, key, label, inverse_label)
    SELECT id, 'parent_of', 'Parent of', 'Student of' FROM organizations;
INSERT INTO relationship_kinds (org_id, key, label, inverse_label)
    SELECT id, 'supervisor_of', 'Supervisor of', 'Team member of' FROM organizations;

-- +goose Down
DROP TABLE relationships;
DROP TABLE relationship_kinds;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE group_categories;
DROP TABLE resource_grants;
DROP TABLE resources;
DROP TABLE resource_kinds;
DROP INDEX grants_unique;
ALTER TABLE grants DROP COLUMN updated_at;
ALTER TABLE roles DROP COLUMN required_fields;
