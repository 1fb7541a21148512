-- +goose Up
-- Every index of users costs each new user an entry; a bulk import of
-- 100,000 users spends most of its time writing them. These went:
--
-- users_by_username duplicated the unique index users_username: user names
-- are unique in an organization, so (org_id, username_key) already gives
-- the list sorted by user name, users in the recycle bin skipped.
DROP INDEX users_by_username;
-- users_license told apart two values, one of them held by nearly every
-- user; a list filtered to premium users reads users_premium instead.
DROP INDEX users_license;
-- user_words_by_user found a user's words to remove them. The store now
-- removes them by their primary key, from the search text and last name
-- stored on the user (see words.go), which are what they were made from.
DROP INDEX user_words_by_user;
-- A reference to a supervisor, department or location is needed only to
-- find who has one; most users have none, and a NULL needs no entry.
DROP INDEX users_supervisor;
DROP INDEX users_department;
DROP INDEX users_location;
CREATE INDEX users_supervisor ON users(supervisor_id) WHERE supervisor_id IS NOT NULL;
CREATE INDEX users_department ON users(department_id) WHERE department_id IS NOT NULL;
CREATE INDEX users_location ON users(location_id) WHERE location_id IS NOT NULL;

-- +goose Down
DROP INDEX users_supervisor;
DROP INDEX users_department;
DROP INDEX users_location;
CREATE INDEX users_supervisor ON users(supervisor_id);
CREATE INDEX users_department ON users(department_id);
CREATE INDEX users_location ON users(location_id);
CREATE INDEX user_words_by_user ON user_words(user_id, word);
CREATE INDEX users_license ON users(org_id, license);
CREATE INDEX users_by_username ON users(org_id, username_key, id) WHERE deleted_at = 0;
