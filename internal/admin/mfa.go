package admin

import (
	"context"
	"strings"
	"time"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// recoveryCodeCount is how many recovery codes a user gets.
const recoveryCodeCount = 10

// TOTPEnrolment is an authenticator being set up: the key as text and as
// an otpauth:// URL (shown as a QR code).
type TOTPEnrolment struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// mfaSelf checks that a session may change its own MFA: signed in (or
// gated only by the enrolment it is doing), not emulating anyone.
func (s *Service) mfaSelf(st *SessionState) error {
	if st == nil || st.Session == nil {
		return errNoSession
	}
	if st.Gate != "" && st.Gate != GateEnrolMFA {
		return directory.Errorf(directory.KindForbidden, "finish signing in first")
	}
	if st.Target != nil {
		return directory.Errorf(directory.KindForbidden, "MFA cannot be changed while emulating another user")
	}
	return nil
}

// StartTOTP begins setting up an authenticator for the signed-in user: a
// new secret, kept unconfirmed until ConfirmTOTP. A user who already has
// one is KindConflict (an administrator resets it first, or the user
// removes it with their password).
func (s *Service) StartTOTP(ctx context.Context, st *SessionState) (*TOTPEnrolment, error) {
	if err := s.mfaSelf(st); err != nil {
		return nil, err
	}
	u, err := s.db.User(ctx, st.User.OrgID, st.User.ID)
	if err != nil {
		return nil, err
	}
	if !u.MFAEnrolledAt.IsZero() {
		return nil, directory.Errorf(directory.KindConflict, "you already have an authenticator app set up")
	}
	account := u.Username
	if u.Email != "" {
		account = u.Email
	}
	key, err := auth.NewTOTP(st.Org.Name, account)
	if err != nil {
		return nil, err
	}
	png, err := key.QRPNG(240)
	if err != nil {
		return nil, err
	}
	if err := s.db.SetTOTP(ctx, u.OrgID, u.ID, key.Secret, 0); err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret, URL: key.URL, QRPNG: png}, nil
}

// PendingTOTP returns the unconfirmed authenticator of the signed-in user,
// so that a form shown again keeps the same key; nil when there is none.
func (s *Service) PendingTOTP(ctx context.Context, st *SessionState) (*TOTPEnrolment, error) {
	if err := s.mfaSelf(st); err != nil {
		return nil, err
	}
	u, err := s.db.User(ctx, st.User.OrgID, st.User.ID)
	if err != nil {
		return nil, err
	}
	secret, _, err := s.db.TOTP(ctx, u.OrgID, u.ID)
	if err != nil || secret == "" || !u.MFAEnrolledAt.IsZero() {
		return nil, err
	}
	account := u.Username
	if u.Email != "" {
		account = u.Email
	}
	key := auth.TOTPKeyFor(st.Org.Name, account, secret)
	png, err := key.QRPNG(240)
	if err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret, URL: key.URL, QRPNG: png}, nil
}

// ConfirmTOTP finishes setting up the authenticator with a code from it and
// returns ten new recovery codes, shown this once and stored hashed. A
// wrong code is KindInvalid on "code" (it does not count toward the
// lockout: the user is already signed in). The session gets a new secret
// (returned): MFA raises the session's assurance.
func (s *Service) ConfirmTOTP(ctx context.Context, st *SessionState, code string) ([]string, string, error) {
	if err := s.mfaSelf(st); err != nil {
		return nil, "", err
	}
	u := st.User
	secret, _, err := s.db.TOTP(ctx, u.OrgID, u.ID)
	if err != nil {
		return nil, "", err
	}
	fresh, _ := s.db.User(ctx, u.OrgID, u.ID)
	if fresh != nil && !fresh.MFAEnrolledAt.IsZero() {
		return nil, "", directory.Errorf(directory.KindConflict, "you already have an authenticator app set up")
	}
	if secret == "" {
		return nil, "", directory.Errorf(directory.KindConflict, "start the set-up again")
	}
	now := s.now()
	step, ok := auth.CheckTOTP(secret, code, now)
	if !ok {
		return nil, "", &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "code", Message: "is not right; enter the six digits your app shows now"}}}
	}
	codes, err := auth.NewRecoveryCodes(recoveryCodeCount)
	if err != nil {
		return nil, "", err
	}
	sessionSecret, err := auth.NewSecret(sessionSecretPrefix)
	if err != nil {
		return nil, "", err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetTOTP(ctx, u.OrgID, u.ID, secret, now.UnixMicro()); err != nil {
			return err
		}
		// The confirming code is spent: it cannot sign anyone in again.
		if _, err := tx.UseTOTPStep(ctx, u.OrgID, u.ID, step); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, u.OrgID, u.ID, hashCodes(codes), now.UnixMicro()); err != nil {
			return err
		}
		st.Session.LastSeenAt = now
		if err := tx.UpdateSession(ctx, st.Session, auth.HashSecret(sessionSecret)); err != nil {
			return err
		}
		return s.record(ctx, tx, s.selfActor(st), "user.mfa_enrol", "user", u.ID, u.Name(),
			[]directory.Change{{Field: "mfa", Before: false, After: true}})
	})
	if err != nil {
		return nil, "", err
	}
	st.User.MFAEnrolledAt = now
	if st.Gate == GateEnrolMFA {
		st.Gate = ""
	}
	return codes, sessionSecret, nil
}

func hashCodes(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = auth.HashRecoveryCode(c)
	}
	return out
}

// RegenerateRecoveryCodes replaces the signed-in user's recovery codes
// after checking their password, and returns the new ones.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, st *SessionState, password string) ([]string, error) {
	if err := s.mfaSelf(st); err != nil {
		return nil, err
	}
	if st.Gate != "" {
		return nil, directory.Errorf(directory.KindForbidden, "finish signing in first")
	}
	if st.User.MFAEnrolledAt.IsZero() {
		return nil, directory.Errorf(directory.KindConflict, "set up an authenticator app first")
	}
	if err := s.reauthenticate(ctx, st, password); err != nil {
		return nil, err
	}
	codes, err := auth.NewRecoveryCodes(recoveryCodeCount)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.ReplaceRecoveryCodes(ctx, st.User.OrgID, st.User.ID, hashCodes(codes), s.now().UnixMicro()); err != nil {
			return err
		}
		return s.record(ctx, tx, s.selfActor(st), "user.recovery_codes", "user", st.User.ID, st.User.Name(),
			[]directory.Change{{Field: "recovery_codes", After: "(replaced)"}})
	})
	return codes, err
}

// RemoveOwnMFA removes the signed-in user's authenticator and recovery
// codes after checking their password. When MFA is required of them it is
// KindConflict.
func (s *Service) RemoveOwnMFA(ctx context.Context, st *SessionState, password string) error {
	if err := s.mfaSelf(st); err != nil {
		return err
	}
	if st.Gate != "" {
		return directory.Errorf(directory.KindForbidden, "finish signing in first")
	}
	required, err := s.mfaRequired(ctx, &s.db.Conn, st.Org, st.User, s.now())
	if err != nil {
		return err
	}
	if required {
		return directory.Errorf(directory.KindConflict, "MFA is required of you, so it cannot be removed")
	}
	if err := s.reauthenticate(ctx, st, password); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.ClearMFA(ctx, st.User.OrgID, st.User.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, s.selfActor(st), "user.mfa_remove", "user", st.User.ID, st.User.Name(),
			[]directory.Change{{Field: "mfa", Before: true, After: false}})
	})
}

// RecoveryCodesLeft counts the actor's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, st *SessionState) (int, error) {
	if st == nil || st.User == nil {
		return 0, errNoSession
	}
	return s.db.RecoveryCodesLeft(ctx, st.User.OrgID, st.User.ID)
}

// ResetMFA removes a user's authenticator and recovery codes
// (users.reset_password, on a user the actor may manage), ends their
// sessions and tells them by mail. If MFA is required of them they enrol
// again at their next sign-in.
func (s *Service) ResetMFA(ctx context.Context, a *Actor, userID string) (*directory.User, error) {
	if err := s.authorize(a, "users.reset_password"); err != nil {
		return nil, err
	}
	if err := notImpersonating(a, "MFA"); err != nil {
		return nil, err
	}
	var out *directory.User
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		if u.ID == a.UserID {
			return directory.Errorf(directory.KindConflict, "manage your own MFA from your account page")
		}
		if u.MFAEnrolledAt.IsZero() {
			return directory.Errorf(directory.KindConflict, "%s has no MFA set up", u.Name())
		}
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		if err := tx.ClearMFA(ctx, u.OrgID, u.ID); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, u.OrgID, u.ID, ""); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, org, u, noticeMFAReset, nil); err != nil {
			return err
		}
		u.MFAEnrolledAt = time.Time{}
		u.Version++
		out = u
		return s.record(ctx, tx, a, "user.mfa_reset", "user", u.ID, u.Name(), []directory.Change{{Field: "mfa", Before: true, After: false}})
	})
	if err != nil {
		return nil, err
	}
	return out, s.complete(ctx, out)
}

// SetMFARequired ticks or clears the "require MFA" checkbox of a user the
// actor may manage (users.edit).
func (s *Service) SetMFARequired(ctx context.Context, a *Actor, userID string, required bool, expectVersion int64) (*directory.User, error) {
	return s.stateChange(ctx, a, "users.edit", "user.mfa_required", userID, expectVersion, func(u *directory.User) error {
		if err := notInBin(u); err != nil {
			return err
		}
		u.MFARequired = required
		return nil
	}, nil)
}

// SetSecurityQuestion stores the signed-in user's security question and
// answer (the answer hashed, after folding case and spaces), after checking
// their password. It is KindConflict when the organization does not use
// security questions.
func (s *Service) SetSecurityQuestion(ctx context.Context, st *SessionState, password, question, answer string) error {
	if err := s.mfaSelf(st); err != nil {
		return err
	}
	if st.Gate != "" {
		return directory.Errorf(directory.KindForbidden, "finish signing in first")
	}
	if !st.Org.Policy.SecurityQuestions {
		return directory.Errorf(directory.KindConflict, "your organization does not use security questions")
	}
	var v directory.Validation
	question = strings.TrimSpace(question)
	answer = normalizeAnswer(answer)
	if question == "" {
		v.Add("question", "is required")
	} else if len([]rune(question)) > 200 {
		v.Add("question", "must be at most 200 characters")
	}
	if len([]rune(answer)) < 4 {
		v.Add("answer", "must be at least 4 characters")
	} else if len([]rune(answer)) > 200 {
		v.Add("answer", "must be at most 200 characters")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.reauthenticate(ctx, st, password); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(answer)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetSecurityAnswer(ctx, st.User.OrgID, st.User.ID, question, hash); err != nil {
			return err
		}
		return s.record(ctx, tx, s.selfActor(st), "user.security_question", "user", st.User.ID, st.User.Name(),
			[]directory.Change{{Field: "security_question", After: "(set)"}})
	})
}
