-- +goose Up
-- SCIM provisioning. A row in scim_users marks a user as provisioned: a
-- SCIM client created it (or the organization linked a user added by hand
-- to it), and the SCIM endpoints see only such users. It holds what SCIM
-- says about the user that has no column of its own in users: the type of
-- the email, phone and address Roster keeps, and (extra, JSON) the other
-- SCIM attributes the client sent, returned as they were sent.
CREATE TABLE scim_users (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    token_id TEXT NOT NULL DEFAULT '',
    email_type TEXT NOT NULL DEFAULT '',
    phone_type TEXT NOT NULL DEFAULT '',
    address_type TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{}',
    linked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX scim_users_org ON scim_users(org_id);

-- A row in scim_groups marks a group as provisioned, with the client's
-- externalId of it.
CREATE TABLE scim_groups (
    group_id TEXT PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    external_id TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX scim_groups_external_id ON scim_groups(org_id, external_id) WHERE external_id <> '';

-- The role and scope that users a token provisions receive ('' = none);
-- admin checks them, and the delegation rule, whenever they are used.
ALTER TABLE api_tokens ADD COLUMN provision_role_id TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN provision_unit_id TEXT NOT NULL DEFAULT '';

-- The owner role holds every permission, the new one too.
UPDATE roles SET permissions = permissions || ' scim.provision' WHERE key = 'owner';

-- +goose Down
UPDATE roles SET permissions = REPLACE(permissions, ' scim.provision', '') WHERE key = 'owner';
ALTER TABLE api_tokens DROP COLUMN provision_unit_id;
ALTER TABLE api_tokens DROP COLUMN provision_role_id;
DROP TABLE scim_groups;
DROP TABLE scim_users;
