package admin

import (
	"context"

	"roster/internal/auth"
	"roster/internal/directory"
	"roster/internal/store"
)

// passwordRules are the rules a new password of u must meet under the
// organization's policy: the shorter minimum applies where MFA is required
// of the user.
func passwordRules(p directory.SecurityPolicy, mfa bool) auth.PasswordRules {
	r := auth.PasswordRules{MinLength: p.PasswordMinLength, RequireUpper: p.RequireUpper,
		RequireLower: p.RequireLower, RequireDigit: p.RequireDigit, RequireSymbol: p.RequireSymbol}
	if mfa {
		r.MinLength = p.PasswordMinLengthMFA
	}
	return r
}

func personalInfo(u *directory.User) auth.PersonalInfo {
	if u == nil {
		return auth.PersonalInfo{}
	}
	return auth.PersonalInfo{Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		DisplayName: u.DisplayName}
}

// rulesFor returns the password rules in force for u (nil u: for a new
// user of the organization, on whom MFA is not yet known to be required,
// unless the organization requires it of everyone).
func (s *Service) rulesFor(ctx context.Context, c *store.Conn, org *directory.Organization, u *directory.User) (auth.PasswordRules, error) {
	if u == nil {
		return passwordRules(org.Policy, org.Policy.MFARequired), nil
	}
	mfa, err := s.mfaRequired(ctx, c, org, u, s.now())
	if err != nil {
		return auth.PasswordRules{}, err
	}
	return passwordRules(org.Policy, mfa), nil
}

// checkNewPassword adds the problems of a new password for u to v under
// field.
func (s *Service) checkNewPassword(ctx context.Context, c *store.Conn, org *directory.Organization, u *directory.User,
	who auth.PersonalInfo, field, password string, v *directory.Validation) error {
	rules, err := s.rulesFor(ctx, c, org, u)
	if err != nil {
		return err
	}
	for _, p := range s.blocklist.Check(rules, password, who) {
		v.Add(field, "%s", p)
	}
	return nil
}

// PasswordCriteria returns the password criteria in force for a user of
// the organization (userID "" = for a new user), as sentences for forms.
func (s *Service) PasswordCriteria(ctx context.Context, orgID, userID string) ([]string, error) {
	org, err := s.db.Organization(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var u *directory.User
	if userID != "" {
		if u, err = s.db.User(ctx, orgID, userID); err != nil {
			return nil, err
		}
	}
	rules, err := s.rulesFor(ctx, &s.db.Conn, org, u)
	if err != nil {
		return nil, err
	}
	return rules.Describe(), nil
}

// setPassword stores a new password for u in tx and ends the user's
// sessions (but keep) and API tokens: a new password shuts out whoever
// knew the old one.
func (s *Service) setPassword(ctx context.Context, tx *store.Tx, u *directory.User, password string, mustChange bool, keep string) error {
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return err
	}
	if u.Status == directory.StatusPending {
		u.Status = directory.StatusActive
	}
	u.MustChangePassword = mustChange
	u.UpdatedAt = s.now()
	if err := tx.SetPassword(ctx, u, hash); err != nil {
		return err
	}
	// A set password voids every reset link still out.
	if err := tx.VoidLinks(ctx, u.OrgID, u.ID, directory.LinkReset, s.now().UnixMicro()); err != nil {
		return err
	}
	return s.endAccess(ctx, tx, u.OrgID, u.ID, keep)
}

// ChangeOwnPassword changes the signed-in user's password after checking
// the current one (a wrong one counts toward the lockout and is
// KindInvalid on current_password). It ends the user's other sessions and
// API tokens, and gives this session a new secret, which it returns. It is
// also how a user clears the must-change-password gate. Not allowed while
// emulating another user.
func (s *Service) ChangeOwnPassword(ctx context.Context, st *SessionState, current, password string) (string, error) {
	if st == nil || st.Session == nil {
		return "", errNoSession
	}
	if st.Gate != "" && st.Gate != GateChangePassword {
		return "", directory.Errorf(directory.KindForbidden, "finish signing in first")
	}
	if st.Target != nil {
		return "", directory.Errorf(directory.KindForbidden, "a password cannot be changed while emulating another user")
	}
	u := st.User
	var v directory.Validation
	if err := s.checkNewPassword(ctx, &s.db.Conn, st.Org, u, personalInfo(u), "password", password, &v); err != nil {
		return "", err
	}
	if current == password && password != "" {
		v.Add("password", "must differ from the current password")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	if err := s.reauthenticate(ctx, st, current); err != nil {
		return "", err
	}
	fresh, err := auth.NewSecret(sessionSecretPrefix)
	if err != nil {
		return "", err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, u.OrgID, u.ID)
		if err != nil {
			return err
		}
		before := u.MustChangePassword
		if err := s.setPassword(ctx, tx, u, password, false, st.Session.ID); err != nil {
			return err
		}
		st.User = u
		st.Session.LastSeenAt = s.now()
		if err := tx.UpdateSession(ctx, st.Session, auth.HashSecret(fresh)); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, st.Org, u, noticePasswordChanged, nil); err != nil {
			return err
		}
		changes := []directory.Change{{Field: "password", Before: "(hidden)", After: "(changed)"}}
		if before {
			changes = append(changes, directory.Change{Field: "must_change_password", Before: true, After: false})
		}
		return s.record(ctx, tx, s.selfActor(st), "user.change_password", "user", u.ID, u.Name(), changes)
	})
	if err != nil {
		return "", err
	}
	if st.Gate == GateChangePassword {
		st.Gate = ""
	}
	return fresh, nil
}

// reauthenticate checks the signed-in user's password before a sensitive
// change. A wrong password counts toward the lockout and is KindInvalid on
// the field current_password.
func (s *Service) reauthenticate(ctx context.Context, st *SessionState, password string) error {
	u := st.User
	c := Client{IP: st.Session.IP}
	if st.Actor != nil {
		c.IP, c.RequestID = st.Actor.IP, st.Actor.RequestID
	}
	ok, err := s.attempt(ctx, st.Org, u, c, func() (bool, error) {
		hash, err := s.db.PasswordHash(ctx, u.OrgID, u.ID)
		if err != nil {
			return false, err
		}
		good, _, err := s.hasher.VerifyAny(hash, password)
		return good && err == nil, nil
	})
	if err != nil {
		return err
	}
	if !ok {
		return &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "current_password", Message: "is not right"}}}
	}
	return nil
}

// Password reset methods an administrator chooses from.
const (
	ResetByLink      = "link"      // mail the user a reset link (the default)
	ResetByTemporary = "temporary" // set a password the user changes at the next sign-in
	ResetByCreate    = "create"    // for a pending user: set their password and activate them
)

// ResetInput is an administrator's password reset.
type ResetInput struct {
	Method   string // ResetByLink ("" too), ResetByTemporary or ResetByCreate
	Password string // for temporary and create
	// RequireChange makes the user change the password at the next sign-in;
	// nil = yes for a temporary password, no for a created one.
	RequireChange *bool
}

// ResetResult says what a reset did. The administrator never sees a
// password or a link secret.
type ResetResult struct {
	User   *directory.User
	Method string
	// LinkSentTo is where the reset link went.
	LinkSentTo string
}

// ResetPassword is an administrator's password reset for a user they may
// manage (users.reset_password): a reset link by mail, a temporary password
// ("require change at next sign-in" unless told otherwise), or, for a
// pending user, "create password", which activates them and voids their
// invitation. It ends the user's sessions and API tokens when the password
// changes. A locked account must be unlocked first (KindConflict); a link
// for a user without an email is KindConflict.
func (s *Service) ResetPassword(ctx context.Context, a *Actor, userID string, in ResetInput) (*ResetResult, error) {
	if err := s.authorize(a, "users.reset_password"); err != nil {
		return nil, err
	}
	if err := notImpersonating(a, "passwords"); err != nil {
		return nil, err
	}
	if in.Method == "" {
		in.Method = ResetByLink
	}
	if in.Method == ResetByLink && in.Password != "" {
		// A password sent with a link would be dropped without a word.
		return nil, &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "password", Message: "is only taken with method temporary or create"}}}
	}
	var out *ResetResult
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.manageUser(ctx, &tx.Conn, a, userID)
		if err != nil {
			return err
		}
		if u.ID == a.UserID {
			return directory.Errorf(directory.KindConflict, "change your own password from your account page")
		}
		if err := notInBin(u); err != nil {
			return err
		}
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		out = &ResetResult{User: u, Method: in.Method}
		if u.Locked() {
			return directory.Errorf(directory.KindConflict, "%s is locked; unlock the account first", u.Name())
		}
		switch in.Method {
		case ResetByLink:
			if u.Status != directory.StatusActive {
				return directory.Errorf(directory.KindConflict, "%s is %s; a reset link is only for active users", u.Name(), u.Status)
			}
			if u.Email == "" {
				return directory.Errorf(directory.KindConflict, "%s has no email; set a temporary password instead", u.Name())
			}
			if err := s.sendResetLink(ctx, tx, org, u, a.UserID); err != nil {
				return err
			}
			out.LinkSentTo = u.Email
			return s.record(ctx, tx, a, "user.reset_password", "user", u.ID, u.Name(),
				[]directory.Change{{Field: "method", After: ResetByLink}, {Field: "sent_to", After: u.Email}})
		case ResetByTemporary, ResetByCreate:
		default:
			return &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
				Fields: []directory.FieldError{{Field: "method", Message: "must be link, temporary or create"}}}
		}
		if in.Method == ResetByCreate && u.Status != directory.StatusPending {
			return directory.Errorf(directory.KindConflict, "%s is not pending; use a reset link or a temporary password", u.Name())
		}
		if in.Method == ResetByTemporary && u.Status == directory.StatusInactive {
			return directory.Errorf(directory.KindConflict, "%s is inactive; enable them first", u.Name())
		}
		mustChange := in.Method == ResetByTemporary
		if in.RequireChange != nil {
			mustChange = *in.RequireChange
		}
		var v directory.Validation
		if err := s.checkNewPassword(ctx, &tx.Conn, org, u, personalInfo(u), "password", in.Password, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		before := userSnapshot(u)
		voided, err := s.voidInvitation(ctx, tx, u)
		if err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, u, in.Password, mustChange, ""); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, org, u, noticePasswordChanged, nil); err != nil {
			return err
		}
		changes := append([]directory.Change{{Field: "method", After: in.Method}, {Field: "password", Before: "(hidden)", After: "(changed)"}},
			diff(before, userSnapshot(u))...)
		changes = append(changes, voided...)
		return s.record(ctx, tx, a, "user.reset_password", "user", u.ID, u.Name(), changes)
	})
	if err != nil {
		return nil, err
	}
	return out, s.complete(ctx, out.User)
}
