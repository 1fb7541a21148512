package store

import (
	"context"

	"roster/internal/directory"
)

// ClaimAttempt takes one of the threshold sign-in attempts a user has before
// the account locks: it counts the attempt as failed before the credential
// is checked, so that parallel guesses cannot all be checked against a
// count that has not moved yet. It reports false, without counting, when
// the account is locked or its attempts are used up; the caller must then
// not check the credential at all.
//
// It commits on its own, without waiting for the disk on PostgreSQL: the
// count must be visible to parallel attempts at once, and its commit must
// cost no more than the same statement for an account that does not exist
// (which writes nothing), so that timing does not tell them apart. A
// crash can lose the last counts, never more.
func (db *DB) ClaimAttempt(ctx context.Context, orgID, userID string, threshold int) (bool, error) {
	var claimed bool
	err := db.InTx(ctx, func(tx *Tx) error {
		if q := tx.d.relaxCommit(); q != "" {
			if _, err := tx.exec(ctx, q); err != nil {
				return err
			}
		}
		res, err := tx.exec(ctx, `UPDATE users SET failed_attempts = failed_attempts + 1
			WHERE org_id = ? AND id = ? AND locked_at = 0 AND failed_attempts < ?`, orgID, userID, threshold)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	return claimed, err
}

// ClearAttempts sets a user's failure count back to zero after a credential
// was right, and reports false, changing nothing, when the account was
// locked meanwhile.
func (c *Conn) ClearAttempts(ctx context.Context, orgID, userID string) (bool, error) {
	res, err := c.exec(ctx, `UPDATE users SET failed_attempts = 0 WHERE org_id = ? AND id = ? AND locked_at = 0`, orgID, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// LockIfExhausted locks the account when its failure count has reached
// threshold and it is not locked yet. It reports whether this call locked
// it, so that exactly one of several parallel failures records the lock.
func (c *Conn) LockIfExhausted(ctx context.Context, orgID, userID string, threshold int, at int64, reason string) (bool, error) {
	res, err := c.exec(ctx, `UPDATE users SET locked_at = ?, lock_reason = ?, updated_at = ?, version = version + 1
		WHERE org_id = ? AND id = ? AND locked_at = 0 AND failed_attempts >= ?`, at, reason, at, orgID, userID, threshold)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UnlockIfLockedBefore unlocks an account locked at or before the given
// time (the organization's automatic unlock) and reports whether it did.
func (c *Conn) UnlockIfLockedBefore(ctx context.Context, orgID, userID string, before, at int64) (bool, error) {
	res, err := c.exec(ctx, `UPDATE users SET locked_at = 0, lock_reason = '', failed_attempts = 0, updated_at = ?,
		version = version + 1 WHERE org_id = ? AND id = ? AND locked_at <> 0 AND locked_at <= ?`, at, orgID, userID, before)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RehashPassword replaces a password hash that verified but was made with
// weaker parameters or another algorithm. The password itself did not
// change, so neither does the user's version. It does nothing when the hash
// changed meanwhile.
func (c *Conn) RehashPassword(ctx context.Context, orgID, userID, oldHash, newHash string) error {
	_, err := c.exec(ctx, `UPDATE users SET password_hash = ? WHERE org_id = ? AND id = ? AND password_hash = ?`,
		newHash, orgID, userID, oldHash)
	return err
}

// TOTP returns a user's TOTP secret ("" when none, pending or confirmed)
// and the last time step a code was accepted for.
func (c *Conn) TOTP(ctx context.Context, orgID, userID string) (secret string, lastStep int64, err error) {
	err = c.queryRow(ctx, `SELECT totp_secret, totp_last_step FROM users WHERE org_id = ? AND id = ?`, orgID, userID).
		Scan(&secret, &lastStep)
	if isNoRows(err) {
		err = directory.NotFound("user")
	}
	return secret, lastStep, err
}

// SetTOTP stores a TOTP secret; enrolledAt is 0 while the user has not yet
// confirmed it with a code. It resets the replay guard.
func (c *Conn) SetTOTP(ctx context.Context, orgID, userID, secret string, enrolledAt int64) error {
	// Confirming changes what the user shows (MFA on), so it bumps the
	// version; a pending secret does not.
	bump := 0
	if enrolledAt != 0 {
		bump = 1
	}
	_, err := c.exec(ctx, `UPDATE users SET totp_secret = ?, totp_enrolled_at = ?, totp_last_step = 0,
		version = version + ? WHERE org_id = ? AND id = ?`, secret, enrolledAt, bump, orgID, userID)
	return err
}

// UseTOTPStep records that a code of the given time step was accepted and
// reports false when a code of that step or a later one was accepted
// before: a replay.
func (c *Conn) UseTOTPStep(ctx context.Context, orgID, userID string, step int64) (bool, error) {
	res, err := c.exec(ctx, `UPDATE users SET totp_last_step = ? WHERE org_id = ? AND id = ? AND totp_last_step < ?`,
		step, orgID, userID, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClearMFA removes a user's TOTP secret and recovery codes, bumping the
// version when MFA was on.
func (c *Conn) ClearMFA(ctx context.Context, orgID, userID string) error {
	if _, err := c.exec(ctx, `UPDATE users SET totp_secret = '', totp_enrolled_at = 0, totp_last_step = 0,
		version = version + CASE WHEN totp_enrolled_at <> 0 THEN 1 ELSE 0 END WHERE org_id = ? AND id = ?`, orgID, userID); err != nil {
		return err
	}
	_, err := c.exec(ctx, `DELETE FROM recovery_codes WHERE org_id = ? AND user_id = ?`, orgID, userID)
	return err
}

// ReplaceRecoveryCodes stores a new set of recovery code hashes for a user,
// dropping the old set.
func (c *Conn) ReplaceRecoveryCodes(ctx context.Context, orgID, userID string, hashes []string, at int64) error {
	if _, err := c.exec(ctx, `DELETE FROM recovery_codes WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := c.exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, org_id, created_at) VALUES (?, ?, ?, ?)`,
			userID, h, orgID, at); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode marks an unused recovery code as used and reports whether
// there was one with that hash.
func (c *Conn) UseRecoveryCode(ctx context.Context, orgID, userID, hash string, at int64) (bool, error) {
	res, err := c.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE org_id = ? AND user_id = ? AND code_hash = ? AND used_at = 0`,
		at, orgID, userID, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (c *Conn) RecoveryCodesLeft(ctx context.Context, orgID, userID string) (int, error) {
	var n int
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE org_id = ? AND user_id = ? AND used_at = 0`,
		orgID, userID).Scan(&n)
	return n, err
}

// SetSecurityAnswer stores a user's security question and the hash of the
// answer ("" and "" remove them).
func (c *Conn) SetSecurityAnswer(ctx context.Context, orgID, userID, question, answerHash string) error {
	_, err := c.exec(ctx, `UPDATE users SET security_question = ?, security_answer_hash = ? WHERE org_id = ? AND id = ?`,
		question, answerHash, orgID, userID)
	return err
}

// SecurityAnswer returns a user's security question and answer hash.
func (c *Conn) SecurityAnswer(ctx context.Context, orgID, userID string) (question, answerHash string, err error) {
	err = c.queryRow(ctx, `SELECT security_question, security_answer_hash FROM users WHERE org_id = ? AND id = ?`,
		orgID, userID).Scan(&question, &answerHash)
	if isNoRows(err) {
		err = directory.NotFound("user")
	}
	return question, answerHash, err
}
