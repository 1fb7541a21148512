package store

import (
	"context"
	"strings"

	"roster/internal/directory"
)

const userColumns = `u.id, u.org_id, u.username, u.email, u.first_name, u.last_name, u.display_name, u.phone,
	u.job_title, u.position, u.external_id, u.address_street, u.address_locality, u.address_region,
	u.address_postal_code, u.address_country, COALESCE(u.supervisor_id, ''), COALESCE(u.department_id, ''),
	COALESCE(u.location_id, ''), u.license, u.expires_at, u.status, u.locked_at, u.lock_reason,
	u.failed_attempts, u.password_hash <> '', u.must_change_password, u.mfa_required, u.totp_enrolled_at,
	u.security_answer_hash <> '', u.password_changed_at, u.first_sign_in_at, u.last_sign_in_at,
	u.deleted_at, u.created_by, u.created_at, u.updated_at, u.version`

func scanUser(row interface{ Scan(...any) error }) (*directory.User, error) {
	var u directory.User
	var expires, locked, first, last, deleted, created, updated, enrolled, changed int64
	var license, status string
	err := row.Scan(&u.ID, &u.OrgID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.DisplayName, &u.Phone,
		&u.JobTitle, &u.Position, &u.ExternalID, &u.Address.Street, &u.Address.Locality, &u.Address.Region,
		&u.Address.PostalCode, &u.Address.Country, &u.SupervisorID, &u.DepartmentID,
		&u.LocationID, &license, &expires, &status, &locked, &u.LockReason,
		&u.FailedAttempts, &u.HasPassword, &u.MustChangePassword, &u.MFARequired, &enrolled,
		&u.HasSecurityAnswer, &changed, &first, &last,
		&deleted, &u.CreatedBy, &created, &updated, &u.Version)
	if err != nil {
		return nil, err
	}
	u.License, u.Status = directory.License(license), directory.Status(status)
	u.ExpiresAt, u.LockedAt = fromMicros(expires), fromMicros(locked)
	u.FirstSignInAt, u.LastSignInAt = fromMicros(first), fromMicros(last)
	u.MFAEnrolledAt, u.PasswordChangedAt = fromMicros(enrolled), fromMicros(changed)
	u.DeletedAt, u.CreatedAt, u.UpdatedAt = fromMicros(deleted), fromMicros(created), fromMicros(updated)
	return &u, nil
}

// duplicateUser turns a unique-index violation on users into a conflict
// naming the field; the caller fills in the existing user.
func (c *Conn) duplicateUser(err error) error {
	name, dup := c.d.uniqueViolation(err)
	if !dup {
		return err
	}
	field := "username"
	switch {
	case strings.Contains(name, "email"):
		field = "email"
	case strings.Contains(name, "external_id"):
		field = "external_id"
	}
	return &DuplicateError{Field: field}
}

// DuplicateError reports that a unique user field is already taken.
type DuplicateError struct {
	Field string // username, email or external_id
}

func (e *DuplicateError) Error() string { return e.Field + " is already taken" }

// CreateUser inserts u (with passwordHash, possibly empty); u.CustomFields
// is not stored here, SetFieldValue stores each value. A taken username,
// email or external id is a *DuplicateError. The row, its search words and
// (on SQLite) its full-text entry are separate statements: call it on a
// transaction, as InsertUsersWithPasswords says.
func (c *Conn) CreateUser(ctx context.Context, u *directory.User, passwordHash string) error {
	return c.InsertUsersWithPasswords(ctx, []*directory.User{u}, []string{passwordHash})
}

// User returns the user of the organization with the given id, whether or
// not it is in the recycle bin.
func (c *Conn) User(ctx context.Context, orgID, id string) (*directory.User, error) {
	u, err := scanUser(c.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.org_id = ? AND u.id = ?`, orgID, id))
	if isNoRows(err) {
		return nil, directory.NotFound("user")
	}
	return u, err
}

// UserByLogin returns the user whose username or email is login,
// case-insensitively.
func (c *Conn) UserByLogin(ctx context.Context, orgID, login string) (*directory.User, error) {
	key := directory.FoldKey(login)
	u, err := scanUser(c.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.org_id = ? AND u.username_key = ?`, orgID, key))
	if isNoRows(err) && key != "" {
		u, err = scanUser(c.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.org_id = ? AND u.email_key <> '' AND u.email_key = ?`, orgID, key))
	}
	if isNoRows(err) {
		return nil, directory.NotFound("user")
	}
	return u, err
}

// UserByField returns the user holding value in the unique field (username,
// email or external_id), for naming the holder of a duplicate.
func (c *Conn) UserByField(ctx context.Context, orgID, field, value string) (*directory.User, error) {
	var q string
	switch field {
	case "username":
		q, value = `u.username_key = ?`, directory.FoldKey(value)
	case "email":
		// The unique indexes of emails and external ids are partial (blank
		// values are not unique); the query must name their condition for
		// SQLite to use them.
		q, value = `u.email_key <> '' AND u.email_key = ?`, directory.FoldKey(value)
	case "external_id":
		q = `u.external_id <> '' AND u.external_id = ?`
	default:
		return nil, directory.NotFound("user")
	}
	u, err := scanUser(c.queryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.org_id = ? AND `+q, orgID, value))
	if isNoRows(err) {
		return nil, directory.NotFound("user")
	}
	return u, err
}

// PasswordHash returns the stored password hash of a user ("" when none).
func (c *Conn) PasswordHash(ctx context.Context, orgID, id string) (string, error) {
	var h string
	err := c.queryRow(ctx, `SELECT password_hash FROM users WHERE org_id = ? AND id = ?`, orgID, id).Scan(&h)
	if isNoRows(err) {
		return "", directory.NotFound("user")
	}
	return h, err
}

func (c *Conn) checkVersion(res interface{ RowsAffected() (int64, error) }) error {
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.Errorf(directory.KindPrecondition, "the user was changed by someone else; reload and try again")
	}
	return nil
}

// UpdateUserProfile saves the profile of u (not its email) if its version is
// still expectVersion, and bumps the version.
func (c *Conn) UpdateUserProfile(ctx context.Context, u *directory.User, expectVersion int64) error {
	// The search text covers the email, which this update keeps: index the
	// stored one, not whatever u.Email holds. A concurrent email change bumps
	// the version, so the update below then fails.
	search := u.Profile
	var before wordSource
	var deleted int64
	err := c.queryRow(ctx, `SELECT email, search_text, last_name, deleted_at FROM users WHERE org_id = ? AND id = ?`,
		u.OrgID, u.ID).Scan(&search.Email, &before.search, &before.lastName, &deleted)
	before.live = deleted == 0
	if isNoRows(err) {
		return directory.Errorf(directory.KindPrecondition, "the user was changed by someone else; reload and try again")
	}
	if err != nil {
		return err
	}
	res, err := c.exec(ctx, `UPDATE users SET username = ?, username_key = ?, first_name = ?, last_name = ?,
		display_name = ?, phone = ?, job_title = ?, position = ?, external_id = ?, address_street = ?,
		address_locality = ?, address_region = ?, address_postal_code = ?, address_country = ?, supervisor_id = ?,
		department_id = ?, location_id = ?, license = ?, expires_at = ?, updated_at = ?, version = version + 1,
		search_text = ?
		WHERE org_id = ? AND id = ? AND version = ?`,
		u.Username, directory.FoldKey(u.Username), u.FirstName, u.LastName, u.DisplayName, u.Phone, u.JobTitle,
		u.Position, u.ExternalID, u.Address.Street, u.Address.Locality, u.Address.Region, u.Address.PostalCode,
		u.Address.Country, nullable(u.SupervisorID), nullable(u.DepartmentID), nullable(u.LocationID),
		string(u.License), micros(u.ExpiresAt), micros(u.UpdatedAt), directory.SearchText(&search),
		u.OrgID, u.ID, expectVersion)
	if err != nil {
		return c.duplicateUser(err)
	}
	if err := c.checkVersion(res); err != nil {
		return err
	}
	if err := c.syncWords(ctx, u.OrgID, u.ID, before); err != nil {
		return err
	}
	u.Version = expectVersion + 1
	return nil
}

// UpdateUserEmail saves a new email for u if its version is still expectVersion.
func (c *Conn) UpdateUserEmail(ctx context.Context, u *directory.User, expectVersion int64) error {
	before, err := c.wordSourceOf(ctx, u.OrgID, u.ID)
	if err != nil {
		return err
	}
	res, err := c.exec(ctx, `UPDATE users SET email = ?, email_key = ?, updated_at = ?, version = version + 1, search_text = ?
		WHERE org_id = ? AND id = ? AND version = ?`,
		u.Email, directory.FoldKey(u.Email), micros(u.UpdatedAt), directory.SearchText(&u.Profile), u.OrgID, u.ID, expectVersion)
	if err != nil {
		return c.duplicateUser(err)
	}
	if err := c.checkVersion(res); err != nil {
		return err
	}
	if err := c.syncWords(ctx, u.OrgID, u.ID, before); err != nil {
		return err
	}
	u.Version = expectVersion + 1
	return nil
}

// UpdateUserState saves the status, lock, deletion and password-change
// flags of u if its version is still expectVersion.
func (c *Conn) UpdateUserState(ctx context.Context, u *directory.User, expectVersion int64) error {
	// Moving in or out of the recycle bin adds or removes the user's words.
	before, err := c.wordSourceOf(ctx, u.OrgID, u.ID)
	if err != nil {
		return err
	}
	res, err := c.exec(ctx, `UPDATE users SET status = ?, locked_at = ?, lock_reason = ?, failed_attempts = ?,
		must_change_password = ?, mfa_required = ?, deleted_at = ?, updated_at = ?, version = version + 1
		WHERE org_id = ? AND id = ? AND version = ?`,
		string(u.Status), micros(u.LockedAt), u.LockReason, u.FailedAttempts, u.MustChangePassword, u.MFARequired,
		micros(u.DeletedAt), micros(u.UpdatedAt), u.OrgID, u.ID, expectVersion)
	if err != nil {
		return err
	}
	if err := c.checkVersion(res); err != nil {
		return err
	}
	if err := c.syncWords(ctx, u.OrgID, u.ID, before); err != nil {
		return err
	}
	u.Version = expectVersion + 1
	return nil
}

// SetPassword stores a new password hash, the must-change flag and the
// status of u (a pending user becomes active), bumping the version. A new
// password starts a new count of failed sign-ins.
func (c *Conn) SetPassword(ctx context.Context, u *directory.User, hash string) error {
	_, err := c.exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, status = ?, updated_at = ?,
		password_changed_at = ?, failed_attempts = 0, version = version + 1 WHERE org_id = ? AND id = ?`,
		hash, u.MustChangePassword, string(u.Status), micros(u.UpdatedAt), micros(u.UpdatedAt), u.OrgID, u.ID)
	if err == nil {
		u.FailedAttempts = 0
		u.Version++
		u.HasPassword = true
		u.PasswordChangedAt = u.UpdatedAt
	}
	return err
}

// RecordSignIn notes a successful sign-in of a user at the given time: the
// last sign-in time, and the first one if there was none. The failure
// count is not touched here: the right credential cleared it when it was
// checked (ClearAttempts), and clearing it again would give attempts made
// meanwhile a second allowance before the account locks.
func (c *Conn) RecordSignIn(ctx context.Context, orgID, id string, at int64) error {
	_, err := c.exec(ctx, `UPDATE users SET last_sign_in_at = ?,
		first_sign_in_at = CASE WHEN first_sign_in_at = 0 THEN ? ELSE first_sign_in_at END
		WHERE org_id = ? AND id = ?`, at, at, orgID, id)
	return err
}

// PurgeUser removes a user and everything that belongs to them for good:
// grants, resource assignments, group memberships, relationships, tokens,
// time off, photo, custom field values, and the supervisor link of the users
// they supervised. A user not in the organization is a
// KindNotFound error, and nothing is removed.
func (c *Conn) PurgeUser(ctx context.Context, orgID, id string) error {
	// Every statement names the organization too, so that an id of another
	// organization removes nothing there.
	words, err := c.wordSourceOf(ctx, orgID, id)
	if err != nil {
		return err
	}
	if err := c.deleteWords(ctx, orgID, id, words); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM api_tokens WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM sessions WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM recovery_codes WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM links WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM grants WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM resource_grants WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM group_members WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM relationships WHERE org_id = ? AND from_user_id = ?`,
		`DELETE FROM relationships WHERE org_id = ? AND to_user_id = ?`,
		`DELETE FROM time_off WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM user_photos WHERE org_id = ? AND user_id = ?`,
		`DELETE FROM user_field_values WHERE org_id = ? AND user_id = ?`,
		`UPDATE users SET supervisor_id = NULL WHERE org_id = ? AND supervisor_id = ?`,
	} {
		if _, err := c.exec(ctx, q, orgID, id); err != nil {
			return err
		}
	}
	res, err := c.exec(ctx, `DELETE FROM users WHERE org_id = ? AND id = ?`, orgID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return directory.NotFound("user")
	}
	return nil
}

// PremiumSeatsUsed counts the users of an organization, outside the recycle
// bin, who hold a premium license.
func (c *Conn) PremiumSeatsUsed(ctx context.Context, orgID string) (int, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM users`+c.d.indexedBy("users_premium")+
		` WHERE org_id = ? AND license = 'premium' AND deleted_at = 0`, orgID).Scan(&n)
	return n, err
}

// CountUsers returns the number of users of an organization, outside the
// recycle bin, from the maintained counters.
func (c *Conn) CountUsers(ctx context.Context, orgID string) (int, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM user_counts WHERE org_id = ? AND in_bin = ?`, orgID, false).Scan(&n)
	return n, err
}
